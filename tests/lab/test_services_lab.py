"""Issue 12's scenarios on the two lab VMs: sendmail, apache2 and PostgreSQL moved onto the replicated disk.

The services start as Debian installs them (enabled at boot and running on both nodes; the image keeps them
off only to boot fast), with the 127.0.1.1 line Debian's installer writes into /etc/hosts. One applied
cluster serves every scenario, in order:

1. ``apply --dry-run`` of the whole plan (DRBD, the services, Heartbeat) changes nothing on either node (/etc,
   /var/lib, the spools, /var/www, /usr/sbin, ..., the first MiB of /dev/vdb1) and shows every step's diff;
2. ``apply`` is SIGKILLed while PostgreSQL's data is being copied, ``resume`` finishes the move: the
   tutorial's tree with links on both nodes, health checks passing on node1, boot start off on both;
3. sendmail on the slave (disk not mounted there) hands a message to the relay (an SMTP sink on the VIP);
4. a mail queued and a row written on node1, then Heartbeat's graceful switchover (``failover-test
   --graceful``): all three answer on node2 with that data. node1 reboots meanwhile: its services stay down
   after the boot and, the standby now, it takes nothing (no mount, no VIP, no resource; issue 13's rebooted
   standby); then ``failover-test --back`` gives everything to node1 again;
5. ``undo-services`` puts each service back on node1's own disk with the data written while replicated,
   node2's own folders back, and takes the services out of Heartbeat's haresources on both nodes.
"""

from __future__ import annotations

import re
import secrets
import shlex
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import pytest

from wizard.lab import Lab

from .wizard_on_node import (
    LOG,
    NODES,
    ROOT,
    Wheelhouse,
    clean_pair,
    confirm_tokens,
    ensure_wizard,
    journal,
    kill_when,
    lab_tests_follow,
    on_both,
    plan_json,
    run_wizard,
    start_wizard,
    summary_line,
    tree_changes,
    tree_digest,
    wait_drbd,
)

ANSWERS = "/root/services.toml"
SERVICES = ("sendmail", "apache2", "postgresql")
SERVICE_STEPS = ["services-helper@node1", "services-helper@node2", "relay-sendmail@node1", "relay-sendmail@node2",
                 *(f"{kind}-{s}@{node}" for s in SERVICES for kind, node in (("move", "node1"), ("link", "node2"),
                                                                           ("start", "node1")))]
UNITS = " ".join(f"{s}.service" for s in SERVICES)
MOVED = {
    "sendmail": ("/etc/mail", "/var/mail", "/var/spool/mqueue", "/var/spool/mqueue-client"),
    "apache2": ("/etc/apache2", "/var/www"),
    "postgresql": ("/etc/postgresql/15/main", "/var/lib/postgresql/15/main"),
}
ALL_MOVED = [p for paths in MOVED.values() for p in paths]
HEALTH = {
    "sendmail": "timeout 5 bash -c 'exec 3<>/dev/tcp/127.0.0.1/25'",
    "apache2": "timeout 5 bash -c 'exec 3<>/dev/tcp/127.0.0.1/80'",
    "postgresql": "pg_isready -q",
}
RESOURCE = "/etc/ha.d/resource.d"
VIP = "10.99.0.100"
#: What the dry-run comparison reads besides /etc and /var/lib: everything the move would touch.
ROOTS = ("/etc", "/var/lib", "/var/spool", "/var/mail", "/var/www", "/usr/sbin", "/usr/local", "/replicated")
#: Files the running services rewrite on their own, whatever the wizard does: PostgreSQL's data directory
#: (checkpoints, statistics) and sendmail's statistics and host status.
VOLATILE = ("/var/lib/postgresql/15/main", "/var/lib/sendmail")


@dataclass
class Cluster:
    lab: Lab
    fingerprint: str
    timing: Callable[..., None]
    token: str = field(default_factory=lambda: secrets.token_hex(6))
    tokens: list[str] = field(default_factory=list)  # the consent the plan asks for, from the dry-run
    queued: str = ""  # the id of the mail queued on node1

    def sh(self, n: int, cmd: str, timeout: float = 120) -> str:
        return self.lab.ssh(n, cmd, timeout=timeout).stdout


