"""Running harmless_plan.py as a process (so it can be killed) and reading what it left on the "hosts"."""

from __future__ import annotations

import contextlib
import hashlib
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from wizard.executors.base import TEMP_MARK

HERE = Path(__file__).resolve().parent


@dataclass
class Target:
    """Where a run writes: its root (master/ and peer/ below it), journal, log and private TMPDIR."""

    base: Path

    def __post_init__(self) -> None:
        self.root = self.base / "root"
        self.journal = self.base / "journal"
        self.log = self.base / "run.log"
        self.base.mkdir(parents=True, exist_ok=True)
        # the ssh ControlMaster's socket dir lands here (ours to clean up); short, as a socket path must be
        self.tmp = Path(tempfile.mkdtemp(prefix="hw-run-", dir="/tmp"))


def start(sshd, t: Target, *, port: int | None = None, known_hosts: Path | None = None,  # type: ignore[no-untyped-def]
          pause: float = 0.0, hold: str = "", confirm_delay: float = 0.0) -> subprocess.Popen[str]:
    argv = [sys.executable, str(HERE / "harmless_plan.py"), "--port", str(port or sshd.port), "--identity",
            str(sshd.identity), "--known-hosts", str(known_hosts or sshd.known_hosts), "--root", str(t.root),
            "--journal", str(t.journal), "--pause", str(pause), "--log", str(t.log)]
    if hold:
        argv += ["--hold", hold]
    if confirm_delay:
        argv += ["--confirm-delay", str(confirm_delay)]
    return subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "TMPDIR": str(t.tmp)})


def wait_for_line(p: subprocess.Popen[str], marker: str, timeout: float = 90) -> list[str]:
    """Read the run's events until a line containing ``marker``; every line read so far."""
    assert p.stdout is not None
    lines: list[str] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = p.stdout.readline()
        if not line:
            err = p.stderr.read() if p.stderr else ""
            raise AssertionError(f"the run ended (exit {p.wait()}) before {marker!r}:\n{''.join(lines)}{err}")
        lines.append(line)
        if marker in line:
            return lines
    p.kill()
    raise AssertionError(f"no {marker!r} within {timeout:.0f} s:\n{''.join(lines)}")


def finish(p: subprocess.Popen[str], timeout: float = 120) -> tuple[int, str, str]:
    out, err = p.communicate(timeout=timeout)
    return p.returncode, out, err


def stop_leftover_masters(t: Target) -> None:
    """A wizard killed with -9 leaves its ssh ControlMaster running (ControlPersist): stop the ones whose
    socket is under this run's TMPDIR, identified by /proc/PID/cmdline, never by name."""
    marker = str(t.tmp).encode()
    for p in Path("/proc").iterdir():
        if not p.name.isdigit():
            continue
        try:
            cmd = (p / "cmdline").read_bytes()
        except OSError:
            continue
        if cmd.startswith(b"ssh") and marker in cmd:
            with contextlib.suppress(ProcessLookupError):
                os.kill(int(p.name), 9)


def state(root: Path) -> dict[str, str]:
    """Every file, link and directory under root, files as mode + sha256 (temp files included: a leftover
    shows up as a difference)."""
    out = {}
    for p in sorted(root.rglob("*")):
        rel = str(p.relative_to(root))
        if p.is_symlink():
            out[rel] = "-> " + os.readlink(p).replace(str(root), "ROOT")
        elif p.is_file():
            out[rel] = f"{p.stat().st_mode & 0o777:o} " + hashlib.sha256(p.read_bytes()).hexdigest()
        else:
            out[rel] = "dir"
    return out


def half_written(root: Path, reference: dict[str, str]) -> list[str]:
    """Files under their real names whose content is neither absent (the old state) nor the final one."""
    now = state(root)
    return [rel for rel, v in now.items() if TEMP_MARK not in rel and v != "dir" and not v.startswith("-> ")
            and rel in reference and v.split()[1] != reference[rel].split()[1]]


def temp_files(root: Path) -> list[str]:
    return [rel for rel in state(root) if TEMP_MARK in rel]
