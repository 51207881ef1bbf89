"""One process owns a lab at a time: the one that booted it and will stop it.

Two test sessions on one machine used to share the lab "pytest": the second one's ``up()`` began by
stopping the first one's VMs, and both failed. Now ``up()`` and ``down()`` first take an exclusive,
non-blocking ``flock`` on ``<lab dir>/run/<name>.lock`` and write who holds it (PID, command, start time)
into it. The kernel drops the lock when its holder exits, however it exits (kill -9 included), so a
stale lock cannot block anyone; a live holder is named in the refusal, with how to stop it.

Labs of other names in the same lab dir (``ha-wizard lab up`` is "default", the test tier "pytest",
the sync benchmark "bench") have their own run folder, lock and ports; they share the image cache, whose
build is serialised by its own lock (``image.ensure_image``). Unrelated to the lock file some
developers wrap lab runs in (``flock /tmp/...``): that one is theirs, this one is the product's.
"""

from __future__ import annotations

import datetime as _dt
import fcntl
import json
import os
import sys
from pathlib import Path

from wizard.lab.common import LabError


class LabBusy(LabError):
    """Another live process owns this lab."""


# the locks this process holds, by path: a second Lab object of the same name in this process (a
# benchmark's short mode inside the test session) shares its owner's claim instead of refusing itself
_HELD: dict[Path, int] = {}


def lock_path(lab_dir: Path, name: str) -> Path:
    return lab_dir / "run" / f"{name}.lock"


def claim(lab_dir: Path, name: str) -> None:
    """Own the lab ``name`` for as long as this process lives (or until ``release``); LabBusy if a live
    process owns it."""
    path = lock_path(lab_dir, name)
    if path in _HELD:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = _read(fd)
        os.close(fd)
        raise LabBusy(refusal(name, holder, path)) from None
    me = {"pid": os.getpid(), "command": " ".join(sys.argv)[:300] or sys.executable,
          "started": _dt.datetime.now().astimezone().isoformat(timespec="seconds")}
    os.ftruncate(fd, 0)
    os.pwrite(fd, (json.dumps(me) + "\n").encode(), 0)
    _HELD[path] = fd


def release(lab_dir: Path, name: str) -> None:
    fd = _HELD.pop(lock_path(lab_dir, name), None)
    if fd is not None:
        os.close(fd)  # closing the only descriptor drops the flock


def _read(fd: int) -> dict[str, object]:
    try:
        raw = json.loads(os.pread(fd, 4096, 0).decode(errors="replace") or "{}")
    except ValueError:
        return {}
    return raw if isinstance(raw, dict) else {}


def refusal(name: str, holder: dict[str, object], path: Path) -> str:
    pid = holder.get("pid", "?")
    cmd = holder.get("command", "an unknown command")
    since = f", since {holder['started']}" if holder.get("started") else ""
    return (f"the lab {name!r} is in use by PID {pid} ({cmd}{since}): a second run would stop its VMs. "
            f"Wait for it to finish, or stop it with `kill {pid}` (it stops its VMs as it exits); to run "
            f"another lab beside it, set HA_WIZARD_LAB_DIR to another folder. Lock: {path}")
