"""Launch → first screen painted, for the interactive wizard (goal: under 1.5 s on a 2-core machine).

Starts `ha-wizard --dry-run` in a detached 80x24 tmux pane (private tmux server), polls capture-pane every
10 ms until the Welcome screen's text is on it, and reports the median of 5 runs. The time includes
tmux starting the pane, so it is what a person at the terminal waits, or a little more.

    .venv/bin/python benchmarks/tui_first_paint.py [--runs 5] [--answers examples/tutorial.toml]

Each run has its own tmux server on its own socket file: a server killed at the end of a run may still be
exiting when the next run starts, and reusing its socket name made `tmux new-session` fail with "server
exited unexpectedly". Exit status: 0 within the goal, 3 above it (the figure is printed either way).
"""

from __future__ import annotations

import argparse
import os
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WIZARD = ROOT / ".venv" / "bin" / "ha-wizard"
MARK = "Set up a DRBD + Heartbeat pair"
GOAL_S = 1.5


def one_run(answers: str | None, timeout: float = 20.0) -> float:
    with tempfile.TemporaryDirectory(prefix="ha-wizard-bench-") as tmp:
        journal = os.path.join(tmp, "journal")
        argv = [str(WIZARD), "--dry-run", "--journal-dir", journal] + (["--answers", answers] if answers else [])
        tmux = ["tmux", "-S", os.path.join(tmp, "tmux.sock")]  # a fresh server and socket for every run
        start = time.perf_counter()
        subprocess.run([*tmux, "new-session", "-d", "-s", "bench", "-x", "80", "-y", "24", "-c", str(ROOT),
                        f"TERM=xterm-256color {shlex.join(argv)}; sleep 30"], check=True)
        try:
            while True:
                out = subprocess.run([*tmux, "capture-pane", "-p", "-t", "bench"], capture_output=True,
                                     text=True).stdout
                elapsed = time.perf_counter() - start
                if MARK in out:
                    return elapsed
                if elapsed > timeout:
                    raise SystemExit(f"no first paint within {timeout:.0f} s; the pane shows:\n{out}")
                time.sleep(0.01)
        finally:
            subprocess.run([*tmux, "kill-server"], capture_output=True)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--answers", default="examples/tutorial.toml", help="answers file ('' for none)")
    args = ap.parse_args()
    one_run(args.answers or None)  # warm the page cache, as a second launch would be
    times = [one_run(args.answers or None) for _ in range(args.runs)]
    median = statistics.median(times)
    print("runs (s): " + " ".join(f"{t:.3f}" for t in times))
    print(f"median launch -> first paint: {median:.3f} s (goal {GOAL_S} s, {os.cpu_count()} CPUs)")
    return 0 if median <= GOAL_S else 3


if __name__ == "__main__":
    sys.exit(main())
