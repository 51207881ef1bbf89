"""Which Heartbeat resource agents the chain uses, where each comes from, and which init system each node has.

The resource chain is named in haresources; Heartbeat looks each name up in /etc/ha.d/resource.d. Two sets
(``[heartbeat] agents``):

- ``lean`` (default): ``drbddisk`` (drbd-utils), then ha-wizard's own ``ha-wizard-mount`` and
  ``ha-wizard-ip``, written beside Heartbeat's files (templates/heartbeat/resource.d). A takeover runs each
  agent twice (status, then start); resource-agents' Filesystem and IPaddr2 cost 1.3-1.5 s per call on an
  idle emulated node and 6-7 s each in a takeover, the two scripts ~0.1 s: the measured RTO drops from
  27 to 14-17 s (docs/heartbeat.md);
- ``stock``: ``drbddisk``, ``Filesystem``, ``IPaddr2`` (heartbeat's wrappers of the OCF agents in
  /usr/lib/ocf/resource.d/heartbeat), for an admin who wants resource-agents' own.

The plan says which file each one is on each node, and a missing one is a problem before anything is
written, never a takeover that fails at 3 a.m.
"""

from __future__ import annotations

from wizard.core.plan import PlanContext
from wizard.core.spec import Spec
from wizard.errors import Problem

STOCK = ("drbddisk", "Filesystem", "IPaddr2")
LEAN = ("drbddisk", "ha-wizard-mount", "ha-wizard-ip")
#: ha-wizard's own scripts, and the resource-agents agent each one stands in for (same arguments)
WRITTEN = {"ha-wizard-mount": "Filesystem", "ha-wizard-ip": "IPaddr2"}
MOUNT_AGENTS = ("Filesystem", "ha-wizard-mount")  # DEVICE::MOUNTPOINT::FSTYPE
ADDRESS_AGENTS = ("IPaddr2", "ha-wizard-ip", "IPaddr")  # ADDRESS/PREFIX/INTERFACE
RESOURCE_D = "/etc/ha.d/resource.d"
OCF_DIR = "/usr/lib/ocf/resource.d/heartbeat"
SHIPPED_BY = {"drbddisk": "drbd-utils", "Filesystem": "heartbeat (with resource-agents)",
              "IPaddr2": "heartbeat (with resource-agents)"}


def chain_agents(spec: Spec) -> tuple[str, str, str]:
    """The three agents before the services, in start order: promote, mount, address."""
    return LEAN if spec.heartbeat.agents == "lean" else STOCK


def _facts(ctx: PlanContext, node: str) -> object | None:
    f = ctx.facts.get(node)
    return f if getattr(f, "reached", False) else None


def agents_on(ctx: PlanContext, node: str) -> dict[str, str] | None:
    """{agent name: the file Heartbeat runs} for the chain's agents found on ``node`` (ha-wizard's own
    scripts count as found: this plan writes them); None = not probed."""
    f = _facts(ctx, node)
    paths = getattr(f, "ha_agents", None)
    if paths is None:
        return None
    found: dict[str, str] = {}
    for name in chain_agents(ctx.spec):
        if name in WRITTEN:
            found[name] = f"{RESOURCE_D}/{name}"
        for base in (RESOURCE_D, OCF_DIR):  # haresources uses resource.d; the OCF agent backs the wrapper
            if f"{base}/{name}" in paths:
                found.setdefault(name, f"{base}/{name}")
    return found


def chain_note(ctx: PlanContext, node: str) -> str:
    """"drbddisk (/etc/ha.d/resource.d/drbddisk), ha-wizard-mount (written by this step), ..." or what is
    missing, in words."""
    found = agents_on(ctx, node)
    if found is None:
        return f"{node}: resource agents not checked (node not probed)"
    agents = chain_agents(ctx.spec)
    have = [f"{n} ({'written by this step, in place of ' + WRITTEN[n] if n in WRITTEN else found[n]})"
            for n in agents if n in found]
    lack = [n for n in agents if n not in found]
    return f"{node}: " + ", ".join(have) + (f"; MISSING {', '.join(lack)}" if lack else "")


def agent_problems(ctx: PlanContext) -> list[Problem]:
    out = []
    for node in (n.name for n in ctx.spec.nodes):
        found = agents_on(ctx, node)
        if found is None:
            continue
        for name in chain_agents(ctx.spec):
            if not found.get(name, "").startswith(RESOURCE_D):
                out.append(Problem(f"{RESOURCE_D}/{name}", f"Heartbeat's {name} agent is missing: the takeover "
                                   f"would stop there. Install {SHIPPED_BY[name]} on {node}", node=node))
    return out


def init_system(ctx: PlanContext, node: str) -> str:
    """"systemd" or "sysv" (what runs as PID 1); systemd when the node was not probed (Debian, Ubuntu)."""
    lines = getattr(_facts(ctx, node), "init", None) or ()
    pid1 = next((ln.split(" ", 1)[1] for ln in lines if ln.startswith("pid1 ")), "systemd")
    return "systemd" if pid1 == "systemd" else "sysv"
