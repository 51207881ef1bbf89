"""Issues 7, 14 and 17 in the lab: the TUI, run on the first VM the way an admin would run it on bare servers
(the peer has no key for it, neither has the service's packages), goes from Welcome to a passed hard failover.

The VMs are renamed alpha and bravo first (names the lab never uses on its own, so a made-up name would
show), bravo has no key for alpha's root (only a root password, and password logins allowed), neither has
the recipe's packages (apache2 purged from both; their apt knows a repository of the lab's own that offers
it, tests/lab/local_repo.py, as a real server's knows its mirror), and the wizard starts with NO answers
file. On the host, a detached 80x24 tmux pane runs ``ssh -tt`` into alpha (its host key pinned, key only),
and alpha runs the installed ``ha-wizard`` (the TUI). The test types through every screen with ``tmux
send-keys`` and reads each one back with ``capture-pane``, as a person would: it compares the peer's host
key fingerprint with the one bravo prints, installs alpha's key by typing bravo's password once, confirms
what the wizard discovered (the peer next door, its name, the link's addresses and NIC, the partition pair,
a free VIP), types the service name, ticks apache2 (offered: the plan installs it first on both) and keeps
the recommended Heartbeat profile; the run installs apache2 on both nodes with their package manager, then
moves it; it types each destructive step's token, and watches the sync bar move (the VM-to-VM link is
shaped to 64 Mbit/s with `tc`, a slow replication link, so the sync lasts long enough to watch). On the
Failover screen it runs the graceful drill (alpha -> bravo), then the hard one: when the screen says to cut
bravo's power, the harness kills bravo's VM and alpha, where the wizard runs, takes everything back. Done
shows the drill's result; bravo is booted again and the status view (ctrl+s) shows alpha holding the
resources and bravo standing by. Then the nodes themselves are asked, and the password is looked for
everywhere it must not be.

(The hard drill cuts bravo, not the master alpha: the wizard runs on alpha and cannot watch its own death.
The headless drill of tests/lab/test_failover_lab.py cuts node1 under a wizard that dies with it.)

Every wait polls the pane with a deadline (TCG emulation is slow: minutes for the run); nothing sleeps a
fixed time. Each screen's text is kept in the test's tmp dir; a failure prints the last one.
"""

from __future__ import annotations

import os
import re
import secrets
import shlex
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from wizard.lab import Lab

from . import local_repo
from .wizard_on_node import (
    JOURNAL_DIR,
    WIZARD,
    clean_pair,
    drbd_line,
    journal,
    lab_tests_follow,
    mounts,
    on_both,
)

PRIMARY = "cs:Connected ro:Primary/Secondary ds:UpToDate/UpToDate"
SECONDARY = "cs:Connected ro:Secondary/Primary ds:UpToDate/UpToDate"
NAMES = ("alpha", "bravo")
INVENTED = re.compile(r"\b(node1|node2|server1|server2)\b")
#: 127 MiB over a 64 Mbit/s link: the measured link sets the resync cap, and the sync lasts ~17 s.
SHAPE = "tc qdisc replace dev eth1 root tbf rate 64mbit burst 64kbit latency 50ms"
UNSHAPE = "tc qdisc del dev eth1 root 2>/dev/null; true"
#: The Run screen's progress label during the first sync: "initial sync node1 → node2: 12.3%  ·  ..."
SYNC_PERCENT = re.compile(r"initial sync [^:\n]*: (\d+(?:\.\d+)?)%")
CONFIRM = re.compile(r"Type '([^']+)' to go ahead")
#: The hard drill's result line on the Failover and Done screens.
HARD_RESULT = "hard failover bravo -> alpha: RTO"
#: bravo without alpha's key: password logins for root allowed (a drop-in read before the lab's own), the
#: authorized_keys of the image kept aside and put back at the end.
NO_KEY = ("cp -p /root/.ssh/authorized_keys /root/.ssh/authorized_keys.tui-lab && "
          "grep -vF -- {key} /root/.ssh/authorized_keys.tui-lab > /root/.ssh/authorized_keys; "
          "getent shadow root | cut -d: -f2 > /root/.shadow.tui-lab && echo root:{password} | chpasswd && "
          "printf 'PermitRootLogin yes\\nPasswordAuthentication yes\\n' > /etc/ssh/sshd_config.d/00-tui-lab.conf && "
          "systemctl reload ssh")
