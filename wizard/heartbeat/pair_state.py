"""The pair at a glance, for ``ha-wizard status --watch`` and the TUI's Status screen: both nodes' DRBD role,
connection and disks, the resync, the cluster manager (Heartbeat, or Pacemaker as crm_mon shows it) and where
the resources run, the service address, each service's health, and a banner when DRBD stopped replicating
(StandAlone, split-brain).

One read-only probe per node and refresh (``pair_probe``) prints every source under an ``@@ha-wizard:<name>``
header, as Heartbeat's own probe does (``wizard.heartbeat.conditions``): everything else here is a pure
function of that text, table-tested from captured outputs. The DRBD part finds the version itself (8.x
reads /proc/drbd, 9 ``drbdsetup status --json``), so a node that rebooted into another state is read right.
"""

from __future__ import annotations

import shlex
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from wizard.core.actions import Check
from wizard.core.conditions import Conditions, Verdict
from wizard.drbd.conditions import sections
from wizard.drbd.diagnose import KERNEL_LOG, latest_clue
from wizard.drbd.splitbrain import NodeSide, assess
from wizard.drbd.state import SYNCING, DrbdDevice
from wizard.drbd.status_read import read_status
from wizard.executors.result import Result
from wizard.heartbeat.conditions import HOLDING, PROBE_HEAD, PROBE_PLACES, PROBE_REST, view
from wizard.pacemaker.conditions import CRM_PART
from wizard.pacemaker.crm_mon import CrmState, read_crm_mon

RECOVER = "ha-wizard recover-split-brain"
# DRBD 9 keeps only the version in /proc/drbd: print that line, then the JSON status of every resource.
DRBD_AUTO = ('d=$(v=$(head -n1 /proc/drbd 2>/dev/null); case "$v" in "version: 9"*) echo "$v"; '
             'drbdsetup status --json 2>/dev/null;; *) cat /proc/drbd 2>/dev/null;; esac); echo "$d"; ')
HEALTH = "health "  # section "health NAME": one per service, its output then rc=N


@dataclass(frozen=True)
class Watched:
    """What the view looks at: the answers' resource, disk, mount point and address, the services' checks."""

    resource: str
    minor: int
    device: str
    mount_point: str
    vip: str
    master: str
    checks: tuple[tuple[str, Check], ...] = ()
    stack: str = "heartbeat"  # or "pacemaker": crm_mon's XML in place of cl_status
    clone: str = ""  # Pacemaker: the DRBD promotable clone's id


def pair_probe(checks: Sequence[tuple[str, Check]], stack: str = "heartbeat") -> tuple[str, ...]:
    """The one read-only command a refresh runs on a node. The kernel log is read only when DRBD shows
    StandAlone (it tells a split-brain from a refused handshake); each health check's exit code follows it.
    On Pacemaker, crm_mon's XML replaces cl_status (the cluster's view, the same from either node)."""
    cluster = PROBE_REST if stack != "pacemaker" else PROBE_PLACES + CRM_PART
    script = (PROBE_HEAD + DRBD_AUTO + cluster
              + f'; case "$d" in *StandAlone*) echo @@ha-wizard:klog; {shlex.join(KERNEL_LOG)};; esac')
    for name, c in checks:
        script += f"; echo {shlex.quote('@@ha-wizard:' + HEALTH + name)}; {shlex.join(c.probe)} 2>&1; echo rc=$?"
    return ("sh", "-c", script)


@dataclass(frozen=True)
class NodeState:
    node: str
    error: str = ""  # why it could not be read ("" = read)
    device: DrbdDevice | None = None
    drbd_loaded: bool = False
    mounted: str = ""  # the device mounted on the mount point
    has_vip: bool = False
    hb_running: bool = False
    holds: str = "?"  # cl_status rscstatus: all | local | foreign | none | transition | ?
    split_brain_logged: bool = False
    health: tuple[tuple[str, Verdict], ...] = ()
    crm: CrmState | None = None  # Pacemaker: crm_mon as this node sees the cluster

    @property
    def role(self) -> str:
        return self.device.roles[0] if self.device and self.device.roles else "Unconfigured"

    def to_json(self) -> dict[str, Any]:
        if self.error:
            return {"node": self.node, "error": self.error}
        out = {"node": self.node, "drbd_loaded": self.drbd_loaded,
               "device": self.device.to_json() if self.device else None, "role": self.role,
               "mounted": self.mounted, "has_vip": self.has_vip, "heartbeat_running": self.hb_running,
               "holds": self.holds, "split_brain_logged": self.split_brain_logged,
               "health": {n: {"ok": v.ok, "state": v.state} for n, v in self.health}}
        if self.crm is not None:
            c = self.crm
            out["pacemaker"] = {"running": c.running, "error": c.error, "online": list(c.online),
                                "standby": list(c.standby), "promoted": list(c.promoted),
                                "unpromoted": list(c.unpromoted), "group_on": list(c.group_on),
                                "stonith_enabled": c.stonith_enabled, "failed": list(c.failed)}
        return out