def healthy(c: Cluster, n: int, timeout: float = 180) -> None:
    """Every service answers on node *n* (polled: a start under emulation takes a while)."""
    script = " && ".join(f"{cmd} && echo {name}-ok" for name, cmd in HEALTH.items())
    deadline = time.monotonic() + timeout
    while True:
        r = c.lab.ssh(n, script, check=False, timeout=60)
        if r.returncode == 0:
            return
        if time.monotonic() > deadline:
            why = c.lab.ssh(n, f"ss -ltnx | grep -E ':(25|80|5432) |PGSQL'; systemctl --no-pager status {UNITS} "
                               "| tail -40; tail -15 /var/log/mail.log", check=False, timeout=60).stdout
            raise AssertionError(f"node{n}: not every service answers after {timeout:.0f} s: {r.stdout} {r.stderr}"
                                 f"\n{why}")
        time.sleep(2)


def page(c: Cluster, n: int) -> str:
    return c.sh(n, "timeout 10 bash -c 'exec 3<>/dev/tcp/127.0.0.1/80; "
                   "printf \"GET /ha.html HTTP/1.0\\r\\n\\r\\n\" >&3; cat <&3'")


def psql(c: Cluster, n: int, sql: str) -> str:
    return c.sh(n, f"runuser -u postgres -- psql -qAtX -c {shlex.quote(sql)}").strip()


@dataclass
class State:
    """What a node shows of the move, read in one round trip (each SSH call costs ~1 s under emulation)."""

    links: dict[str, str]  # moved path -> where it leads ("" = not a link)
    kept: list[str]  # paths with a PATH.ha-wizard-orig beside them
    enabled: list[str]  # `systemctl is-enabled` of the three units
    active: list[str]
    under: str  # what /replicated/usr/sbin/sendmail leads to, as this node sees it


def state(c: Cluster, n: int) -> State:
    paths = " ".join([*ALL_MOVED, "/usr/sbin/sendmail"])
    out = c.sh(n, f"for p in {paths}; do printf 'link %s %s\\n' \"$p\" \"$(readlink \"$p\")\"; "
                  "[ -e \"$p.ha-wizard-orig\" ] || [ -L \"$p.ha-wizard-orig\" ] && echo \"kept $p\"; done; "
                  f"echo enabled $(systemctl is-enabled {UNITS} 2>/dev/null); "
                  f"echo active $(systemctl is-active {UNITS}); echo under $(readlink /replicated/usr/sbin/sendmail)")
    rows = [line.split(" ") for line in out.splitlines()]
    return State({r[1]: " ".join(r[2:]) for r in rows if r[0] == "link"}, [r[1] for r in rows if r[0] == "kept"],
                 next(r[1:] for r in rows if r[0] == "enabled"), next(r[1:] for r in rows if r[0] == "active"),
                 next(" ".join(r[1:]) for r in rows if r[0] == "under"))


def teardown(c: Cluster) -> None:
    """Back to the image's state whatever happened: services stopped, every moved folder a local folder again
    (a link replaced by its kept original), ha-wizard's files gone, this module's data dropped; the boot
    state (Heartbeat, DRBD and the services off) is clean_pair's, run by restored_lab right after."""
    restore = " ".join([*ALL_MOVED, "/usr/sbin/sendmail"])
    script = (
        "systemctl stop heartbeat; "
        "runuser -u postgres -- psql -qc 'DROP TABLE IF EXISTS ha' 2>/dev/null; "
        f"systemctl stop {UNITS} 2>/dev/null; ip addr del {VIP}/24 dev eth1 2>/dev/null; "
        "umount /replicated 2>/dev/null; "
        f"for p in {restore}; do o=$p.ha-wizard-orig; if [ -L \"$p\" ] && {{ [ -e \"$o\" ] || [ -L \"$o\" ]; }}; "
        "then rm -f \"$p\" && mv \"$o\" \"$p\"; fi; rm -rf \"$o\" \"$p.ha-wizard-copied\"; "
        "done; rm -rf /replicated/usr /usr/local/sbin/ha-wizard-services /usr/local/sbin/ha-wizard-relay "
        "/etc/ha-wizard; "
        "rm -f /var/www/html/ha.html /var/spool/mqueue/[dqx]f*; "
        "rm -f /root/services.toml /root/svc-*.log /root/sink.log; true"
    )
    # the standby's Heartbeat first: it would take over what the other releases
    on_both(lambda n: c.lab.ssh(n, f"ip -o addr | grep -q 'inet {VIP}/' || systemctl stop heartbeat", check=False,
                                timeout=300))
    on_both(lambda n: c.lab.ssh(n, script, check=False, timeout=300))