KEY_BACK = ("test -e /root/.ssh/authorized_keys.tui-lab && mv /root/.ssh/authorized_keys.tui-lab "
            "/root/.ssh/authorized_keys; test -s /root/.shadow.tui-lab && usermod -p \"$(cat /root/.shadow.tui-lab)\" "
            "root; rm -f /root/.shadow.tui-lab /etc/ssh/sshd_config.d/00-tui-lab.conf; systemctl reload ssh; true")
#: tmux of our own, never the one this test may run in; UTF-8 so the TUI's ✓ and → read back as such.
TMUX_ENV = {**{k: v for k, v in os.environ.items() if k != "TMUX"}, "LANG": "C.UTF-8"}


def flat(text: str) -> str:
    """The pane's text as one line of words (sentences wrap at 80 columns), dialog borders left out."""
    return " ".join(text.replace("┃", " ").replace("│", " ").split())


class Pane:
    """One tmux server of our own (``-L socket``) with one 80x24 session; every screen read is kept."""

    def __init__(self, socket: str, out: Path) -> None:
        self.socket, self.name, self.out = socket, "tui", out
        self.last = ""
        self.saved: list[Path] = []

    def tmux(self, *args: str) -> str:
        r = subprocess.run(["tmux", "-L", self.socket, *args], capture_output=True, text=True, timeout=30,
                           env=TMUX_ENV)
        return r.stdout

    def start(self, command: str) -> None:
        self.tmux("new-session", "-d", "-s", self.name, "-x", "80", "-y", "24", command)

    def kill(self) -> None:
        """End our session and our tmux server, and remove the socket it leaves behind."""
        socket = self.tmux("display-message", "-p", "#{socket_path}").strip()
        self.tmux("kill-session", "-t", self.name)
        self.tmux("kill-server")
        if socket.endswith(self.socket):
            Path(socket).unlink(missing_ok=True)

    def text(self) -> str:
        self.last = self.tmux("capture-pane", "-p", "-t", self.name)
        return self.last

    def snap(self, label: str) -> str:
        """Save what the pane shows now as ``NN-label.txt`` in the test's tmp dir."""
        screen = self.text()
        path = self.out / f"{len(self.saved) + 1:02d}-{re.sub(r'[^A-Za-z0-9.-]+', '_', label)}.txt"
        path.write_text(screen)
        self.saved.append(path)
        return screen

    def wait(self, *needles: str, timeout: float, bad: tuple[str, ...] = ()) -> str:
        """Poll until every needle is on screen (also across wrapped lines); fail early on a *bad* one."""
        deadline = time.monotonic() + timeout
        while True:
            screen = self.text()
            words = flat(screen)
            if all(n in screen or flat(n) in words for n in needles):
                return screen
            wrong = [b for b in bad if b in screen or flat(b) in words]
            if wrong or time.monotonic() > deadline:
                why = f"{wrong[0]!r} is shown" if wrong else f"waited {timeout:.0f} s"
                raise AssertionError(f"{why} while waiting for {needles!r}; the pane shows:\n{screen}")
            time.sleep(0.2)  # polling interval of a bounded wait, not a fixed delay

    def wait_gone(self, needle: str, timeout: float) -> str:
        deadline = time.monotonic() + timeout
        while True:
            screen = self.text()
            if needle not in flat(screen):
                return screen
            if time.monotonic() > deadline:
                raise AssertionError(f"{needle!r} still shown after {timeout:.0f} s:\n{screen}")
            time.sleep(0.2)

    def keys(self, *keys: str) -> None:
        self.tmux("send-keys", "-t", self.name, *keys)

    def type(self, text: str) -> None:
        self.tmux("send-keys", "-t", self.name, "-l", text)