def _rc_body(text: str) -> Result:
    body, _, rc = text.rstrip().rpartition("rc=")
    return Result(int(rc) if rc.isdigit() else 1, body if rc.isdigit() else text, "")


def node_state(node: str, r: Result, w: Watched, conditions: Conditions) -> NodeState:
    """One node's state from its ``pair_probe`` output; the health checks judged by the engine's conditions."""
    if r.rc in (124, 255) and "@@ha-wizard:" not in r.out:
        return NodeState(node, error=(r.err.strip().splitlines() or [f"exit {r.rc}"])[-1] or "no answer")
    parts = sections(r.out)
    drbd = parts.get("drbd", "")
    v = view(r.out, str(w.minor), w.mount_point, w.vip)
    clue, _ = latest_clue(parts.get("klog", ""))
    health = tuple((name, conditions.evaluate(c.until, _rc_body(parts.get(HEALTH + name, "")), c.args))
                   for name, c in w.checks)
    crm = read_crm_mon(parts.get("crm", ""), w.clone) if w.stack == "pacemaker" else None
    return NodeState(node, "", read_status(drbd).device(w.minor), bool(drbd.strip()), v.mounted, v.has_vip,
                     v.running, v.holds, clue == "split-brain", health, crm)


def offline(node: str, why: str) -> NodeState:
    return NodeState(node, error=why or "not reachable")


@dataclass(frozen=True)
class PairState:
    nodes: tuple[NodeState, ...]
    watched: Watched
    banner: str = ""  # StandAlone / split-brain, with the recovery command
    warnings: tuple[str, ...] = field(default=())

    @property
    def vip_holders(self) -> list[str]:
        return [n.node for n in self.nodes if not n.error and n.has_vip]

    @property
    def serving(self) -> list[str]:
        """The nodes the cluster manager says hold the resources: Heartbeat's cl_status rscstatus, or where
        crm_mon shows the service group started."""
        if self.watched.stack == "pacemaker":
            return [n.node for n in self.nodes if not n.error and n.crm is not None and n.node in n.crm.group_on]
        return [n.node for n in self.nodes if not n.error and n.hb_running and n.holds in HOLDING]

    def to_json(self) -> dict[str, Any]:
        return {"nodes": {n.node: n.to_json() for n in self.nodes}, "vip": self.watched.vip,
                "vip_holders": self.vip_holders, "resources_on": self.serving, "banner": self.banner,
                "warnings": list(self.warnings)}


def _banner(a: NodeState, b: NodeState, w: Watched) -> str:
    if a.error or b.error:
        return ""
    sa, sb_ = (NodeSide(n.node, n.device, n.split_brain_logged, n.has_vip) for n in (a, b))
    sb = assess(sa, sb_, w.master)
    if sb is not None:
        return sb.sentence(w.resource)
    alone = [n.node for n in (a, b) if n.device is not None and n.device.cs == "StandAlone"]
    if alone:
        return (f"DRBD is StandAlone on {' and '.join(alone)}: the nodes no longer replicate {w.resource} and "
                f"will not reconnect by themselves. A split-brain is recovered with `{RECOVER}` (it says "
                "which node's changes it would discard and asks first); `ha-wizard doctor` explains other causes.")
    return ""


def _warnings(ps: list[NodeState], w: Watched) -> list[str]:
    out: list[str] = []
    up = [n for n in ps if not n.error]
    primaries = [n.node for n in up if n.role == "Primary"]
    if len(primaries) > 1:
        out.append(f"both nodes are DRBD Primary ({', '.join(primaries)}): only one may write the disk")
    holders = [n.node for n in up if n.has_vip]
    if len(holders) > 1:
        out.append(f"the service address {w.vip} is on both nodes")
    elif not holders and len(up) == len(ps):
        out.append(f"the service address {w.vip} is on no node: the service is down for its clients")
    crm = [n.crm for n in up if n.crm is not None and n.crm.running]
    if any(c.stonith_enabled is False for c in crm):
        out.append("STONITH is disabled (stonith-enabled=false): if the nodes lose each other while both live, "
                   "both may run the services (docs/pacemaker.md, Fencing)")
    failed = sorted({r for c in crm for r in c.failed})
    if failed:
        out.append(f"Pacemaker marks {', '.join(failed)} failed: `crm_mon -1` says where; `crm resource refresh` "
                   "once the cause is fixed")
    for n in up:
        if n.has_vip:
            for name, verdict in n.health:
                if not verdict.ok:
                    out.append(f"{name} does not answer on {n.node}, which holds the address: {verdict.state}")
    return out


