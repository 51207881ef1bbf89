"""Small read-only facts about a node for the interactive wizard: its `uname -n` and its link speed.

Probes go through the executor, so a dry-run gathers them too, and a node that was not contacted simply
yields None (the screens then say so).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from wizard.executors.base import Executor


@dataclass(frozen=True)
class LinkSpeed:
    interface: str  # "" when no interface holds the address
    mbit: int | None  # None when the kernel does not know (virtual NICs) or the node was not probed
    suggested_rate: str  # a DRBD resync rate for it ("" when unknown)
    note: str  # one plain sentence for the screen


def node_name(ex: Executor | None) -> str | None:
    """What the node calls itself (`uname -n`), or None when it was not contacted."""
    if ex is None or not getattr(ex, "reachable", True):
        return None
    r = ex.probe(["uname", "-n"])
    return r.out.strip() or None if r.ok else None


def suggest_rate(mbit: int) -> str:
    """DRBD's rule of thumb: resync at about 30% of the replication link, so the application keeps the
    rest. Megabits per second to a syncer rate in MB/s (``rate 10M`` in the tutorial)."""
    return f"{max(1, int(mbit / 8 * 0.3))}M"


def interface_of(ex: Executor, address: str) -> str:
    r = ex.probe(["ip", "-o", "addr", "show"])
    if not r.ok:
        return ""
    for line in r.out.splitlines():
        m = re.match(r"^\d+:\s+(\S+)\s+inet6?\s+([^/\s]+)", line)
        if m and m.group(2) == address:
            return m.group(1).split("@")[0]
    return ""


def link_speed(ex: Executor | None, address: str) -> LinkSpeed:
    """The speed of the interface holding the replication ``address`` (from /sys/class/net/IF/speed)."""
    if ex is None or not getattr(ex, "reachable", True):
        return LinkSpeed("", None, "", "link speed not measured: the node was not contacted")
    iface = interface_of(ex, address) if address else ""
    if not iface:
        return LinkSpeed("", None, "", f"link speed not measured: no interface holds {address or 'the address'}"
                                       " on this node yet")
    r = ex.probe(["cat", f"/sys/class/net/{iface}/speed"])
    try:
        mbit = int(r.out.strip()) if r.ok else -1
    except ValueError:
        mbit = -1
    if mbit <= 0:
        return LinkSpeed(iface, None, "", f"{iface}: the kernel does not report a link speed (virtual NIC?)")
    rate = suggest_rate(mbit)
    return LinkSpeed(iface, mbit, rate, f"{iface} runs at {mbit} Mb/s: about 30% of it is {rate}")
