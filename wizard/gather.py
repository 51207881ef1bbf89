"""Read-only facts from the nodes, through the executors (so dry-run gathers them too)."""

from __future__ import annotations

import re

from wizard.executors.base import Executor
from wizard.spec import Spec

DEFAULT_FAMILY = "8.4"  # Debian 12's kernel module; used when nothing else is known


def family_of(version: str) -> str:
    """The config/command syntax family of a DRBD kernel version."""
    m = re.match(r"(\d+)\.(\d+)", version)
    if not m:
        return DEFAULT_FAMILY
    major, minor = int(m.group(1)), int(m.group(2))
    if major >= 9:
        return "9"
    return "8.4" if (major, minor) >= (8, 4) else "8.3"


def kernel_drbd_version(ex: Executor) -> str | None:
    """The DRBD kernel module's version: /proc/drbd when loaded, else modinfo."""
    r = ex.probe(["cat", "/proc/drbd"])
    m = re.search(r"^version:\s*([0-9][0-9.]*)", r.out, re.M) if r.ok else None
    if m:
        return m.group(1)
    r = ex.probe(["modinfo", "-F", "version", "drbd"])
    if r.ok and r.out.strip():
        return r.out.strip().splitlines()[0]
    return None


def detect_family(spec: Spec, executors: dict[str, Executor]) -> tuple[str, str]:
    if spec.drbd.version != "auto":
        return spec.drbd.version, "set in the answers (drbd.version)"
    found: list[tuple[str, str]] = []
    for name in (spec.master, spec.peer_node.name):
        ex = executors.get(name)
        if ex is None or not getattr(ex, "reachable", True):
            continue
        v = kernel_drbd_version(ex)
        if v:
            found.append((name, v))
    if not found:
        return DEFAULT_FAMILY, f"assumed {DEFAULT_FAMILY} (no DRBD module found on the probed nodes)"
    families = {family_of(v) for _, v in found}
    where = ", ".join(f"{n}: {v}" for n, v in found)
    if len(families) > 1:
        return family_of(found[0][1]), f"MISMATCH between nodes ({where}): install the same DRBD on both"
    return families.pop(), f"detected ({where})"