@pytest.fixture(scope="module")
def tui_lab(restored_lab: Lab, request: pytest.FixtureRequest) -> Iterator[Lab]:
    """The pair renamed alpha/bravo, its link shaped, bravo without alpha's key but with a root password
    (``lab.password``); all undone at the end when another module follows."""
    lab = restored_lab
    lab.rename(NAMES)
    try:
        for n in (1, 2):
            lab.ssh(n, SHAPE, timeout=60)
        key = lab.ssh(1, "cut -d' ' -f2 /root/.ssh/id_ed25519.pub", timeout=60).stdout.strip()
        assert key
        lab.password = secrets.token_hex(8)  # type: ignore[attr-defined]  (no leading "-" for tmux send-keys)
        lab.ssh(2, NO_KEY.format(key=shlex.quote(key), password=shlex.quote(lab.password)),  # type: ignore[attr-defined]
                timeout=60)
        ssh_back(lab, 2)
        # really no key: alpha's root cannot log in to bravo
        r = lab.ssh(1, "ssh -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null "
                       "-o ConnectTimeout=10 root@10.99.0.2 true", check=False, timeout=60)
        assert r.returncode != 0, "bravo still accepts alpha's key"
        # no recipe preinstalled: apache2 purged from both, offered by a repository of the lab's own
        repo = local_repo.build(lab)
        on_both(lambda n: (local_repo.purge(lab, n), local_repo.serve(lab, n, repo)))
        yield lab
    finally:
        if lab_tests_follow(request):
            undo_tui_lab(lab)
        else:  # the session's VMs go right after: only the names are reset (the lab's state file keeps them)
            lab.rename(None)


def undo_tui_lab(lab: Lab) -> None:
    """Names, link, key and repository back, the pair cleaned, for the next module."""
    try:
        if not lab.is_running(2):  # the hard drill cut it and the test ended before booting it again
            lab.restart(2)
        for n in (1, 2):
            if lab.is_running(n):
                lab.ssh(n, UNSHAPE, check=False, timeout=60)
        if lab.is_running(2):
            lab.ssh(2, KEY_BACK, check=False, timeout=60)
            ssh_back(lab, 2)
        clean_pair(lab)  # under the names the pair was set up with (drbdadm finds its `on` sections)
        on_both(lambda n: local_repo.unserve(lab, n))
    finally:
        lab.rename(None)


def ssh_back(lab: Lab, n: int, timeout: float = 60) -> None:
    """Wait for sshd after its reload: it re-executes itself, and a login in between is reset."""
    deadline = time.monotonic() + timeout
    while lab.ssh(n, "true", check=False, timeout=30).returncode != 0:
        assert time.monotonic() < deadline, f"node{n}: sshd did not come back after its reload"
        time.sleep(0.5)  # polling interval of a bounded wait


@pytest.fixture
def pane(tmp_path: Path) -> Iterator[Pane]:
    if shutil.which("tmux") is None:
        pytest.skip("tmux is not installed")
    out = tmp_path / "screens"
    out.mkdir()
    p = Pane(f"ha-wizard-tui-lab-{time.monotonic_ns()}", out)
    try:
        yield p
    finally:
        p.kill()


def ssh_into_node1(lab: Lab, known_hosts: Path, remote: str) -> str:
    """The pane's command: ``ssh -tt`` to node1 (host key pinned, key only), then keep the pane open."""
    known_hosts.write_text(lab.known_hosts_line(1) + "\n")
    argv = ["ssh", "-F", "/dev/null", "-tt", "-i", str(lab.ssh_key), "-p", str(lab.ssh_port(1)),
            "-o", f"UserKnownHostsFile={known_hosts}", "-o", "StrictHostKeyChecking=yes",
            "-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes", "-o", "LogLevel=ERROR",
            "root@127.0.0.1", remote]
    return " ".join(shlex.quote(a) for a in argv) + "; echo SSH-EXITED-$?; sleep 600"