@pytest.fixture(scope="module")
def cluster(restored_lab: Lab, wheelhouse: Wheelhouse, lab_timing: Callable[..., None],
            request: pytest.FixtureRequest) -> Iterator[Cluster]:
    """Blank disks and the image's files (``clean_pair``), this checkout's wizard on node1, and the three
    services enabled and running on both nodes as Debian installs them, with a page only node1 has."""
    lab = restored_lab
    ensure_wizard(lab, wheelhouse)
    c = Cluster(lab, lab.host_key_fingerprint(2), lab_timing)
    clean_pair(lab)
    text = (ROOT / "examples" / "lab.toml").read_text()
    text, n = re.subn(r"^enabled = \[\]$", f"enabled = {list(SERVICES)!r}".replace("'", '"'), text, flags=re.M)
    assert n == 1
    lab.ssh(1, f"cat > {ANSWERS}", input=text)
    t0 = time.monotonic()
    # enable, then start: `enable --now` leaves sendmail (an init script, enabled through update-rc.d) stopped
    on_both(lambda n: lab.ssh(n, f"echo '127.0.1.1\tnode{n}.lab.example\tnode{n}' >> /etc/hosts && "
                                 f"systemctl enable {UNITS} 2>&1 | tail -1 && systemctl start {UNITS}", timeout=300))
    lab.ssh(1, f"echo '<html>served from the replicated disk: {c.token}</html>' > /var/www/html/ha.html")
    healthy(c, 1)  # node2's are started too (`systemctl start` waits for them); the move stops them there
    c.timing("services_enable_secs", time.monotonic() - t0)
    try:
        yield c
    finally:
        if lab_tests_follow(request):
            teardown(c)


# -------------------------------------------------------------------------------------------- scenarios
def test_dry_run_changes_nothing(cluster: Cluster) -> None:
    c = cluster
    before = on_both(lambda n: tree_digest(c.lab, n, VOLATILE, ROOTS))
    rc, out = run_wizard(c.lab, f"apply --dry-run --answers {ANSWERS}", c.fingerprint)
    assert rc == 0, out[-3000:]
    after = on_both(lambda n: tree_digest(c.lab, n, VOLATILE, ROOTS))
    for n in NODES:
        assert not tree_changes(before[n], after[n]), f"node{n}:\n" + "\n".join(tree_changes(before[n], after[n]))
    flat = " ".join(out.split())
    # the whole plan was shown, with the diffs it would make on both nodes: the tutorial's steps first
    assert "+# BEGIN ha-wizard hosts" in out and "drbdadm create-md r0" in flat, out[-3000:]
    for path in ALL_MOVED:
        assert f"ha-wizard-services copy /replicated {path}" in flat, path
        assert f"ha-wizard-services set-aside /replicated {path}" in flat, path
    assert "systemctl disable postgresql.service" in flat and "sendmail's relay: msmtp (installed)" in flat
    c.tokens = list(dict.fromkeys(re.findall(r"asks you to type '([^']+)' first", flat)))


