"""The sync benchmark's short mode on the session's lab: one variant, one full sync of the 127 MiB
partition (the documented command boots its own lab, 'bench', with 256 MiB disks)."""

from __future__ import annotations

import importlib.util
import time
from collections.abc import Callable
from pathlib import Path

from wizard.lab import Lab

ROOT = Path(__file__).resolve().parents[2]


def _benchmark():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("sync_throughput", ROOT / "benchmarks" / "sync_throughput.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_sync_benchmark_short(restored_lab: Lab, blank_disks: Lab, lab_timing: Callable[..., None]) -> None:
    lines: list[str] = []
    t0 = time.monotonic()
    try:
        results = _benchmark().measure(blank_disks, runs=1, only=["ha-wizard config"], say=lines.append)
    finally:
        for n in (1, 2):
            blank_disks.reset_data_disk(n)
    lab_timing("sync_benchmark_short_secs", time.monotonic() - t0)
    disk, run = results
    assert disk["disk_read_mib_s"] > 0 and disk["disk_write_mib_s"] > 0
    assert run["variant"] == "ha-wizard config" and run["size_mib"] > 100
    assert run["mib_s"] > 0 and run["link_mib_s"] > 0 and run["ratio"] > 0
    assert any(line.startswith("ha-wizard config") and "MiB/s" in line for line in lines), lines
