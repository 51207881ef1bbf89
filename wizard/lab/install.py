"""The wizard installed on the lab's first node, the way an admin without Internet access would do it:
a wheelhouse (the project's wheel and every runtime dependency, built on the host from this checkout) is
copied in and installed offline into a venv, ``/opt/ha-wizard``.

Used by ``ha-wizard lab up`` (so the lab ends with the wizard ready on node1) and by the lab test tier.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from wizard.lab.common import LabError
from wizard.lab.vms import Lab

ROOT = Path(__file__).resolve().parents[2]  # the source checkout this lab runs from
VENV = "/opt/ha-wizard"
WIZARD = f"{VENV}/bin/ha-wizard"
GUEST_WHEELHOUSE = "/root/wheelhouse"
INSTALLED_MARK = f"{VENV}/.wheelhouse-digest"  # which wheelhouse the venv was installed from
SAVED_VENV = "/root/.ha-wizard-venv.tar"  # the installed venv, to put back after another module replaced it

#: What goes into the wheel (pyproject's [tool.hatch.build]) and so into the wheelhouse cache key.
WHEEL_SOURCES = ("pyproject.toml", "README.md", "wizard", "screens", "templates", "recipes")


def source_digest(root: Path = ROOT) -> str:
    """sha256 over every file that ends up in the wheel (names and bytes), __pycache__ excluded."""
    h = hashlib.sha256()
    for top in WHEEL_SOURCES:
        base = root / top
        files = [base] if base.is_file() else sorted(p for p in base.rglob("*") if p.is_file())
        for f in files:
            rel = f.relative_to(root)
            if "__pycache__" in rel.parts or f.suffix == ".pyc":
                continue
            h.update(str(rel).encode() + b"\0" + f.read_bytes() + b"\0")
    return h.hexdigest()[:16]


@dataclass(frozen=True)
class Wheelhouse:
    dir: Path
    digest: str
    cached: bool
    secs: float


def build_wheelhouse(cache_root: Path, keep: int = 3) -> Wheelhouse:
    """``pip wheel /work/main``: the project's wheel and all its runtime dependencies, cached by source digest.

    Built in a temporary directory and renamed into place, so an interrupted build is never a cache hit.
    Only the newest *keep* wheelhouses are kept.
    """
    t0 = time.monotonic()
    digest = source_digest()
    dest = cache_root / digest
    if (dest / "COMPLETE").exists():
        return Wheelhouse(dest, digest, True, time.monotonic() - t0)
    cache_root.mkdir(parents=True, exist_ok=True)
    tmp = cache_root / f".tmp-{digest}-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    proc = subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--disable-pip-version-check",
                           str(ROOT), "-w", str(tmp)], capture_output=True, text=True, timeout=900, check=False)
    if proc.returncode != 0:
        shutil.rmtree(tmp, ignore_errors=True)
        raise LabError(f"pip wheel failed (exit {proc.returncode}):\n{proc.stdout[-3000:]}{proc.stderr[-3000:]}")
    wheels = sorted(p.name for p in tmp.glob("*.whl"))
    if not any(w.startswith("ha_wizard-") for w in wheels):
        raise LabError(f"pip wheel made no ha-wizard wheel (got {wheels})")
    (tmp / "COMPLETE").write_text("\n".join(wheels) + "\n")
    shutil.rmtree(dest, ignore_errors=True)
    tmp.rename(dest)
    old = sorted((p for p in cache_root.iterdir() if p.is_dir() and p != dest and not p.name.startswith(".")),
                 key=lambda p: p.stat().st_mtime, reverse=True)
    for p in old[keep - 1:]:
        shutil.rmtree(p, ignore_errors=True)
    return Wheelhouse(dest, digest, False, time.monotonic() - t0)


def installed_digest(lab: Lab) -> str:
    return lab.ssh(1, f"cat {INSTALLED_MARK} 2>/dev/null; true", timeout=60).stdout.strip()


def install_on_node1(lab: Lab, wh: Wheelhouse) -> float:
    """Copy the wheelhouse into node1 and install it offline into /opt/ha-wizard; return the seconds taken.

    The finished venv is also kept as a tar in /root (``SAVED_VENV``), so that when another lab module has
    replaced /opt/ha-wizard it can be put back in seconds instead of minutes (``ensure_wizard``).
    """
    t0 = time.monotonic()
    lab.ssh(1, f"rm -rf {GUEST_WHEELHOUSE} {VENV} {SAVED_VENV}", timeout=120)
    lab.scp_to(1, wh.dir, GUEST_WHEELHOUSE)
    # As documented for a master without Internet access: a venv and pip with --no-index.
    lab.ssh(1, f"python3 -m venv {VENV} && {VENV}/bin/pip install --quiet --disable-pip-version-check "
               f"--no-index --find-links {GUEST_WHEELHOUSE} ha-wizard && echo {wh.digest} > {INSTALLED_MARK}",
            timeout=1200)
    secs = time.monotonic() - t0
    lab.ssh(1, f"tar -C / -cf {SAVED_VENV}.tmp {VENV.lstrip('/')} && mv {SAVED_VENV}.tmp {SAVED_VENV} && sync",
            timeout=300)
    return secs


def ensure_wizard(lab: Lab, wh: Wheelhouse) -> tuple[str, float]:
    """Make /opt/ha-wizard on node1 the install of *wh*: ("present" | "restored" | "installed", seconds)."""
    t0 = time.monotonic()
    script = (f'd={wh.digest}; if [ "$(cat {INSTALLED_MARK} 2>/dev/null)" = "$d" ]; then echo present; '
              f'elif [ "$(tar -xOf {SAVED_VENV} {INSTALLED_MARK.lstrip("/")} 2>/dev/null)" = "$d" ]; then '
              f'rm -rf {VENV} && tar -C / -xf {SAVED_VENV} && echo restored; else echo missing; fi')
    how = lab.ssh(1, script, timeout=300).stdout.strip()
    if how == "missing":
        install_on_node1(lab, wh)
        how = "installed"
    if installed_digest(lab) != wh.digest:
        raise LabError(f"node1's /opt/ha-wizard is not the install of wheelhouse {wh.digest}")
    return how, time.monotonic() - t0


