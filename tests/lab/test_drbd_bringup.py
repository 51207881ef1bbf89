"""DRBD bring-up on the two lab VMs, as a new user would do it: ha-wizard runs headless on node1.

- the whole apply on blank disks: metadata with no question, node1 promoted (only), a moving progress
  (the engine's WaitProgress samples, from ha-wizard.log), /replicated mounted; `status` shows both;
- a kill -9 in the middle of the sync, then `ha-wizard resume`: nothing done twice, the promote never;
- an ext3 filesystem on node2's partition stops the run until node2:/dev/vdb1 is confirmed;
- the create-md prompt table against the real drbdmeta in a VM, through `ssh -tt` (SshExecutor);
- a shared-secret mismatch between the nodes, diagnosed from the real kernel log.

The module leaves the VMs as it found them (files snapshotted first, restored at the end), because the
lab is shared with the other lab tests of the session.
"""

from __future__ import annotations

import base64
import io
import re
import tarfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from wizard import createmd, render
from wizard.actions import Prompt, WaitFor
from wizard.diagnose import diagnose_wait
from wizard.executors.ssh import SshExecutor
from wizard.lab import Lab
from wizard.plan import PlanContext
from wizard.secrets import Secrets
from wizard.spec import load_answers
from wizard.steps import drbd as drbd_steps

ROOT = Path(__file__).resolve().parents[2]
SITE = next((ROOT / ".venv" / "lib").glob("python3*/site-packages"))
# What headless ha-wizard imports (no textual): copied from this venv; the guest's python3 is 3.11 too.
DEPS = ("rich", "pygments", "markdown_it", "mdurl", "plumbum", "pexpect", "ptyprocess", "jinja2", "markupsafe",
        "typing_extensions.py")
SNAPSHOT = "/root/.before-drbd-tests.tar"
SAVED = "/etc/hosts /etc/fstab /etc/drbd.conf /etc/drbd.d /etc/ha.d"
LOG = "/var/lib/ha-wizard/ha-wizard.log"
STATE = "cat /proc/drbd"


def push_wizard(lab: Lab, n: int = 1) -> None:
    """This checkout (code, templates, recipes) and its runtime deps into /opt/ha-wizard on node n."""
    buf = io.BytesIO()
    skip = (lambda ti: None if "__pycache__" in ti.name else ti)  # noqa: E731
    with tarfile.open(fileobj=buf, mode="w:gz") as t:
        for d in ("wizard", "templates", "recipes", "examples"):
            t.add(ROOT / d, arcname=f"src/{d}", filter=skip)
        for d in DEPS:
            t.add(SITE / d, arcname=f"deps/{d}", filter=skip)
    launcher = '#!/bin/sh\\nPYTHONPATH=/opt/ha-wizard/src:/opt/ha-wizard/deps exec python3 -m wizard "$@"\\n'
    lab.ssh(n, "rm -rf /opt/ha-wizard && mkdir -p /opt/ha-wizard && base64 -d | tar -xz -C /opt/ha-wizard && "
               f"printf '{launcher}' > /usr/local/bin/ha-wizard && chmod 755 /usr/local/bin/ha-wizard",
            input=base64.b64encode(buf.getvalue()).decode(), timeout=300)


def answers(lab: Lab, name: str, **drbd: str) -> str:
    text = (ROOT / "examples" / "lab.toml").read_text()
    for key, value in drbd.items():
        text = re.sub(rf'^{key} = .*$', f'{key} = "{value}"', text, flags=re.M)
    path = f"/root/{name}.toml"
    lab.ssh(1, f"cat > {path}", input=text)
    return path


def wizard(lab: Lab, args: str, timeout: float = 600) -> tuple[int, str]:
    fp = lab.host_key_fingerprint(2)
    r = lab.ssh(1, f"ha-wizard {args} --accept-host-key {fp} 2>&1", check=False, timeout=timeout)
    return r.returncode, r.stdout


def start_wizard(lab: Lab, args: str) -> None:
    fp = lab.host_key_fingerprint(2)
    lab.ssh(1, f"nohup ha-wizard {args} --accept-host-key {fp} > /root/apply.log 2>&1 & echo $! > /root/apply.pid")


def wait_for(lab: Lab, n: int, cmd: str, pattern: str, timeout: float) -> str:
    deadline = time.monotonic() + timeout
    out = ""
    while time.monotonic() < deadline:
        out = lab.ssh(n, cmd, check=False).stdout
        if re.search(pattern, out, re.M):
            return out
        time.sleep(1)
    raise AssertionError(f"node{n}: no {pattern!r} in `{cmd}` after {timeout:.0f} s:\n{out}")


def progress_samples(log: str) -> list[tuple[str, float]]:
    """(time, percent) of each initial-sync WaitProgress the engine published (EventPrinter logs them)."""
    return [(m.group(1), float(m.group(2))) for m in re.finditer(
        r"^\S+ (\S+) wait initial sync .*? ([\d.]+)$", log, re.M)]


