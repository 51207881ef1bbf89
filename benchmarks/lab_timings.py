"""Summarise the lab's measured timings (``<lab dir>/timings.log``, appended by the lab and its pytest tier).

    .venv/bin/python benchmarks/lab_timings.py [--lab-dir DIR] [--lab pytest] [--since 2026-11-27]

One row per measurement name (image build / cache hit, boot, wizard install, full apply, initial sync,
kill + resume scenario, takeover, ...): count, min, median, max in seconds. Lines are
``<iso time> name=secs k=v ...`` (see wizard/lab/common.py:record_timing).
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from wizard.lab.common import default_lab_dir  # noqa: E402


def parse(path: Path, lab: str | None, since: str | None) -> dict[str, list[float]]:
    out: dict[str, list[float]] = defaultdict(list)
    for line in path.read_text().splitlines():
        fields = line.split()
        if len(fields) < 2 or "=" not in fields[1]:
            continue
        stamp, (name, value) = fields[0], fields[1].split("=", 1)
        extra = dict(f.split("=", 1) for f in fields[2:] if "=" in f)
        if since and stamp < since:
            continue
        if lab and extra.get("lab", lab) != lab:
            continue
        try:
            out[name].append(float(value))
        except ValueError:
            continue
    return out


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--lab-dir", type=Path, default=None, help="default: $HA_WIZARD_LAB_DIR or ~/.cache/...")
    ap.add_argument("--lab", default=None, help="only this lab instance (e.g. pytest)")
    ap.add_argument("--since", default=None, help="only lines from this ISO date/time on")
    a = ap.parse_args()
    log = (a.lab_dir or default_lab_dir()) / "timings.log"
    if not log.exists():
        print(f"no {log}: run the lab (`pytest -m lab tests/lab`) first", file=sys.stderr)
        return 1
    rows = parse(log, a.lab, a.since)
    print(f"{log} ({os.cpu_count()} cores, {platform.machine()}, Python {platform.python_version()})")
    print(f"{'what':<30} {'n':>3} {'min':>7} {'median':>7} {'max':>7}")
    for name, values in rows.items():
        print(f"{name:<30} {len(values):>3} {min(values):7.1f} {statistics.median(values):7.1f} "
              f"{max(values):7.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