def pair_state(states: Sequence[NodeState], w: Watched) -> PairState:
    """Both nodes judged together: the banner when DRBD stopped replicating, and what looks wrong."""
    a, b = states[0], states[1]
    return PairState(tuple(states), w, _banner(a, b, w), tuple(_warnings(list(states), w)))


# --- as text (the CLI prints it; the TUI shows the same rows) --------------------------------------------

def _sync(d: DrbdDevice | None) -> str:
    if d is None or d.cs not in SYNCING:
        return "-"
    pct = f"{d.sync_percent:.1f}%" if d.sync_percent is not None else "?%"
    speed = f" {d.speed_kib_s / 1024:.1f} MiB/s" if d.speed_kib_s else ""
    return f"{pct}{speed}" + (f", {d.finish} left" if d.finish else "")  # the state is on the row above


def _oos(d: DrbdDevice | None) -> str:
    if d is None or d.oos_kib is None:
        return "-"
    kib = d.oos_kib
    return f"{kib} KiB" if kib < 10 * 1024 else f"{kib / 1024:.1f} MiB"


def _health(n: NodeState, name: str) -> str:
    v = dict(n.health).get(name)
    if v is None:
        return "?"
    return "answers" if v.ok else ("down" if not n.has_vip else "NOT ANSWERING")


def rows(ps: PairState) -> list[tuple[str, ...]]:
    """(label, node 1's cell, node 2's cell) for each line of the view."""
    w = ps.watched
    out: list[tuple[str, ...]] = [("", *(n.node + (" (master)" if n.node == w.master else "") for n in ps.nodes))]

    def row(label: str, cell: Any) -> None:
        out.append((label, *(("NOT REACHABLE" if label == "DRBD role" else "") if n.error else cell(n)
                             for n in ps.nodes)))

    row("DRBD role", lambda n: n.role if n.drbd_loaded else "DRBD not loaded")
    row("connection", lambda n: n.device.cs if n.device else "-")
    row("disks", lambda n: "/".join(n.device.disk_states) if n.device else "-")
    row("resync", lambda n: _sync(n.device))
    row("out of sync", lambda n: _oos(n.device))
    if w.stack == "pacemaker":
        row("Pacemaker", lambda n: n.crm.node_words(n.node) if n.crm is not None else "?")
    else:
        row("Heartbeat", lambda n: f"running, holds {n.holds}" if n.hb_running else "not running")
    row(w.mount_point, lambda n: n.mounted or "not mounted")
    row(w.vip, lambda n: "HERE" if n.has_vip else "-")
    for name, _ in w.checks:
        row(name, lambda n, name=name: _health(n, name))
    return out


def table(ps: PairState, width: int = 80) -> list[str]:
    """The rows as aligned lines of at most ``width`` characters, and where the resources run."""
    col = max(10, (width - 14) // 2)
    lines = [(f"{label[:13]:<14}" + "".join(f"{c[:col - 1]:<{col}}" for c in cells)).rstrip()
             for label, *cells in rows(ps)]
    on = ", ".join(ps.serving) or "no node"
    lines.append(f"resources on {on}; {ps.watched.vip} on {', '.join(ps.vip_holders) or 'no node'}")
    return lines


def notes(ps: PairState) -> list[str]:
    """What needs a look, one sentence each: a node not read, then the warnings."""
    return [f"{n.node}: {n.error}" for n in ps.nodes if n.error] + list(ps.warnings)


def text(ps: PairState, width: int = 80) -> list[str]:
    """The view as lines of at most ``width`` characters: the banner first, then the table, then the notes."""
    import textwrap

    lines: list[str] = []
    if ps.banner:
        lines += textwrap.wrap("!! " + ps.banner, width, subsequent_indent="   ")
    lines += table(ps, width)
    for note in notes(ps):
        lines += textwrap.wrap("! " + note, width, subsequent_indent="  ")
    return lines