def journal_status(lab: Lab, step: str) -> str:
    return lab.ssh(1, ["python3", "-c", "import json,sys; j = json.load(open('/var/lib/ha-wizard/journal.json')); "
                       "print(j['steps'].get(sys.argv[1], {}).get('status', ''))", step]).stdout.strip()


def clean_cluster(lab: Lab) -> None:
    """DRBD down, journal and markers gone, both partitions blank: a first run again."""
    for n in (1, 2):
        lab.ssh(n, "test -f /root/apply.pid && kill -9 $(cat /root/apply.pid) 2>/dev/null; rm -f /root/apply.pid; "
                   "umount /replicated 2>/dev/null; rm -rf /var/lib/ha-wizard /var/lib/drbd/ha-wizard-*; true",
                check=False)
        lab.reset_data_disk(n)


@pytest.fixture(scope="module")
def cluster(lab: Lab) -> Iterator[Lab]:
    for n in (1, 2):
        lab.ssh(n, f"tar -cpf {SNAPSHOT} {SAVED} 2>/dev/null; test -f {SNAPSHOT}")
    push_wizard(lab)
    try:
        yield lab
    finally:
        clean_cluster(lab)
        for n in (1, 2):
            lab.ssh(n, f"rm -rf /etc/drbd.d /etc/ha.d /replicated /opt/ha-wizard /usr/local/bin/ha-wizard "
                       f"/root/.ssh/known_hosts /root/*.toml /root/apply.* /etc/*.ha-wizard-*.bak; "
                       f"tar -xpf {SNAPSHOT} -C / && rm -f {SNAPSHOT}", check=False)


@pytest.fixture
def fresh(cluster: Lab) -> Lab:
    clean_cluster(cluster)
    return cluster


def test_headless_apply_on_blank_disks(fresh: Lab) -> None:
    lab = fresh
    path = answers(lab, "lab")
    t0 = time.monotonic()
    rc, out = wizard(lab, f"apply --answers {path} --yes --confirm node1 --confirm /dev/drbd0")
    secs = time.monotonic() - t0
    assert rc == 0, out
    # blank disks: create-md asked nothing (no node:disk confirmation was given, none was needed)
    assert "node1:/dev/vdb1" not in out and "node2:/dev/vdb1" not in out
    s1, s2 = lab.ssh(1, STATE).stdout, lab.ssh(2, STATE).stdout
    assert "cs:Connected ro:Primary/Secondary ds:UpToDate/UpToDate" in s1, s1
    assert "cs:Connected ro:Secondary/Primary ds:UpToDate/UpToDate" in s2, s2
    assert re.search(r"^/dev/drbd0 /replicated ext4 ", lab.ssh(1, "cat /proc/mounts").stdout, re.M)
    journal = lab.ssh(1, "cat /var/lib/ha-wizard/journal.json").stdout
    assert '"good_data_node": "node1"' in journal
    log = lab.ssh(1, f"cat {LOG}").stdout
    samples = progress_samples(log)
    (lab.lab_dir / "drbd_bringup_progress.txt").write_text(
        f"apply {secs:.1f} s\n" + "".join(f"{t} {p:.1f}\n" for t, p in samples))
    percents = [p for _, p in samples]
    assert percents == sorted(percents) and percents[-1] == 100.0
    assert len({round(p) for p in percents}) >= 4, samples  # the bar moved, not just 0 -> 100
    # at least once a second: never more than 2 s between two logged samples (the log has 1 s resolution)
    stamps = [time.mktime(time.strptime(f"2000-01-01 {t}", "%Y-%m-%d %H:%M:%S")) for t, _ in samples]
    assert max((b - a for a, b in zip(stamps, stamps[1:], strict=False)), default=0) <= 2, samples
    # only node1 was ever forced Primary
    assert lab.ssh(1, f"grep -c 'primary --force' {LOG}").stdout.strip() == "1"
    rc, status = wizard(lab, "status --json")
    assert rc == 0 and '"node1"' in status and '"node2"' in status and status.count('"UpToDate"') == 4, status


def test_kill_during_sync_then_resume(fresh: Lab) -> None:
    lab = fresh
    path = answers(lab, "slow", sync_rate="4M")  # ~30 s for the 127 MiB partition: time to kill it
    start_wizard(lab, f"apply --answers {path} --yes --confirm node1 --confirm /dev/drbd0")
    wait_for(lab, 1, STATE, r"cs:SyncSource .*\n.*\n.*sync'ed:\s*[1-9]", timeout=300)
    lab.ssh(1, "kill -9 $(cat /root/apply.pid)")
    assert journal_status(lab, "promote@node1") == "done"
    assert journal_status(lab, "wait-sync") == "started"
    assert "SyncSource" in lab.ssh(1, STATE).stdout  # the sync goes on without the wizard
    rc, out = wizard(lab, "resume --yes --confirm /dev/drbd0")
    assert rc == 0, out
    assert "Resuming: the last run stopped at wait-sync" in out, out
    log = lab.ssh(1, f"cat {LOG}").stdout
    assert log.count("primary --force") == 1  # resume never forced a promote again
    resumed = log[log.rindex("step hosts@node1 on node1"):]  # the resume's part of the log
    for step in ("create-md@node1", "create-md@node2", "drbd-up@node2", "promote@node1"):
        assert f"step {step}: skipped already in place" in resumed, step
    assert "ds:UpToDate/UpToDate" in lab.ssh(2, STATE).stdout
    assert re.search(r"^/dev/drbd0 /replicated ", lab.ssh(1, "cat /proc/mounts").stdout, re.M)


