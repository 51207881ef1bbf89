"""The partitions of both nodes side by side, for choosing the pair DRBD mirrors (tutorial: "create an
equal-sized partition on both machines" and check it with ``fdisk -l``).

Read-only: everything comes from probes through the executors (``fdisk -l``, ``blkid``, /proc/mounts,
/proc/swaps), so a dry-run gathers it too. When a node is not contacted or the parser is missing, the
table says why in one sentence and the wizard keeps working with a typed partition path.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from wizard.disks.choice import human
from wizard.disks.meta import MIN_DEVICE_BYTES
from wizard.disks.meta import usable_bytes as drbd_usable
from wizard.executors.base import Executor
from wizard.nodes.blockdevs import parse_fdisk

TOLERANCE = 0.01  # sizes within 1% count as equal (cylinder rounding of the tutorial's era)


@dataclass(frozen=True)
class PartitionRow:
    node: str
    device: str
    size_bytes: int | None
    type: str
    filesystem: str = ""  # blkid TYPE, "" when none found
    in_use: str = ""  # "mounted on /", "swap", "" when free


@dataclass(frozen=True)
class NodeDisks:
    node: str
    rows: tuple[PartitionRow, ...] = ()
    problem: str = ""  # why there are no facts for this node ("" when gathered)


@dataclass(frozen=True)
class DiskTable:
    nodes: tuple[NodeDisks, ...]

    def row(self, node: str, device: str) -> PartitionRow | None:
        for nd in self.nodes:
            if nd.node == node:
                return next((r for r in nd.rows if r.device == device), None)
        return None

    def of(self, node: str) -> NodeDisks | None:
        return next((nd for nd in self.nodes if nd.node == node), None)

    def pairs(self) -> list[tuple[PartitionRow, PartitionRow]]:
        """Free partitions of equal size on the two nodes (first node's, second node's)."""
        if len(self.nodes) != 2:
            return []
        a, b = self.nodes
        out = []
        for ra in a.rows:
            for rb in b.rows:
                if not ra.in_use and not rb.in_use and _equal(ra.size_bytes, rb.size_bytes):
                    out.append((ra, rb))
        return out


@dataclass(frozen=True)
class Assessment:
    warnings: tuple[str, ...]
    usable_bytes: int | None  # size of the DRBD device (internal meta-data taken off)
    summary: str


def _equal(a: int | None, b: int | None) -> bool:
    return a is not None and b is not None and abs(a - b) <= TOLERANCE * max(a, b)


def usable_bytes(size: int) -> int:
    """Size of /dev/drbdN on a partition of ``size`` bytes with internal meta-data (0 when too small)."""
    return drbd_usable(size) if size >= MIN_DEVICE_BYTES else 0


def _uses(ex: Executor) -> dict[str, str]:
    used: dict[str, str] = {}
    r = ex.probe(["cat", "/proc/mounts"])
    for line in r.out.splitlines() if r.ok else []:
        parts = line.split()
        if len(parts) >= 2 and parts[0].startswith("/dev/"):
            used.setdefault(parts[0], f"mounted on {parts[1]}")
    r = ex.probe(["cat", "/proc/swaps"])
    for line in r.out.splitlines()[1:] if r.ok else []:
        parts = line.split()
        if parts and parts[0].startswith("/dev/"):
            used.setdefault(parts[0], "swap")
    return used


def _node(node: str, ex: Executor | None, parse: Callable[[str], Any]) -> NodeDisks:
    if ex is None:
        return NodeDisks(node, problem=f"{node}: no connection, so its partitions are unknown")
    if not getattr(ex, "reachable", True):
        why = getattr(ex, "why_offline", "") or "not contacted"
        return NodeDisks(node, problem=f"{node}: not contacted ({why}); type its partition below")
    r = ex.probe(["fdisk", "-l"], timeout=30)
    if r.rc == 127:
        return NodeDisks(node, problem=f"{node}: fdisk is not installed (apt-get install fdisk)")
    if not r.ok:
        err = (r.err.strip().splitlines() or [f"exit {r.rc}"])[-1]
        return NodeDisks(node, problem=f"{node}: `fdisk -l` failed ({err}); run ha-wizard as root")
    try:
        report = parse(r.out)
    except Exception as e:  # a parser bug must not take the screen down
        return NodeDisks(node, problem=f"{node}: could not read `fdisk -l` ({e})")
    used = _uses(ex)
    rows = []
    for p in getattr(report, "partitions", ()) or ():
        dev = str(getattr(p, "device", "") or "")
        if not dev:
            continue
        size = getattr(p, "size_bytes", None)
        kind = str(getattr(p, "type", "") or "")
        if getattr(p, "extended", False) and "extended" not in kind.lower():
            kind = f"{kind} (extended)".strip()
        fs = ex.probe(["blkid", "-o", "value", "-s", "TYPE", dev])
        rows.append(PartitionRow(node, dev, size if isinstance(size, int) else None,
                                 kind, fs.out.strip() if fs.ok else "",
                                 used.get(dev, "")))
    if not rows:
        return NodeDisks(node, problem=f"{node}: `fdisk -l` lists no partitions: create an equal-sized "
                                       "partition on both servers first (fdisk or parted)")
    return NodeDisks(node, tuple(rows))


def gather(executors: dict[str, Executor], order: tuple[str, str],
           parse: Callable[[str], Any] | None = None) -> DiskTable:
    """Both nodes' partitions (``order``: master, peer). Never raises for a missing fact."""
    return DiskTable(tuple(_node(n, executors.get(n), parse or parse_fdisk) for n in order))


def assess(table: DiskTable, choice: dict[str, str]) -> Assessment:
    """Warnings for the chosen partitions (in use, a filesystem on it, sizes differ) and the usable size."""
    warnings: list[str] = []
    sizes: list[int] = []
    for node, dev in choice.items():
        nd = table.of(node)
        if not dev or nd is None or nd.problem:
            continue
        row = table.row(node, dev)
        if row is None:
            warnings.append(f"{node}: {dev} is not in its `fdisk -l` list: check the name")
            continue
        if row.in_use:
            warnings.append(f"{node}: {dev} is in use ({row.in_use}): DRBD would destroy it; pick a free "
                            "partition")
        if row.filesystem:
            warnings.append(f"{node}: {dev} holds a {row.filesystem} filesystem: its data is overwritten "
                            "(the master's data wins the first sync)")
        if row.size_bytes is not None and row.size_bytes < MIN_DEVICE_BYTES:
            warnings.append(f"{node}: {dev} has only {row.size_bytes} bytes: DRBD needs at least "
                            f"{MIN_DEVICE_BYTES}; pick a larger partition")
        if row.type and "extended" in row.type.lower():
            warnings.append(f"{node}: {dev} is an extended partition (a container): pick a logical one")
        if row.size_bytes:
            sizes.append(row.size_bytes)
    usable = None
    if len(sizes) == 2:
        small = min(sizes)
        usable = usable_bytes(small)
        if not _equal(*sizes):
            warnings.append(f"the partitions differ in size ({human(sizes[0])} and {human(sizes[1])}): DRBD "
                            f"uses the smaller one, {human(small)}; the rest of the larger one is wasted")
    if usable is not None:
        summary = f"usable size: {human(usable)} (DRBD keeps its meta-data at the end)"
    elif sizes:
        summary = f"usable size: about {human(usable_bytes(sizes[0]))} (the other node's size is unknown)"
    else:
        summary = "usable size: unknown until both partitions are known"
    return Assessment(tuple(warnings), usable, summary)
