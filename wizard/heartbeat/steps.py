"""Heartbeat on both nodes: its three files (step 12 of the tutorial), starting it (step 13), and the proof
from the nodes' real state that the master holds everything and the peer stands by.

The files step ends by reading back every file's sha256: the same digest on both nodes proves the copies
byte-identical, as Heartbeat requires. Service health checks come from the caller (the services part owns
them), so this part knows no service.
"""

from __future__ import annotations

from wizard.core.actions import Action, Check, Run, Step, WaitFor
from wizard.core.conditions import checksum_checks, verify_written
from wizard.core.plan import PlanContext
from wizard.core.verify import NodeState, ServiceChecks, active_step, standby_step
from wizard.heartbeat import render
from wizard.heartbeat.agents import chain_note, init_system
from wizard.heartbeat.boot import handover
from wizard.heartbeat.conditions import cluster_probe

# Starting Heartbeat until the master holds everything: initdead (waiting for the peer) plus the resource
# scripts, which take 4-7 s each under emulation (docs/heartbeat.md).
ACQUIRE_S = 180.0



def heartbeat_files_step(ctx: PlanContext, node: str) -> Step:
    files = render.heartbeat_files(ctx, node)
    return Step(
        id=f"heartbeat-files@{node}", kind="heartbeat-files",
        title="Heartbeat files: ha.cf, haresources, authkeys" + (
            ", the mount and address scripts" if render.agent_files(ctx) else ""), host=node,
        actions=(*files, verify_written(files)), checks=checksum_checks(files),
        why="Heartbeat needs the same three files on both nodes: who the nodes are and how they hear each "
            "other (ha.cf), what moves on failover (haresources), and the shared key (authkeys, mode 600)" + (
                "; ha-wizard's mount and address scripts take a few tenths of a second where resource-agents' "
                "Filesystem and IPaddr2 take seconds (docs/heartbeat.md)" if render.agent_files(ctx) else "") +
            ". Resource chain, from the agents found: " + chain_note(ctx, node) + ".",
    )


def probe(ctx: PlanContext) -> tuple[str, ...]:
    return cluster_probe(ctx.drbd_family, ctx.spec.drbd.resource)


def start_argv(ctx: PlanContext, node: str) -> tuple[str, ...]:
    if init_system(ctx, node) == "systemd":
        return ("systemctl", "start", "heartbeat.service")
    return ("/etc/init.d/heartbeat", "start")


def heartbeat_start_step(ctx: PlanContext, node: str) -> Step:
    first = node == ctx.spec.master
    actions: list[Action] = [handover(ctx, render.services(ctx))] if first else []
    actions += [Run(start_argv(ctx, node), timeout=120, explain=(
                    (1, "Heartbeat did not start: /var/log/ha-log on this node says why (a node name that is not "
                        "`uname -n`, authkeys not mode 600, a media line on a missing interface)"),)),
                WaitFor(probe(ctx), "ha-running", timeout=60, interval=1, what="Heartbeat running")]
    return Step(
        id=f"heartbeat-start@{node}", kind="heartbeat-start", title="start Heartbeat", host=node,
        actions=tuple(actions), checks=(Check(probe(ctx), "ha-running"),),
        why=("The tutorial's `/etc/init.d/heartbeat start`, master first. What the earlier steps left on the "
             "master (the disk Primary and mounted) is released just before, so Heartbeat acquires the whole "
             "chain itself: DRBD Primary, the mount, the address, the services." if first else
             "The peer joins right after the master and stands by."),
    )


def _active_args(ctx: PlanContext) -> tuple[str, ...]:
    s = ctx.spec
    return (str(s.drbd.minor), s.drbd.device, s.storage.mount_point, s.service.vip)


def _standby_args(ctx: PlanContext) -> tuple[str, ...]:
    s = ctx.spec
    return (str(s.drbd.minor), s.storage.mount_point, s.service.vip)


def verify_active_step(ctx: PlanContext, services: ServiceChecks = ()) -> Step:
    """The master holds DRBD Primary, the mount, the address and the services; ``services`` are the health
    checks of the enabled services (from the services part)."""
    s = ctx.spec
    state = NodeState(probe(ctx), "ha-active", _active_args(ctx), s.heartbeat.initdead + ACQUIRE_S,
                      f"{s.master} holding DRBD Primary, {s.storage.mount_point}, {s.service.vip}")
    return active_step("heartbeat", s.master, state, "Read from the node itself: DRBD role, /proc/mounts, `ip -o "
                       "addr`, `cl_status rscstatus`, and each service's own answer. Then try a failover: "
                       "`ha-wizard failover-test --graceful`.", services)


def verify_standby_step(ctx: PlanContext) -> Step:
    s = ctx.spec
    p = s.peer_node.name
    state = NodeState(probe(ctx), "ha-standby", _standby_args(ctx), 60, f"{p} Secondary, nothing mounted, no "
                      f"{s.service.vip}")
    return standby_step("heartbeat", p, "Secondary", state, f"The peer watches {s.master} and holds nothing until it "
                        f"dies or stands by: it is Secondary, has nothing on {s.storage.mount_point}, no "
                        f"{s.service.vip}, and `cl_status` agrees.")