def test_apply_moves_the_services_and_resumes_a_copy_killed_half_way(cluster: Cluster) -> None:
    c, lab = cluster, cluster.lab
    if not c.tokens:  # run alone (-k)
        c.tokens = confirm_tokens(plan_json(lab, c.fingerprint, ANSWERS))
    assert set(SERVICES) < set(c.tokens), c.tokens
    tokens = " ".join(f"--confirm {shlex.quote(t)}" for t in c.tokens)
    t0 = time.monotonic()
    pid = start_wizard(lab, f"apply --answers {ANSWERS} --yes {tokens}", c.fingerprint, "/root/svc-apply.log")
    partial = "/replicated/var/lib/postgresql/15/main.ha-wizard-partial"
    kill_when(lab, pid, path=partial, timeout=900, log="/root/svc-apply.log")
    assert journal(lab)["steps"].get("move-postgresql@node1", {}).get("status") != "done"
    rc, out = run_wizard(lab, f"resume --yes {tokens}", c.fingerprint, timeout=1200)
    c.timing("services_apply_with_kill_secs", time.monotonic() - t0)
    assert rc == 0, out[-5000:]
    summary = summary_line(out)
    assert "move" not in summary.split("not implemented yet:")[-1], summary
    steps = journal(lab)["steps"]
    for sid in SERVICE_STEPS:
        assert steps[sid]["status"] == "done", (sid, steps.get(sid))
    log = c.sh(1, f"cat {LOG}")
    # nothing lost: the copy that was cut off was made again (or finished) and checked before the link
    assert re.search(r"/replicated/var/lib/postgresql/15/main matches /var/lib/postgresql/15/main(\.ha-wizard-orig)?: "
                     r"\d+ entries, \d+ files checked by sha256", log), log[-3000:]
    assert not c.sh(1, f"ls -d {partial} 2>/dev/null; true").strip()
    record_copies(c, log)
    # the tutorial's tree on node1, the same links on both nodes
    tree = c.sh(1, "cd /replicated && ls -d etc/mail var/mail var/spool/mqueue var/spool/mqueue-client")
    assert tree.split() == ["etc/mail", "var/mail", "var/spool/mqueue", "var/spool/mqueue-client"]
    want = {p: f"/replicated{p}" for p in [*ALL_MOVED, "/usr/sbin/sendmail"]}
    st = on_both(lambda n: state(c, n))
    for n in NODES:
        assert st[n].links == want, f"node{n}"
        assert set(st[n].kept) == set(want), f"node{n}: every original kept"
        assert st[n].enabled == ["disabled"] * 3, f"node{n}: off at boot"
    # sendmail's trick: on the disk the real program, under node2's mount point the relay
    assert (st[1].under, st[2].under) == ("/usr/libexec/sendmail/sendmail", "/usr/local/sbin/ha-wizard-relay")
    # running on node1 from the disk, answering; stopped on node2
    assert st[1].active == ["active"] * 3 and st[2].active == ["inactive"] * 3
    healthy(c, 1, timeout=30)
    assert c.sh(1, f"{RESOURCE}/apache2 status").strip() == "apache2.service is running"
    r = lab.ssh(2, f"{RESOURCE}/apache2 status", check=False)
    assert (r.returncode, r.stdout.strip()) == (3, "apache2.service is stopped")
    assert page(c, 1).rstrip().endswith(f"served from the replicated disk: {c.token}</html>")


def record_copies(c: Cluster, log: str) -> None:
    """The size of each copy and how long the helper took (the run log has seconds)."""
    started: dict[str, tuple[float, int]] = {}
    for m in re.finditer(r"^(\S+ \S+) (copying|copied) (\S+)(?: \((\d+) KiB)?", log, re.M):
        at = time.mktime(time.strptime(m.group(1), "%Y-%m-%d %H:%M:%S"))
        path = m.group(3).removesuffix(".ha-wizard-orig")
        if m.group(2) == "copying":
            started[path] = (at, int(m.group(4)))
        elif path in started:
            begun, kib = started.pop(path)
            c.timing("services_copy_secs", at - begun, path=path, kib=kib)


def test_the_slave_hands_its_mail_to_the_relay(cluster: Cluster) -> None:
    """node2 does not hold the disk: its /usr/sbin/sendmail leads to msmtp, which delivers to the VIP (here an
    SMTP sink on node1, where Heartbeat would put the VIP and the active sendmail)."""
    c, lab = cluster, cluster.lab
    # Heartbeat holds the VIP on node1; the sink listens there (sendmail itself listens on 127.0.0.1 only)
    assert f"inet {VIP}/" in c.sh(1, "ip -o addr")
    pid = c.sh(1, f"(nohup python3 -u -W ignore -m smtpd -n -c DebuggingServer {VIP}:25 > /root/sink.log 2>&1 "
                  "& echo $!)").strip()
    try:
        deadline = time.monotonic() + 60
        while f"{VIP}:25" not in c.sh(1, "ss -Hltn"):
            assert time.monotonic() < deadline, c.sh(1, "cat /root/sink.log")
            time.sleep(1)
        r = lab.ssh(2, f"printf 'Subject: from the slave {c.token}\\n\\nhello\\n' | /usr/sbin/sendmail -i root",
                    check=False, timeout=120)
        assert r.returncode == 0, r.stdout + r.stderr
        assert f"from the slave {c.token}" in c.sh(1, "cat /root/sink.log")
        assert "msmtp" in c.sh(2, "journalctl -q -t msmtp --no-pager | tail -3")
    finally:
        lab.ssh(1, f"kill {pid}", check=False)


def drill(c: Cluster, args: str) -> str:
    rc, out = run_wizard(c.lab, f"failover-test {args} --answers {ANSWERS}", c.fingerprint, timeout=900)
    assert rc == 0, out[-5000:]
    return out


