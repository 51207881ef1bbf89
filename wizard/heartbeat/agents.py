"""Which Heartbeat resource agents and which init system each node has, from its gathered facts.

The resource chain (``drbddisk``, ``Filesystem``, ``IPaddr2``) is named in haresources; Heartbeat looks each
name up in /etc/ha.d/resource.d (drbddisk comes with drbd-utils, the other two with heartbeat, as wrappers
of the OCF agents in /usr/lib/ocf/resource.d/heartbeat). The plan says which file each one is on each
node, and a missing one is a problem before anything is written, never a takeover that fails at 3 a.m.
"""

from __future__ import annotations

from wizard.core.plan import PlanContext
from wizard.errors import Problem

CHAIN = ("drbddisk", "Filesystem", "IPaddr2")
RESOURCE_D = "/etc/ha.d/resource.d"
OCF_DIR = "/usr/lib/ocf/resource.d/heartbeat"
SHIPPED_BY = {"drbddisk": "drbd-utils", "Filesystem": "heartbeat (with resource-agents)",
              "IPaddr2": "heartbeat (with resource-agents)"}


def _facts(ctx: PlanContext, node: str) -> object | None:
    f = ctx.facts.get(node)
    return f if getattr(f, "reached", False) else None


def agents_on(ctx: PlanContext, node: str) -> dict[str, str] | None:
    """{agent name: the file Heartbeat runs} for the chain's agents found on ``node``; None = not probed."""
    f = _facts(ctx, node)
    paths = getattr(f, "ha_agents", None)
    if paths is None:
        return None
    found: dict[str, str] = {}
    for name in CHAIN:
        for base in (RESOURCE_D, OCF_DIR):  # haresources uses resource.d; the OCF agent backs the wrapper
            if f"{base}/{name}" in paths:
                found.setdefault(name, f"{base}/{name}")
    return found


def chain_note(ctx: PlanContext, node: str) -> str:
    """"drbddisk, Filesystem, IPaddr2 found in /etc/ha.d/resource.d" or what is missing, in words."""
    found = agents_on(ctx, node)
    if found is None:
        return f"{node}: resource agents not checked (node not probed)"
    have = [f"{n} ({found[n]})" for n in CHAIN if n in found]
    lack = [n for n in CHAIN if n not in found]
    return f"{node}: " + ", ".join(have) + (f"; MISSING {', '.join(lack)}" if lack else "")


def agent_problems(ctx: PlanContext) -> list[Problem]:
    out = []
    for node in (n.name for n in ctx.spec.nodes):
        found = agents_on(ctx, node)
        if found is None:
            continue
        for name in CHAIN:
            if not found.get(name, "").startswith(RESOURCE_D):
                out.append(Problem(f"{RESOURCE_D}/{name}", f"Heartbeat's {name} agent is missing: the takeover "
                                   f"would stop there. Install {SHIPPED_BY[name]} on {node}", node=node))
    return out


def init_system(ctx: PlanContext, node: str) -> str:
    """"systemd" or "sysv" (what runs as PID 1); systemd when the node was not probed (Debian, Ubuntu)."""
    lines = getattr(_facts(ctx, node), "init", None) or ()
    pid1 = next((ln.split(" ", 1)[1] for ln in lines if ln.startswith("pid1 ")), "systemd")
    return "systemd" if pid1 == "systemd" else "sysv"
