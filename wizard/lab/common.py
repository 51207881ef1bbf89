"""Shared plumbing of the lab: where it lives, its errors, host tools and the timings log.

Kept separate from ``image`` and ``vms`` so both (and the pytest tier) agree on one lab directory and one
way of reporting a missing host tool, without importing each other.
"""

from __future__ import annotations

import datetime as _dt
import logging
import os
import shutil
import subprocess
from pathlib import Path

log = logging.getLogger("wizard.lab")

#: Environment variable that moves the whole lab (image cache, keys, running VMs, timings.log).
LAB_DIR_ENV = "HA_WIZARD_LAB_DIR"

#: Host tool -> Debian package that provides it, so an error can say what to install.
TOOL_PACKAGES: dict[str, str] = {
    "qemu-system-x86_64": "qemu-system-x86",
    "qemu-img": "qemu-utils",
    "mmdebstrap": "mmdebstrap",
    "sfdisk": "fdisk",
    "mkfs.ext4": "e2fsprogs",
    "ssh": "openssh-client",
    "scp": "openssh-client",
    "ssh-keygen": "openssh-client",
}


class LabError(Exception):
    """A lab failure that can be told to the user in one plain sentence (no traceback needed)."""


def default_lab_dir() -> Path:
    """``$HA_WIZARD_LAB_DIR``, else ``~/.cache/ha-wizard/lab`` (XDG cache: the image is rebuildable)."""
    env = os.environ.get(LAB_DIR_ENV)
    if env:
        return Path(env).expanduser().resolve()
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return (Path(cache) / "ha-wizard" / "lab").resolve()


def require_tool(name: str) -> str:
    """Return the full path of host tool *name* or raise a LabError that says how to get it."""
    # sbin is not on every PATH (sudo-less root shells, CI), yet sfdisk and mkfs live there.
    path = shutil.which(name) or shutil.which(name, path="/usr/sbin:/sbin:/usr/bin:/bin")
    if path is None:
        pkg = TOOL_PACKAGES.get(name, name)
        raise LabError(f"{name} not found: run scripts/test or apt-get install {pkg}")
    return path


def run(cmd: list[str], *, timeout: float | None = None, what: str | None = None) -> str:
    """Run a host command, return its stdout; on failure raise LabError carrying the stderr tail.

    The lab's host commands (qemu-img, sfdisk, mkfs, mmdebstrap) are short-lived tools whose stderr is the
    only useful diagnosis, so it goes into the error sentence instead of a CalledProcessError traceback.
    """
    try:
        proc = subprocess.run(
            cmd, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL, check=False
        )
    except subprocess.TimeoutExpired as exc:
        raise LabError(f"{what or cmd[0]} timed out after {timeout:.0f} s") from exc
    if proc.returncode != 0:
        tail = " | ".join((proc.stderr or proc.stdout).strip().splitlines()[-6:])
        raise LabError(f"{what or ' '.join(cmd[:3])} failed (exit {proc.returncode}): {tail}")
    return proc.stdout


def record_timing(lab_dir: Path, name: str, secs: float, **extra: object) -> None:
    """Append one ``timestamp name=secs k=v`` line to ``<lab_dir>/timings.log`` and log it.

    One flat, greppable file so numbers from CLI runs and pytest sessions can be compared over time
    (docs/lab.md quotes them).
    """
    stamp = _dt.datetime.now().astimezone().isoformat(timespec="seconds")
    fields = " ".join(f"{k}={v}" for k, v in extra.items())
    line = f"{stamp} {name}={secs:.1f}" + (f" {fields}" if fields else "")
    log.info("%s", line)
    try:
        lab_dir.mkdir(parents=True, exist_ok=True)
        with open(lab_dir / "timings.log", "a", encoding="utf-8") as fh:
            fh.write(line + "\n")
    except OSError as exc:  # timings are informative; never fail a lab run over them
        log.warning("cannot append to timings.log: %s", exc)
