"""`ha-wizard status --watch` against a real sshd on 127.0.0.1: a stand-in pair (this machine as the master,
the loopback sshd as the peer), several refreshes over ONE SSH login, Ctrl+C ends it with exit 0."""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
HERE_NAME = subprocess.run(["uname", "-n"], capture_output=True, text=True, check=True).stdout.strip()


def _answers(sshd: Any, path: Path) -> Path:
    path.write_text(
        f'[cluster]\nmaster = "{HERE_NAME}"\n\n'
        f'[[nodes]]\nname = "{HERE_NAME}"\nssh = ""\naddress = "127.0.0.2"\ndisk = "/dev/x1"\n\n'
        f'[[nodes]]\nname = "standin"\nssh = "127.0.0.1"\nssh_port = {sshd.port}\naddress = "127.0.0.1"\n'
        'disk = "/dev/x2"\n\n[service]\nhostname = "mail"\nvip = "127.0.0.100"\nnetmask = 8\ninterface = "lo"\n\n'
        '[heartbeat]\ninterface = "lo"\n\n[recipes]\nenabled = ["apache2"]\n')
    return path


def _line(proc: subprocess.Popen[str], deadline: float) -> str:
    assert proc.stdout is not None
    while time.monotonic() < deadline:
        ready, _, _ = select.select([proc.stdout], [], [], 0.5)
        if ready:
            return proc.stdout.readline()
        if proc.poll() is not None:
            break
    raise AssertionError(f"no refresh from status --watch (exit {proc.poll()})")


def test_watch_rides_one_connection_and_ends_on_ctrl_c(sshd: Any, tmp_path: Path) -> None:
    before = sshd.accepted_logins()
    argv = [sys.executable, "-m", "wizard", "status", "--watch", "--json", "--answers",
            str(_answers(sshd, tmp_path / "pair.toml")), "--identity", str(sshd.identity),
            "--known-hosts", str(sshd.known_hosts), "--journal-dir", str(tmp_path / "journal")]
    proc = subprocess.Popen(argv, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=os.environ | {"TMPDIR": "/tmp"})
    try:
        refreshes = [json.loads(_line(proc, time.monotonic() + 60)) for _ in range(3)]
        proc.send_signal(signal.SIGINT)
        rc = proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    err = proc.stderr.read() if proc.stderr else ""
    assert rc == 0, err
    assert "Traceback" not in err and "interrupted" not in err
    for r in refreshes:
        assert list(r["nodes"]) == [HERE_NAME, "standin"]
        for node in r["nodes"].values():
            assert "error" not in node, node
            assert set(node["health"]) == {"apache2"} and node["heartbeat_running"] in (True, False)
        assert r["vip"] == "127.0.0.100" and r["vip_holders"] == []
    # three refreshes (and the opening), each a probe of the peer: one authenticated connection in all
    assert sshd.accepted_logins() - before == 1


def test_watch_count_in_text(sshd: Any, tmp_path: Path) -> None:
    """--count N ends by itself; the text view is the table, both nodes named, lines within 80 columns."""
    argv = [sys.executable, "-m", "wizard", "status", "--watch", "--count", "2", "--answers",
            str(_answers(sshd, tmp_path / "pair.toml")), "--identity", str(sshd.identity),
            "--known-hosts", str(sshd.known_hosts), "--journal-dir", str(tmp_path / "journal")]
    r = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=120,
                       env=os.environ | {"TMPDIR": "/tmp"})
    assert r.returncode == 0, r.stderr
    assert r.stdout.count("ha-wizard status --watch · r0") == 2
    assert f"{HERE_NAME} (master)" in r.stdout and "standin" in r.stdout
    assert "DRBD role" in r.stdout and "apache2" in r.stdout
    assert all(len(ln) <= 80 for ln in r.stdout.splitlines())