def test_tui_from_a_peer_without_key_to_a_passed_hard_failover(tui_lab: Lab, wizard_node1: Lab, pane: Pane,
                                                              tmp_path: Path) -> None:
    lab = tui_lab
    clean_pair(lab)  # blank /dev/vdb1 on both, DRBD down, no journal, no known_hosts on the first VM
    assert [lab.ssh(n, "uname -n").stdout.strip() for n in (1, 2)] == list(NAMES)
    peer_fp = lab.host_key_fingerprint(2)
    remote = (f"env -u COLORFGBG TERM=xterm-256color {WIZARD} --journal-dir {JOURNAL_DIR}; "
              "echo WIZARD-EXITED-$?")
    t0 = time.monotonic()
    pane.start(ssh_into_node1(lab, tmp_path / "known_hosts", remote))
    try:
        walk(lab, pane, peer_fp, t0)
    except BaseException:
        print(f"\n--- the pane's last screen ({time.monotonic() - t0:.0f} s in) ---\n{pane.last}"
              f"--- screens saved in {pane.out} ---")
        raise

    # No screen showed a name that neither the nodes nor the admin gave, nor the password.
    shown = sorted({m for p in pane.saved for m in INVENTED.findall(p.read_text())})
    assert shown == [], f"made-up names on screen: {shown}"
    password = lab.password  # type: ignore[attr-defined]
    assert not [p.name for p in pane.saved if password in p.read_text()]
    # nor in anything the wizard or the system wrote on alpha (journal, answers, logs, Heartbeat's log)
    r = lab.ssh(1, f"grep -rlF -- {shlex.quote(password)} {JOURNAL_DIR} /var/log /etc /root", check=False,
                timeout=120)
    assert r.returncode == 1 and not r.stdout.strip(), r.stdout
    # What the nodes say, not the screen: alpha holds everything, bravo (booted again) stands by.
    line1, line2 = drbd_line(lab, 1), drbd_line(lab, 2)
    assert line1.startswith(PRIMARY), line1
    assert line2.startswith(SECONDARY), line2
    on1 = [m[:3] for m in mounts(lab, 1) if m[1] == "/replicated"]
    assert on1 == [["/dev/drbd0", "/replicated", "ext4"]], on1
    assert not [m for m in mounts(lab, 2) if m[1] == "/replicated" or m[0] == "/dev/drbd0"]
    saved = lab.ssh(1, f"cat {JOURNAL_DIR}/answers.toml", timeout=60).stdout
    for want in ('name = "alpha"', 'name = "bravo"', 'master = "alpha"', 'address = "10.99.0.1"',
                 'address = "10.99.0.2"', 'interface = "eth1"', 'hostname = "www"', 'disk = "/dev/vdb1"',
                 'enabled = ["apache2"]', 'profile = "recommended"'):
        assert want in saved, (want, saved)
    assert not INVENTED.search(saved), saved
    vip = re.search(r'^vip = "([0-9.]+)"', saved, re.M)
    assert vip, saved
    assert f"inet {vip.group(1)}/" in lab.ssh(1, "ip -o addr show dev eth1", timeout=60).stdout
    assert f"inet {vip.group(1)}/" not in lab.ssh(2, "ip -o addr show dev eth1", timeout=60).stdout
    # apache2 came from the nodes' repository through the plan's first steps, then moved
    steps = journal(lab)["steps"]
    for name in NAMES:
        assert steps[f"install@{name}"]["status"] == "done", steps.get(f"install@{name}")
        assert lab.ssh(1 if name == "alpha" else 2, "dpkg-query -W -f '${Status}' apache2",
                       timeout=60).stdout == "install ok installed"
    # the ticked service is the chain's last resource, on both nodes
    for n in (1, 2):
        chain = lab.ssh(n, "grep -v '^#' /etc/ha.d/haresources", timeout=60).stdout.split()
        assert chain[:2] == ["alpha", "drbddisk::r0"] and chain[-1] == "apache2", (n, chain)
    assert lab.ssh(1, "systemctl is-active apache2", check=False, timeout=60).stdout.strip() == "active"
    assert lab.ssh(2, "systemctl is-active apache2", check=False, timeout=60).stdout.strip() != "active"
    report = lab.ssh(1, f"cat {JOURNAL_DIR}/failover-report.md", timeout=60).stdout
    assert "bravo -> alpha" in report and "alpha -> bravo" in report, report


