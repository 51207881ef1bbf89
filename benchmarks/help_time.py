"""Wall time of `ha-wizard --help` (target: 0.25 s on a 2-core machine).

    .venv/bin/python benchmarks/help_time.py [--runs 20]
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=20)
    a = ap.parse_args()
    exe = shutil.which("ha-wizard", path=str(ROOT / ".venv" / "bin")) or "ha-wizard"
    subprocess.run([exe, "--help"], capture_output=True, check=True)  # warm the page cache once
    times = []
    for _ in range(a.runs):
        t0 = time.perf_counter()
        subprocess.run([exe, "--help"], capture_output=True, check=True)
        times.append(time.perf_counter() - t0)
    times.sort()
    print(f"ha-wizard --help: median {statistics.median(times):.3f} s, "
          f"p90 {times[int(len(times) * 0.9) - 1]:.3f} s, max {times[-1]:.3f} s over {a.runs} runs "
          f"({os.cpu_count()} cores, {platform.python_version()}, {time.strftime('%Y-%m-%d')})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
