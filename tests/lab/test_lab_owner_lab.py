"""While this session's lab runs, a second start of the same lab (another test session, or `lab up
--restart`) is refused and names this session; the running VMs are untouched. (A plain `lab up` of a
running lab only describes it.)"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from wizard.lab import Lab

ROOT = Path(__file__).resolve().parents[2]


def test_second_up_of_the_running_lab_is_refused(lab: Lab) -> None:
    r = subprocess.run([sys.executable, "-m", "wizard.lab", "--lab-dir", str(lab.lab_dir), "--name", lab.name, "up",
                        "--restart"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert f"the lab 'pytest' is in use by PID {os.getpid()}" in r.stderr and f"kill {os.getpid()}" in r.stderr
    assert all(lab.is_running(n) for n in (1, 2))
    assert lab.ssh(1, "true", check=False, timeout=60).returncode == 0