def walk(lab: Lab, pane: Pane, peer_fp: str, t0: float) -> None:
    gone = ("SSH-EXITED-", "WIZARD-EXITED-", "Traceback")  # the program ended or crashed under us

    # 1 Welcome: a real run (no DRY RUN), no earlier journal, no answers file.
    screen = pane.wait("Step 1 of 11: Welcome", "No earlier run", timeout=300, bad=gone)
    assert "DRY RUN" not in screen and "Starting from the answers" not in flat(screen)
    pane.snap("welcome")
    pane.keys("C-n")

    # 2 Nodes: the wizard finds bravo next door (it answers SSH on 10.99.0.2); Check SSH (F5) shows its
    # fingerprint, which is the one bravo prints, so trust it. bravo refuses alpha's key: Install key (F6),
    # bravo's root password typed once, then Check SSH again logs in with the key.
    pane.wait("Step 2 of 11: Nodes", "10.99.0.2", "answers SSH", timeout=180, bad=gone)
    pane.snap("nodes")
    pane.keys("F5")
    screen = pane.wait("is a new SSH host", "They match: trust", timeout=120, bad=(*gone, "✗"))
    pane.snap("nodes-host-key")
    shown = re.findall(r"SHA256:[A-Za-z0-9+/=]+", screen)
    assert peer_fp in shown, f"bravo prints {peer_fp}; the wizard shows {shown}"
    pane.keys("BTab")  # "Do not trust" has the focus: one step back to "They match: trust"
    pane.keys("Enter")
    pane.wait("✗ root@10.99.0.2 refused this machine's key", "type its password once", timeout=180,
              bad=(*gone, "Host key not trusted", "✓ logged in"))
    pane.snap("nodes-no-key")
    pane.keys("F6")
    pane.wait("Install this machine's SSH key on root@10.99.0.2", "not kept", timeout=60, bad=gone)
    pane.type(lab.password)  # type: ignore[attr-defined]
    pane.wait("•" * 8, timeout=60, bad=gone)  # the Input shows dots, never the password (checked at the end)
    pane.snap("nodes-password-typed")
    pane.keys("Enter")
    pane.wait("✓ installed", "the password was used once and not kept", timeout=180,
              bad=(*gone, "did not accept the password", "failed for"))
    pane.snap("nodes-key-installed")
    pane.keys("F5")
    pane.wait("✓ logged in to root@10.99.0.2", "calls itself 'bravo'", timeout=180,
              bad=(*gone, "Host key not trusted", "refused this machine's key"))
    pane.snap("nodes-checked")
    pane.keys("C-n")

    # 3 Disks: both nodes' partitions read with fdisk; the one free pair (/dev/vdb1 on each) is taken.
    pane.wait("Step 3 of 11: Disks", "discovered: /dev/vdb1 ↔ /dev/vdb1", "bravo", timeout=300,
              bad=(*gone, "partitions unknown", "not named yet"))
    pane.snap("disks")
    pane.keys("C-n")

    # 4 Hosts: names match uname -n, the link's addresses and NIC and a free VIP are filled in; the cursor
    # waits in the service name, the one thing left to type.
    pane.wait("Step 4 of 11: Hosts", "master: ✓ 'alpha' matches uname -n", "peer: ✓ 'bravo' matches uname -n",
              "discovered master address 10.99.0.1", timeout=300, bad=gone)
    screen = pane.wait("VIP 10.99.0.", "suggestion", timeout=180, bad=(*gone, "No free VIP found"))
    pane.snap("hosts")
    pane.type("www")
    pane.wait("www", timeout=60, bad=gone)
    pane.snap("hosts-typed")
    pane.keys("C-n")

    # 5 DRBD tuning: nothing typed; wait for the link measurement like a person.
    pane.wait("Step 5 of 11: DRBD tuning", "Resync rate", timeout=120, bad=gone)
    pane.wait_gone("Measuring the replication link", timeout=300)
    pane.snap("drbd")
    pane.keys("C-n")

    # 6 the services checklist: apache2, on neither node but offered by their repositories, ticked (space;
    # the list has the cursor and shows the highlighted recipe below it); 7 the Heartbeat profile:
    # recommended, as offered.
    pane.wait("Step 6 of 11: Services", "Services on the replicated disk", "apache2:",
              "(installed by the plan on alpha and bravo)", "the plan installs apache2 first (install@alpha)",
              timeout=300, bad=(*gone, "services not read"))
    pane.snap("services")
    # tick it and read the tick back in words (a key pressed while the list is still being filled can be
    # lost: then once more)
    for attempt in (1, 2):
        pane.keys("Space")
        try:
            pane.wait("Chosen: apache2", timeout=30, bad=gone)
            break
        except AssertionError:
            if attempt == 2:
                raise
    pane.snap("services-ticked")
    pane.keys("C-n")
    pane.wait("Step 7 of 11: Cluster manager", "recommended: keepalive 1", timeout=120, bad=gone)
    pane.snap("heartbeat")
    pane.keys("C-n")

    # 8 Review: the plan, made by probing both nodes read-only: apache2 installed first on both, then moved;
    # Heartbeat starts.
    screen = pane.wait("Step 8 of 11: Review", "The plan (nothing has run yet)", "reported, never faked",
                       "installed first: apache2 on alpha; apache2 on bravo",
                       timeout=600, bad=(*gone, "The plan could not be made", "Fix this first"))
    pane.snap("review")
    assert "not implemented yet" not in flat(screen), screen
    pane.keys("C-n")  # Save and run

    # 9 Run: type each destructive step's token, watch the sync bar, until it finishes.
    pane.wait("Step 9 of 11: Run", timeout=120, bad=gone)
    pane.snap("run-start")
    percents: list[float] = []  # distinct sync percentages, in the order they were shown
    tokens: list[str] = []
    deadline = time.monotonic() + 1800
    while True:
        screen = pane.text()
        words = flat(screen)
        for m in SYNC_PERCENT.finditer(screen):
            p = float(m.group(1))
            if not percents or percents[-1] != p:
                percents.append(p)
                if len(percents) <= 3 or p >= 99.0:
                    pane.snap(f"run-sync-{p}")
        if "Finished:" in words and "steps done" in words:
            break
        if "Failed:" in words or "Stopped:" in words or "is a new SSH host" in words or any(g in screen for g in gone):
            pane.snap("run-stopped")
            raise AssertionError(f"the run did not go through after {len(tokens)} confirmations {tokens}:\n{screen}")
        m = CONFIRM.search(words)
        if "Destructive step on" in words and m:
            pane.snap(f"confirm-{m.group(1)}")
            tokens.append(m.group(1))
            pane.type(m.group(1))
            pane.keys("Enter")
            pane.wait_gone("Destructive step on", timeout=120)
            continue
        if time.monotonic() > deadline:
            raise AssertionError(f"the run did not finish in 30 min ({tokens=}, {percents=}):\n{screen}")
        time.sleep(0.2)  # polling interval of a bounded wait
    pane.snap("run-finished")
    (pane.out / "sync-percents.txt").write_text(" ".join(f"{p}" for p in percents) + "\n")
    print(f"\nconfirmed {tokens}; sync percentages shown: {percents}; finished after "
          f"{time.monotonic() - t0:.0f} s")
    assert tokens, "no destructive step asked for its token"
    assert len(set(percents)) >= 2, f"the sync bar did not move: {percents}"

    # 10 Failover: the graceful drill (alpha hands over to bravo), then the hard one (bravo's power cut). The
    # link was slowed to watch the sync: back to full speed, so the drills time the pair, not the shaper
    # (through it, a graceful drill took 25 s, 17 of them between detection and DRBD Primary on bravo).
    for n in (1, 2):
        lab.ssh(n, UNSHAPE, timeout=60)
    pane.keys("C-n")
    pane.wait("Step 10 of 11: Failover test", "The pair runs", "Graceful drill F5", timeout=120, bad=gone)
    pane.snap("failover")
    drill(pane, "F5", "alpha -> bravo", gone)
    # the result reaches the log first; "Drill done" once the screen takes keys again
    pane.wait("graceful failover alpha -> bravo: RTO", "Drill done", timeout=600, bad=(*gone, "NOT COMPLETE"))
    pane.snap("failover-graceful")
    drill(pane, "F6", "bravo -> alpha", gone)
    pane.wait("Now cut bravo's power", timeout=300, bad=gone)
    pane.snap("failover-cut-now")
    lab.kill_hard(2)
    screen = pane.wait(HARD_RESULT, "Drill done", timeout=600, bad=(*gone, "NOT COMPLETE"))
    pane.snap("failover-hard")
    words = flat(screen)
    assert re.search(r"writes in flight: \d+ acknowledged writes, every one present on alpha", words), screen
    print(f"\n{HARD_RESULT} {words.split(HARD_RESULT)[1].split()[0]} s")
    # 11 Done: what was set up and the drill's result.
    pane.keys("C-n")
    pane.wait("Step 11 of 11: Done", "steps done", "Answers saved to /var/lib/ha-wizard/answers.toml",
              f"Failover test: {HARD_RESULT}", timeout=120, bad=gone)
    pane.snap("done")
    # bravo is booted again (as an admin would after the drill) and rejoins as the standby; the status view
    # (ctrl+s, over any screen) shows alpha holding everything and bravo standing by.
    lab.restart(2)
    # DRBD and Heartbeat started at boot under the lab's boot name (node2) before the harness renamed the
    # VM bravo: start them again under the name the pair knows, as a boot with that name would have.
    lab.ssh(2, "systemctl restart drbd && systemctl restart heartbeat", timeout=300)
    pane.keys("C-s")
    screen = pane.wait("Status of the pair", "resources on alpha", "Secondary", "UpToDate/UpToDate",
                       timeout=600, bad=gone)
    pane.snap("status")
    assert "!! " not in screen, screen  # no banner: DRBD replicates
    pane.keys("Escape")
    pane.wait("Step 11 of 11: Done", timeout=60, bad=gone)
    pane.keys("Enter")  # Quit
    pane.wait("WIZARD-EXITED-0", timeout=120)
    pane.snap("exited")


def drill(pane: Pane, key: str, direction: str, gone: tuple[str, ...]) -> None:
    """Start a drill with its key and type the serving node's name into the consent dialog."""
    pane.keys(key)
    screen = pane.wait(f"Failover drill: {direction}", "to go ahead", timeout=300, bad=gone)
    m = CONFIRM.search(flat(screen))
    assert m and m.group(1) == direction.split()[0], screen
    pane.snap(f"consent-{m.group(1)}")
    pane.type(m.group(1))
    pane.keys("Enter")
    pane.wait_gone(f"Failover drill: {direction}", timeout=120)
