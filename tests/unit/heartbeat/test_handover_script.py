"""The handover before Heartbeat's first start, run by a real sh with stand-ins for the node's commands: the
services stop in reverse order, a busy mount point is retried until it lets go, and one that stays busy names
its holders and fails (exit 1, which the step explains)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from wizard.heartbeat.boot import HANDOVER

STANDINS = {
    "cl_status": "exit 1",  # Heartbeat not running yet
    "systemctl": 'echo "systemctl $*" >> "$LOG"',
    # mounted while the file exists; umount fails until it has been tried $BUSY times
    "mountpoint": '[ -e "$STATE/mounted" ]',
    "umount": 'n=$(cat "$STATE/tries" 2>/dev/null || echo 0); n=$((n+1)); echo $n > "$STATE/tries"; '
              '[ "$n" -gt "$BUSY" ] || exit 32; rm "$STATE/mounted"; echo "umount $*" >> "$LOG"',
    "fuser": 'echo "holder: sendmail-mta" >&2',
    "drbdadm": 'echo "drbdadm $*" >> "$LOG"',
    "sleep": "exit 0",  # the retries' pauses cost nothing here
}


def run(tmp_path: Path, busy: int) -> tuple[subprocess.CompletedProcess[str], list[str]]:
    bin_dir, state = tmp_path / "bin", tmp_path / "state"
    bin_dir.mkdir()
    state.mkdir()
    for name, body in STANDINS.items():
        f = bin_dir / name
        f.write_text(f"#!/bin/sh\n{body}\n")
        f.chmod(0o755)
    (state / "mounted").touch()
    log = tmp_path / "log"
    env = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}", "STATE": str(state), "LOG": str(log),
           "BUSY": str(busy)}
    r = subprocess.run(["sh", "-c", HANDOVER, "sh", "/replicated", "r0", "hw-svc-a", "hw-svc-b", "hw-svc-c"],
                       env=env, capture_output=True, text=True, timeout=60)
    return r, log.read_text().splitlines() if log.exists() else []


def test_services_stop_in_reverse_order_then_a_busy_mount_is_retried(tmp_path: Path) -> None:
    r, log = run(tmp_path, busy=3)
    assert r.returncode == 0, r.stderr
    assert log == ["systemctl stop hw-svc-c", "systemctl stop hw-svc-b", "systemctl stop hw-svc-a",
                   "umount /replicated", "drbdadm secondary r0"]


def test_a_mount_that_stays_busy_names_its_holders_and_fails(tmp_path: Path) -> None:
    r, log = run(tmp_path, busy=1000)
    assert r.returncode == 1
    assert "holder: sendmail-mta" in r.stderr
    assert not any(line.startswith("drbdadm") for line in log)