def test_switchover_brings_every_service_up_on_node2_with_its_data(cluster: Cluster) -> None:
    """Heartbeat hands everything to node2 (the drill checks DRBD, the mount, the VIP and each service's
    health); node1 reboots meanwhile and its services stay down after the boot. Then node1, freshly booted,
    takes everything back (its PostgreSQL cluster appears only once the disk is mounted)."""
    c, lab = cluster, cluster.lab
    c.sh(1, f"printf 'Subject: queued {c.token}\\n\\nstill here\\n' | sendmail -Am -odq -f root "
            "nobody@example.invalid")
    c.queued = c.sh(1, "ls /var/spool/mqueue | sed -n 's/^qf//p'").strip()
    assert c.queued, c.sh(1, "ls -la /var/spool/mqueue/")
    psql(c, 1, f"CREATE TABLE ha (v text); INSERT INTO ha VALUES ('{c.token}')")
    t0 = time.monotonic()
    drill(c, "--graceful --confirm node1")
    c.timing("switchover_to_node2_secs", time.monotonic() - t0)
    healthy(c, 2, timeout=60)
    assert c.queued in c.sh(2, "mailq 2>&1"), c.sh(2, "mailq 2>&1")
    assert psql(c, 2, "SELECT v FROM ha") == c.token
    assert f"served from the replicated disk: {c.token}" in page(c, 2)
    assert c.sh(2, f"{RESOURCE}/postgresql status").strip() == "postgresql.service is running"
    c.timing("node1_reboot_to_ssh_secs", lab.restart(1))
    booted = state(c, 1)
    assert (booted.active, booted.enabled) == (["inactive"] * 3, ["disabled"] * 3), booted
    # node1 rejoins as DRBD Secondary (DRBD and Heartbeat start at boot), catches up, then takes over again
    wait_drbd(lab, 1, r"cs:Connected ro:Secondary/Primary ds:UpToDate/UpToDate", timeout=300)
    # the rebooted standby took nothing (issue 13): no mount, no VIP, no resource; node2 still serves all
    assert "/replicated" not in c.sh(1, "cut -d' ' -f2 /proc/mounts").split()
    assert f"inet {VIP}/" not in c.sh(1, "ip -o addr")
    assert lab.ssh(1, "cl_status rscstatus", check=False, timeout=60).stdout.strip() == "none"
    healthy(c, 2, timeout=60)
    t0 = time.monotonic()
    drill(c, "--back --confirm node2")
    c.timing("switchover_to_node1_secs", time.monotonic() - t0)
    healthy(c, 1, timeout=60)
    assert psql(c, 1, "SELECT v FROM ha") == c.token


def test_undo_services_puts_each_back_on_node1_with_its_data(cluster: Cluster) -> None:
    c, lab = cluster, cluster.lab
    t0 = time.monotonic()
    confirms = " ".join(f"--confirm {s}" for s in SERVICES)
    rc, out = run_wizard(lab, f"undo-services --answers {ANSWERS} --yes {confirms}", c.fingerprint, timeout=1200)
    c.timing("undo_services_secs", time.monotonic() - t0)
    assert rc == 0, out[-5000:]
    assert "run from node1's own disk again" in " ".join(out.split())
    st = on_both(lambda n: state(c, n))
    for n in NODES:
        assert st[n].links == {**dict.fromkeys(ALL_MOVED, ""), "/usr/sbin/sendmail": "/etc/alternatives/sendmail"}
        assert st[n].enabled == ["enabled"] * 3, f"node{n}: the boot setting from before the move"
    assert st[2].kept == [] and st[1].active == ["active"] * 3
    for n in NODES:  # Heartbeat keeps the disk and the address, and starts none of them on a takeover
        line = c.sh(n, "grep -v '^#' /etc/ha.d/haresources").split()
        assert line[-1].startswith("ha-wizard-ip::") and not set(SERVICES) & set(line), f"node{n}: {line}"
    healthy(c, 1, timeout=60)
    assert c.queued in c.sh(1, "ls /var/spool/mqueue")
    assert psql(c, 1, "SELECT v FROM ha") == c.token
    assert f"served from the replicated disk: {c.token}" in page(c, 1)
    assert not c.sh(2, "ls /var/www/html/ha.html 2>/dev/null; true").strip(), "node2 got its own /var/www back"
    assert c.sh(1, "ls /replicated/var/lib/postgresql/15/main/PG_VERSION").strip(), "the replicated copy stays"
