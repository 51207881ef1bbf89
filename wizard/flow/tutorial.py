"""The tutorial's steps in order, across the parts: the missing packages installed, nodes, DRBD, services,
then the cluster manager (Heartbeat, or Pacemaker + Corosync: ``ctx.stack``) started and verified
(the failover drill itself is ``ha-wizard failover-test``: it interrupts the service, so it runs on request).

Each part builds its own steps (pure functions of the ``PlanContext``); this module only orders them,
master first where a step runs on both nodes.
"""

from __future__ import annotations

from wizard.core.actions import Step, WriteFile
from wizard.core.plan import PlanContext
from wizard.drbd import render as drbd_render
from wizard.drbd import steps as drbd
from wizard.heartbeat import boot
from wizard.heartbeat import render as heartbeat_render
from wizard.heartbeat import steps as heartbeat
from wizard.nodes import steps as nodes
from wizard.pacemaker import steps as pacemaker
from wizard.pacemaker.render import pacemaker_files
from wizard.preflight.install import install_steps
from wizard.services import steps as services
from wizard.services.health import health_checks


def build_plan(ctx: PlanContext) -> list[Step]:
    m, p = ctx.order
    # the missing packages first: every later step, and the checks apply makes before them, need their tools
    steps: list[Step] = install_steps(ctx.spec, ctx.facts)
    steps += [nodes.hosts_step(ctx, n) for n in (m, p)]
    steps += [nodes.mountpoint_step(ctx, n) for n in (m, p)]
    steps += [drbd.drbd_config_step(ctx, n) for n in (m, p)]
    steps += [drbd.create_md_step(ctx, n) for n in (m, p)]
    steps += [drbd.up_step(ctx, n) for n in (m, p)]
    steps.append(drbd.wait_connected_step(ctx))
    steps += drbd.first_primary_steps(ctx)
    steps.append(drbd.wait_sync_step(ctx))
    steps.append(drbd.mkfs_step(ctx))
    steps.append(drbd.mount_step(ctx))
    steps += services.services_steps(ctx)
    if ctx.stack == "pacemaker":
        steps += pacemaker.pacemaker_steps(ctx, health_checks(ctx))
    else:
        steps += [heartbeat.heartbeat_files_step(ctx, n) for n in (m, p)]
        steps += [boot.drbd_boot_step(ctx, n) for n in (m, p)]
        steps += [heartbeat.heartbeat_start_step(ctx, n) for n in (m, p)]
        steps.append(heartbeat.verify_active_step(ctx, health_checks(ctx)))
        steps.append(heartbeat.verify_standby_step(ctx))
    ids = [s.id for s in steps]
    assert len(ids) == len(set(ids)), f"duplicate step ids: {ids}"
    return steps


def node_files(ctx: PlanContext, node: str) -> list[WriteFile]:
    """Every configuration file the parts render for ``node``, for the plan's stack (for review, `render`
    and the golden tests)."""
    if ctx.stack == "pacemaker":
        return [*drbd_render.drbd_files(ctx, node), *pacemaker_files(ctx, node)]
    return [*drbd_render.drbd_files(ctx, node), *heartbeat_render.heartbeat_files(ctx, node)]
