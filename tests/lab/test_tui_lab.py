"""Issues 7 and 17 in the lab: the TUI, run on the first VM the way an admin would run it on a blank start,
brings DRBD up, synced and mounted.

The VMs are renamed alpha and bravo first (names the lab never uses on its own, so a made-up name would
show), and the wizard starts with NO answers file. On the host, a detached 80x24 tmux pane runs ``ssh -tt``
into alpha (its host key pinned, key only), and alpha runs the installed ``ha-wizard`` (the TUI). The test
types through every screen with ``tmux send-keys`` and reads each one back with ``capture-pane``, as a
person would: it confirms what the wizard discovered (the peer next door, its name, the link's addresses
and NIC, the partition pair, a free VIP) and types only the service name; it compares the peer's host key
fingerprint with the one bravo prints, types each destructive step's token, and watches the sync bar move
(the VM-to-VM link is shaped to 32 Mbit/s with `tc`, a slow replication link, so the sync lasts long enough
to watch). Then the nodes themselves are asked: Connected, UpToDate/UpToDate, alpha Primary, /replicated on
alpha only, and the saved answers hold the real names.

Every wait polls the pane with a deadline (TCG emulation is slow: minutes for the run); nothing sleeps a
fixed time. Each screen's text is kept in the test's tmp dir; a failure prints the last one.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from wizard.lab import Lab

from .wizard_on_node import (
    JOURNAL_DIR,
    WIZARD,
    clean_pair,
    drbd_line,
    mounts,
)

PRIMARY = "cs:Connected ro:Primary/Secondary ds:UpToDate/UpToDate"
SECONDARY = "cs:Connected ro:Secondary/Primary ds:UpToDate/UpToDate"
NAMES = ("alpha", "bravo")
INVENTED = re.compile(r"\b(node1|node2|server1|server2)\b")
#: 127 MiB over a 32 Mbit/s link: the measured link sets the resync cap, and the sync lasts ~35 s.
SHAPE = "tc qdisc replace dev eth1 root tbf rate 32mbit burst 32kbit latency 50ms"
UNSHAPE = "tc qdisc del dev eth1 root 2>/dev/null; true"
#: The Run screen's progress label during the first sync: "initial sync node1 → node2: 12.3%  ·  ..."
SYNC_PERCENT = re.compile(r"initial sync [^:\n]*: (\d+(?:\.\d+)?)%")
CONFIRM = re.compile(r"Type '([^']+)' to go ahead")
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
def tui_lab(restored_lab: Lab) -> Iterator[Lab]:
    """The pair renamed alpha/bravo, its link shaped; both undone at the end for the next modules."""
    restored_lab.rename(NAMES)
    try:
        for n in (1, 2):
            restored_lab.ssh(n, SHAPE, timeout=60)
        yield restored_lab
    finally:
        try:
            for n in (1, 2):
                restored_lab.ssh(n, UNSHAPE, check=False, timeout=60)
            clean_pair(restored_lab)  # under the names the pair was set up with (drbdadm finds its `on` sections)
        finally:
            restored_lab.rename(None)


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


def test_tui_blank_start_on_renamed_vms_brings_drbd_up_synced_and_mounted(tui_lab: Lab, wizard_node1: Lab,
                                                                           pane: Pane, tmp_path: Path) -> None:
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

    # No screen showed a name that neither the nodes nor the admin gave.
    shown = sorted({m for p in pane.saved for m in INVENTED.findall(p.read_text())})
    assert shown == [], f"made-up names on screen: {shown}"
    # What the nodes say, not the screen.
    line1, line2 = drbd_line(lab, 1), drbd_line(lab, 2)
    assert line1.startswith(PRIMARY), line1
    assert line2.startswith(SECONDARY), line2
    on1 = [m[:3] for m in mounts(lab, 1) if m[1] == "/replicated"]
    assert on1 == [["/dev/drbd0", "/replicated", "ext4"]], on1
    assert not [m for m in mounts(lab, 2) if m[1] == "/replicated" or m[0] == "/dev/drbd0"]
    saved = lab.ssh(1, f"cat {JOURNAL_DIR}/answers.toml", timeout=60).stdout
    for want in ('name = "alpha"', 'name = "bravo"', 'master = "alpha"', 'address = "10.99.0.1"',
                 'address = "10.99.0.2"', 'interface = "eth1"', 'hostname = "www"', 'disk = "/dev/vdb1"'):
        assert want in saved, (want, saved)
    assert not INVENTED.search(saved), saved


def walk(lab: Lab, pane: Pane, peer_fp: str, t0: float) -> None:
    gone = ("SSH-EXITED-", "WIZARD-EXITED-", "Traceback")  # the program ended or crashed under us

    # 1 Welcome: a real run (no DRY RUN), no earlier journal, no answers file.
    screen = pane.wait("Step 1 of 11: Welcome", "No earlier run", timeout=300, bad=gone)
    assert "DRY RUN" not in screen and "Starting from the answers" not in flat(screen)
    pane.snap("welcome")
    pane.keys("C-n")

    # 2 Nodes: the wizard finds bravo next door (it answers SSH on 10.99.0.2); Check SSH (F5) shows its
    # fingerprint, which is the one bravo prints, so trust it.
    pane.wait("Step 2 of 11: Nodes", "10.99.0.2", "answers SSH", timeout=180, bad=gone)
    pane.snap("nodes")
    pane.keys("F5")
    screen = pane.wait("is a new SSH host", "They match: trust", timeout=120, bad=(*gone, "✗"))
    pane.snap("nodes-host-key")
    shown = re.findall(r"SHA256:[A-Za-z0-9+/=]+", screen)
    assert peer_fp in shown, f"bravo prints {peer_fp}; the wizard shows {shown}"
    pane.keys("BTab")  # "Do not trust" has the focus: one step back to "They match: trust"
    pane.keys("Enter")
    pane.wait("✓ logged in to root@10.99.0.2", "calls itself 'bravo'", timeout=180,
              bad=(*gone, "Host key not trusted", "✗"))
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

    # 6 the services checklist (none ticked on a blank start), 7 the Heartbeat profile (recommended).
    pane.wait("Step 6 of 11: Services", "Services on the replicated disk", timeout=120, bad=gone)
    pane.snap("services")
    pane.keys("C-n")
    pane.wait("Step 7 of 11: Heartbeat timing", "recommended: keepalive 1", timeout=120, bad=gone)
    pane.snap("heartbeat")
    pane.keys("C-n")

    # 8 Review: the plan, made by probing both nodes read-only.
    pane.wait("Step 8 of 11: Review", "The plan (nothing has run yet)", "reported, never faked", timeout=600,
              bad=(*gone, "The plan could not be made", "Fix this first"))
    pane.snap("review")
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

    # 10 the failover drills are offered on the pair that now runs (the lab tier drills it headless).
    pane.keys("C-n")
    pane.wait("Step 10 of 11: Failover test", "The pair runs", "Graceful drill", timeout=120, bad=gone)
    pane.snap("failover")
    # 11 Done.
    pane.keys("C-n")
    pane.wait("Step 11 of 11: Done", "steps done", "Answers saved to /var/lib/ha-wizard/answers.toml",
              timeout=120, bad=gone)
    pane.snap("done")
    pane.keys("Enter")  # Quit
    pane.wait("WIZARD-EXITED-0", timeout=120)
    pane.snap("exited")
