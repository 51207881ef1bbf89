"""One process owns a lab: a second `up` (or `down`) of the same lab is refused with the owner named, while
labs of other names stay free; the lock dies with its holder, kill -9 included. No VM is booted here: the
owner is a small process holding the claim, as a running test session does."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from wizard.lab import Lab
from wizard.lab.owner import LabBusy, claim, release

ROOT = Path(__file__).resolve().parents[3]
HOLDER = """
import sys, time
from pathlib import Path
from wizard.lab.owner import claim
claim(Path(sys.argv[1]), "pytest")
print("held", flush=True)
time.sleep(120)
"""


@pytest.fixture
def holder(tmp_path: Path):  # type: ignore[no-untyped-def]
    p = subprocess.Popen([sys.executable, "-c", HOLDER, str(tmp_path), "-m", "lab"], cwd=ROOT,
                         stdout=subprocess.PIPE, text=True)
    assert p.stdout is not None and p.stdout.readline().strip() == "held"
    yield p
    p.kill()
    p.wait(timeout=10)


def test_second_up_is_refused_and_names_the_running_lab(tmp_path: Path, holder: subprocess.Popen[str]) -> None:
    lab = Lab(tmp_path, name="pytest")
    for attempt in (lambda: lab.up(fresh=True), lab.down):
        with pytest.raises(LabBusy) as e:
            attempt()
        msg = str(e.value)
        assert f"PID {holder.pid}" in msg and "-m lab" in msg and f"kill {holder.pid}" in msg
        assert "the lab 'pytest' is in use" in msg and "\n" not in msg
    assert not (tmp_path / "images").exists()  # refused before building or stopping anything


def test_other_labs_stay_free_and_this_process_can_reclaim_its_own(tmp_path: Path,
                                                                   holder: subprocess.Popen[str]) -> None:
    claim(tmp_path, "default")  # `ha-wizard lab up` beside a test session: its own run folder and lock
    claim(tmp_path, "default")  # a second Lab object in the same process shares the claim
    release(tmp_path, "default")


def test_the_claim_dies_with_its_holder(tmp_path: Path, holder: subprocess.Popen[str]) -> None:
    with pytest.raises(LabBusy):
        claim(tmp_path, "pytest")
    os.kill(holder.pid, signal.SIGKILL)
    holder.wait(timeout=10)
    claim(tmp_path, "pytest")  # no stale lock: the kernel dropped it with the process
    release(tmp_path, "pytest")


@pytest.mark.parametrize("command", [["down"], ["up", "--restart"]])
def test_the_cli_refuses_with_one_sentence(tmp_path: Path, holder: subprocess.Popen[str], command: list[str]) -> None:
    r = subprocess.run([sys.executable, "-m", "wizard.lab", "--name", "pytest", *command], cwd=ROOT,
                       capture_output=True, text=True, timeout=60,
                       env={**os.environ, "HA_WIZARD_LAB_DIR": str(tmp_path)})
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert f"in use by PID {holder.pid}" in r.stderr and not (tmp_path / "images").exists()