def test_ext3_on_a_disk_stops_for_confirmation(fresh: Lab) -> None:
    lab = fresh
    lab.ssh(2, "mkfs.ext3 -q -F /dev/vdb1 32M")  # a filesystem that leaves room for the metadata
    path = answers(lab, "lab")
    rc, out = wizard(lab, f"apply --answers {path} --yes --confirm node1 --confirm /dev/drbd0")
    assert rc != 0 and "node2:/dev/vdb1" in out and "--confirm" in out, out
    assert "Found ext3 filesystem" in lab.ssh(1, f"cat {LOG}").stdout
    assert "ext3" in lab.ssh(2, "blkid -p -o value -s TYPE /dev/vdb1", check=False).stdout  # untouched
    rc, out = wizard(lab, "resume --yes --confirm node2:/dev/vdb1 --confirm node1 --confirm /dev/drbd0")
    assert rc == 0, out
    assert "ds:UpToDate/UpToDate" in lab.ssh(1, STATE).stdout


# --- the prompt table against the real drbdmeta, through ssh -tt ----------------------------------------
@pytest.fixture
def node2(cluster: Lab, tmp_path: Path) -> Iterator[SshExecutor]:
    clean_cluster(cluster)
    kh = tmp_path / "known_hosts"
    kh.write_text(cluster.known_hosts_line(2) + "\n")
    ex = SshExecutor("node2", "127.0.0.1", port=cluster.ssh_port(2), known_hosts=kh, identity=str(cluster.ssh_key))
    try:
        yield ex
    finally:
        ex.close()


def create_md(ex: SshExecutor, confirm: bool) -> tuple[int, str, list[str]]:
    asked: list[str] = []

    def answer(p: Prompt) -> str:
        asked.append(p.expect.split("\r\n")[0])
        return p.answer if p.confirm is None or confirm else p.refuse

    r = ex.run_prompted(["drbdmeta", "0", "v08", "/dev/vdb1", "internal", "create-md"],
                        createmd.prompts("node2", "/dev/vdb1"), answer=answer, timeout=60)
    return r.rc, r.out, asked


def test_real_drbdmeta_over_ssh_tt(cluster: Lab, node2: SshExecutor) -> None:
    lab = cluster
    assert create_md(node2, confirm=False)[::2] == (0, [])  # fresh: no question
    rc, out, asked = create_md(node2, confirm=False)  # existing metadata, refused
    assert (rc, asked) == (1, [createmd.Q_OVERWRITE_MD]) and createmd.outcome(rc, out).kind == "cancelled"
    rc, out, asked = create_md(node2, confirm=True)
    assert (rc, asked) == (0, [createmd.Q_OVERWRITE_MD]) and createmd.outcome(rc, out).kind == "created"
    lab.reset_data_disk(2)
    lab.ssh(2, "mkfs.ext3 -q -F /dev/vdb1 32M")
    rc, out, asked = create_md(node2, confirm=False)  # ext3 with room, refused
    assert (rc, asked) == (1, [createmd.Q_PROCEED]) and "Found ext3 filesystem" in out
    lab.reset_data_disk(2)
    lab.ssh(2, "mkfs.ext3 -q -F /dev/vdb1")
    rc, out, asked = create_md(node2, confirm=True)  # ext3 filling the partition
    assert (rc, asked) == (40, []) and "Operation refused." in out


def test_secret_mismatch_is_diagnosed(fresh: Lab, tmp_path: Path) -> None:
    lab = fresh
    spec, _ = load_answers(ROOT / "examples" / "lab.toml")
    for n, secret in ((1, "secret-one-0123456789abcdef"), (2, "secret-two-0123456789abcdef")):
        ctx = PlanContext(spec=spec, secrets=Secrets(secret, "k" * 32), drbd_family="8.4")
        for f in render.drbd_files(ctx, f"node{n}"):
            lab.ssh(n, f"cat > {f.path}", input=f.content)
        lab.ssh(n, "modprobe drbd && drbdadm create-md r0 </dev/null && drbdadm up r0")
    wait_for(lab, 1, "dmesg | grep -i drbd", r"Authentication of peer failed", timeout=120)
    kh = tmp_path / "known_hosts"
    kh.write_text(lab.known_hosts_line(1) + "\n")
    ex = SshExecutor("node1", "127.0.0.1", port=lab.ssh_port(1), known_hosts=kh, identity=str(lab.ssh_key))
    try:
        wait = drbd_steps.wait_connected_step(ctx).actions[0]
        assert isinstance(wait, WaitFor)
        said = diagnose_wait(wait, ex, ex.probe(["cat", "/proc/drbd"]).out)
    finally:
        ex.close()
    assert "shared-secret mismatch" in said, said
