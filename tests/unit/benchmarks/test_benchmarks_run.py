"""Every benchmark of docs/benchmarks.md runs to its figure, in a short mode (the timing itself is never
asserted: that is the benchmark's job). The ones that boot VMs run in the lab tier
(tests/lab/test_benchmark_sync_lab.py, and test_failover_benchmark_short in tests/lab/test_failover_lab.py)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
DOC = (ROOT / "docs" / "benchmarks.md").read_text()


def bench(*argv: str, timeout: float = 180) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, *argv], capture_output=True, text=True, cwd=ROOT, timeout=timeout)


def test_every_documented_benchmark_has_a_short_run_here() -> None:
    documented = set(re.findall(r"(?<![\w/])benchmarks/(\w+\.py)", DOC))
    assert documented == {"help_time.py", "tui_first_paint.py", "sync_throughput.py", "lab_timings.py",
                          "failover_rto.py", "failover_baseline.py"}
    assert documented == {p.name for p in (ROOT / "benchmarks").glob("*.py")}


def test_help_time() -> None:
    r = bench("benchmarks/help_time.py", "--runs", "2")
    assert r.returncode == 0, r.stderr
    assert re.search(r"ha-wizard --help: median [\d.]+ s, p90 [\d.]+ s, max [\d.]+ s over 2 runs", r.stdout)


@pytest.mark.skipif(shutil.which("tmux") is None, reason="needs tmux (scripts/test installs it)")
def test_tui_first_paint_runs_after_its_warm_up() -> None:
    # the warm-up run and the measured ones each start and kill a tmux server: the second one used to
    # reuse the first one's socket while it was still exiting
    r = bench("benchmarks/tui_first_paint.py", "--runs", "2")
    assert r.returncode in (0, 3), r.stderr  # 3: above the goal, still a figure
    assert "Traceback" not in r.stderr
    assert re.search(r"^runs \(s\): [\d.]+ [\d.]+$", r.stdout, re.M), r.stdout
    assert re.search(r"median launch -> first paint: [\d.]+ s", r.stdout)


def test_lab_timings_summarises_a_timings_log(tmp_path: Path) -> None:
    (tmp_path / "timings.log").write_text(
        "2026-11-27T10:00:00+00:00 node1_boot_to_ssh_secs=43.5 lab=pytest\n"
        "2026-11-27T11:00:00+00:00 node1_boot_to_ssh_secs=41.5 lab=pytest\n"
        "2026-11-27T11:00:00+00:00 node1_boot_to_ssh_secs=99.0 lab=bench\n"
        "2026-11-26T11:00:00+00:00 full_apply_secs=60.0 lab=pytest\n")
    r = bench("benchmarks/lab_timings.py", "--lab-dir", str(tmp_path), "--lab", "pytest", "--since", "2026-11-27")
    assert r.returncode == 0, r.stderr
    rows = {ln.split()[0]: ln.split()[1:] for ln in r.stdout.splitlines()[2:]}
    assert rows == {"node1_boot_to_ssh_secs": ["2", "41.5", "42.5", "43.5"]}
    r = bench("benchmarks/lab_timings.py", "--lab-dir", str(tmp_path / "none"))
    assert r.returncode == 1 and "run the lab" in r.stderr and "Traceback" not in r.stderr


def test_failover_baseline_poller_sees_each_phase_once(tmp_path: Path) -> None:
    """The baseline's poller (the part that runs on the surviving VM) on this machine: a DRBD status file that
    says Primary, a stand-in `mountpoint`, 127.0.0.1 as the address and a real HTTP server as the service.
    The kills themselves need the lab VMs (the benchmark's own run)."""
    import http.server
    import threading

    sys.path[:0] = [str(ROOT), str(ROOT / "tests")]
    from benchmarks.failover_baseline import PHASES, POLLER

    (tmp_path / "bin").mkdir()
    (tmp_path / "bin" / "mountpoint").write_text("#!/bin/sh\nexit 0\n")
    (tmp_path / "bin" / "mountpoint").chmod(0o755)
    (tmp_path / "drbd").write_text(" 0: cs:StandAlone ro:Primary/Unknown ds:UpToDate/DUnknown   r-----\n")
    (tmp_path / "poll.sh").write_text(POLLER)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), http.server.SimpleHTTPRequestHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        env = {"PATH": f"{tmp_path / 'bin'}:/usr/sbin:/usr/bin:/sbin:/bin"}
        r = subprocess.run(["sh", str(tmp_path / "poll.sh"), "127.0.0.1", str(server.server_address[1]),
                            str(tmp_path / "drbd"), str(tmp_path / "out")], env=env, capture_output=True,
                           text=True, timeout=60)
    finally:
        server.shutdown()
    assert r.returncode == 0, r.stderr
    lines = (tmp_path / "out").read_text().split()
    assert lines[0::2][:4] == list(PHASES) and lines[-1] == "done", lines
    assert all(float(t) > 0 for t in lines[1:8:2])
