"""Which DRBD syntax a pair speaks ("8.3", "8.4" or "9"): from the kernel module on the nodes, or the answers.

drbd.conf and drbdadm's commands changed twice (8.3 → 8.4 → 9); drbd-utils 9 itself dispatches on the
loaded module. The plan follows the module the nodes really have, not the tutorial's era.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Literal

from wizard.core.spec import Spec
from wizard.executors.base import Executor
from wizard.nodes.facts import NodeFacts
from wizard.nodes.parse import parse_drbd_version

DEFAULT_FAMILY = "8.4"  # Debian 12's kernel module; used when nothing else is known


def syntax_family(kernel_version: str) -> Literal["8.3", "8.4", "9"]:
    """Which drbd.conf / drbdadm syntax a kernel module speaks: 8.0-8.3 share one, 8.4 one, 9.x one."""
    m = re.match(r"\s*(\d+)\.(\d+)", kernel_version)
    if not m:
        raise ValueError(f"not a DRBD version: {kernel_version!r}")
    major, minor = int(m.group(1)), int(m.group(2))
    if major >= 9:
        return "9"
    if major == 8:
        return "8.4" if minor >= 4 else "8.3"
    raise ValueError(f"DRBD {kernel_version} is older than 8.0 and not supported")


def family_of(version: str) -> str:
    """The config/command syntax family of a DRBD kernel version."""
    try:
        return syntax_family(version)
    except ValueError:
        return DEFAULT_FAMILY


def kernel_drbd_version(ex: Executor) -> str | None:
    """The DRBD kernel module's version: /proc/drbd when loaded, else modinfo."""
    r = ex.probe(["cat", "/proc/drbd"])
    v = parse_drbd_version(r.out).kernel_module if r.ok else None
    if v:
        return v
    r = ex.probe(["modinfo", "-F", "version", "drbd"])
    return parse_drbd_version(r.out.strip().splitlines()[0]).kernel_module if r.ok and r.out.strip() else None


def detect_family(spec: Spec, executors: Mapping[str, Executor],
                  facts: Mapping[str, object] | None = None) -> tuple[str, str]:
    """(family, where it came from). Gathered ``facts`` (NodeFacts by node) save the probes."""
    if spec.drbd.version != "auto":
        return spec.drbd.version, "set in the answers (drbd.version)"
    found: list[tuple[str, str]] = []
    for name in (spec.master, spec.peer_node.name):
        nf = (facts or {}).get(name)
        if isinstance(nf, NodeFacts):
            v = nf.drbd.kernel_module if nf.reached else None
        else:
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
