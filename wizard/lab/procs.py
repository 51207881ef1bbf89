"""qemu process handling for the lab: identify ours by /proc, stop by PID, reap.

The lab never signals a process by name. A PID (from a qemu pidfile) is only acted on after
``/proc/PID/cmdline`` shows a qemu whose arguments point into the lab's run directory, so a recycled PID
or someone else's qemu is never touched.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import time
from pathlib import Path

PR_SET_CHILD_SUBREAPER = 36


def become_subreaper() -> None:
    """Make this process adopt the qemus it daemonizes (Linux PR_SET_CHILD_SUBREAPER).

    ``qemu -daemonize`` orphans its daemon; normally init adopts and reaps it, but a lazy init leaves a
    ``<defunct>`` qemu listed after it is stopped. As subreaper a long-lived caller (the pytest session)
    is the daemon's parent and ``stop`` reaps it at once. A short-lived CLI hands it on to init on exit.
    """
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)


def is_lab_qemu(pid: int, run_dir: Path) -> bool:
    """True if *pid* is a live (not zombie) qemu whose command line points into *run_dir*."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        args = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except (OSError, IndexError):
        return False
    if state in ("Z", "X") or not args or b"qemu" not in os.path.basename(args[0]):
        return False
    marker = str(run_dir).encode() + b"/"
    return any(marker in a for a in args)


def find_lab_qemus(run_dir: Path) -> list[int]:
    """Every live qemu of *run_dir*, recorded or not: for leak checks, never for killing."""
    return [int(p.name) for p in Path("/proc").iterdir() if p.name.isdigit() and is_lab_qemu(int(p.name), run_dir)]


def stop(pid: int, run_dir: Path, sig: signal.Signals = signal.SIGTERM, grace: float = 15.0) -> bool:
    """Send *sig* to a verified lab qemu, escalate to SIGKILL after *grace* s; True once it is gone."""
    if not is_lab_qemu(pid, run_dir):
        return True
    os.kill(pid, sig)
    for _ in range(2):
        deadline = time.monotonic() + grace
        while is_lab_qemu(pid, run_dir) and time.monotonic() < deadline:
            time.sleep(0.1)
        if not is_lab_qemu(pid, run_dir):
            break
        os.kill(pid, signal.SIGKILL)  # ignored SIGTERM for `grace` s: stop it for good
    if is_lab_qemu(pid, run_dir):
        return False
    reap_adopted()
    return True


def reap_adopted() -> None:
    """Reap exited qemu processes this process adopted as subreaper (never anyone else's child).

    ``-daemonize`` forks twice; the middle process exits at once and, being orphaned, lands here too. Only
    zombies named qemu are collected: a blanket ``waitpid(-1)`` would steal the exit status of ssh
    processes that other threads are waiting for.
    """
    me = str(os.getpid())
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            comm, rest = (entry / "stat").read_text().split("(", 1)[1].rsplit(")", 1)
        except (OSError, ValueError):
            continue
        state, ppid = rest.split()[:2]
        if state == "Z" and ppid == me and comm.startswith("qemu"):
            with contextlib.suppress(ChildProcessError):
                os.waitpid(int(entry.name), 0)
