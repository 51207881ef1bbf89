"""The dry run as a person would walk it: ha-wizard in an 80x24 tmux pane, typed through with send-keys,
each screen read back with capture-pane. Then quit half-way and start again: it offers to resume.

The tutorial's answers (demo = true) never contact 192.168.1.x; only this machine is probed, read-only.
Every wait polls the pane with a deadline; nothing sleeps a fixed time.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from wizard.core.journal import Journal

pytestmark = pytest.mark.tmux

ROOT = Path(__file__).resolve().parents[2]
WIZARD = ROOT / ".venv" / "bin" / "ha-wizard"


class Pane:
    def __init__(self, socket: str) -> None:
        self.socket = socket
        self.name = "walk"

    def tmux(self, *args: str) -> str:
        r = subprocess.run(["tmux", "-L", self.socket, *args], capture_output=True, text=True, timeout=20)
        return r.stdout

    def start(self, journal: Path, *extra: str) -> None:
        cmd = " ".join(shlex.quote(a) for a in [str(WIZARD), "--dry-run", *extra, "--journal-dir", str(journal)])
        self.tmux("kill-session", "-t", self.name)
        # the pane stays after the program ends, so the test can see it ended
        self.tmux("new-session", "-d", "-s", self.name, "-x", "80", "-y", "24", "-c", str(ROOT),
                  f"env -u COLORFGBG TERM=xterm-256color {cmd}; echo WIZARD-EXITED-$?; sleep 120")

    def text(self) -> str:
        return self.tmux("capture-pane", "-p", "-t", self.name)

    def wait(self, *needles: str, timeout: float = 20.0) -> str:
        deadline = time.monotonic() + timeout
        while True:
            screen = self.text()
            flat = " ".join(screen.split())  # sentences wrap at 80 columns
            if all(n in screen or " ".join(n.split()) in flat for n in needles):
                return screen
            if time.monotonic() > deadline:
                raise AssertionError(f"waited {timeout:.0f} s for {needles!r}; the pane shows:\n{screen}")
            time.sleep(0.1)  # polling interval of a bounded wait, not a fixed delay

    def wait_gone(self, needle: str, timeout: float = 20.0) -> None:
        deadline = time.monotonic() + timeout
        while needle in self.text():
            if time.monotonic() > deadline:
                raise AssertionError(f"{needle!r} still shown after {timeout:.0f} s:\n{self.text()}")
            time.sleep(0.1)

    def keys(self, *keys: str) -> None:
        self.tmux("send-keys", "-t", self.name, *keys)


@pytest.fixture
def pane() -> Iterator[Pane]:
    if shutil.which("tmux") is None:
        pytest.skip("tmux is not installed")
    if not WIZARD.exists():
        pytest.skip(f"{WIZARD} is missing: install the project into .venv")
    p = Pane(f"ha-wizard-test-{os.getpid()}")
    try:
        yield p
    finally:
        subprocess.run(["tmux", "-L", p.socket, "kill-server"], capture_output=True, timeout=20)
        # tmux leaves its socket file behind (one per run otherwise): where -L puts it, tmux(1) says
        Path(os.environ.get("TMUX_TMPDIR") or "/tmp", f"tmux-{os.getuid()}", p.socket).unlink(missing_ok=True)


def test_walk_the_dry_run_then_quit_and_resume(pane: Pane, tmp_path: Path) -> None:
    journal = tmp_path / "journal"
    pane.start(journal, "--answers", "examples/tutorial.toml")
    pane.wait("Step 1 of 11: Welcome", "DRY RUN", "Set up a DRBD + Heartbeat pair")
    pane.wait("192.168.1.x servers are never contacted", "f1 Help", "^q Quit")

    steps = [
        ("Step 2 of 11: Nodes", "SSH address     192.168.1.2", "never contacted"),
        ("Step 3 of 11: Disks", "server2 disk", "/dev/sda5"),
        ("Step 4 of 11: Hosts", "server1", "192.168.1.5"),
        ("Step 5 of 11: DRBD tuning", "Protocol", "C: write done when both disks have it"),
        ("Step 6 of 11: Services", "sendmail", "server2: not contacted"),
        ("Step 7 of 11: Cluster manager", "tutorial: keepalive 2", "two minutes of silence"),
        ("Step 8 of 11: Review", "DRY RUN — nothing will be changed", "This is what would run:"),
    ]
    for needles in steps:
        pane.keys("C-n")
        screen = pane.wait(*needles)
        assert len(screen.splitlines()) <= 24 and max(len(ln) for ln in screen.splitlines()) <= 80

    pane.keys("F1")
    pane.wait("Help: Step 8 of 11: Review", "dry-run")
    pane.keys("Escape")
    pane.wait_gone("Help: Step 8")
    pane.keys("Escape")  # back to Heartbeat, then forward again: answers are kept
    pane.wait("Step 7 of 11: Cluster manager")
    pane.keys("C-n")
    pane.wait("Step 8 of 11: Review", f"{planned_steps()} steps")
    # the pair's status over any screen: the demo's servers are never contacted, it says so
    pane.keys("C-s")
    pane.wait("Status of the pair", "demo", "real servers")
    pane.keys("Escape")
    pane.wait("Step 8 of 11: Review")

    # on through the last screens as a dry run has them: Run lists what would run; with nothing set up
    # there is nothing to drill, so Done comes next and says how to replay the answers; Escape walks back
    pane.keys("C-n")
    pane.wait("Step 9 of 11: Run", "DRY RUN: nothing was changed")
    pane.keys("C-n")
    screen = pane.wait("Step 11 of 11: Done", "Dry run finished: nothing was changed", "ha-wizard apply --answers")
    assert len(screen.splitlines()) <= 24 and max(len(ln) for ln in screen.splitlines()) <= 80
    pane.keys("Escape")  # a dry run never reached a drill: back to Run
    pane.wait("Step 9 of 11: Run")

    # quit half-way: nothing was run, so no journal yet
    pane.keys("C-q")
    pane.wait("Quit ha-wizard?", "is kept")
    pane.keys("Enter")
    pane.wait("WIZARD-EXITED-0")
    assert not (journal / "journal.json").exists()

    # an interrupted run left a journal: starting again offers to resume and says where and why
    j = Journal.open(journal)
    j.answers = str(ROOT / "examples" / "tutorial.toml")
    j.record("hosts@server1", "done", "server1", "d1")
    j.record("create-md@server1", "failed", "server1", "d2", "not confirmed: create DRBD metadata on /dev/sda5")
    pane.start(journal)
    screen = pane.wait("A journal exists", "stopped at", "Resume where it stopped")
    assert "'create-md@server1' on server1 (failed: not confirmed" in " ".join(screen.split())
    pane.keys("Enter")  # Resume has the focus
    pane.wait("Step 8 of 11: Review", "DRY RUN — nothing will be changed")
    pane.keys("C-q")
    pane.wait("Quit ha-wizard?")
    pane.keys("Enter")
    pane.wait("WIZARD-EXITED-0")
    assert Journal.open(journal).steps["create-md@server1"].status == "failed"  # kept as it was


def planned_steps() -> int:
    """How many steps the core plans for the tutorial, from this machine's facts as the wizard gathers them
    (read-only; the demo's peer is never contacted): the screen must say the same number."""
    from wizard.flow.session import Options, open_session

    session = open_session(Path(__file__).resolve().parents[2] / "examples" / "tutorial.toml",
                           Options(dry_run=True, journal_dir="/nonexistent/ha-wizard-walk"))
    try:
        return len(session.plan())
    finally:
        session.close()
