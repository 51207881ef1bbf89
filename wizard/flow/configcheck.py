"""Every configuration file the plan writes, checked before anything is written on either node.

DRBD files go through drbd-utils' own parser (``wizard.drbd.confcheck``); Heartbeat files through the
rules Heartbeat enforces when it starts (``wizard.heartbeat.confcheck``); files that must be identical on
both nodes are compared; on the Pacemaker stack Corosync's files and the CIB script go through
``wizard.pacemaker.confcheck`` (corosync -t, crmsh, crm_verify). Entry points: ``check_plan_files(ctx, steps)``
(all problems, notes included) and ``require_valid`` (raises ``ConfigCheckFailed`` when any problem is fatal,
returns the notes); ``require_valid_files`` checks the files `render` writes, without a plan.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from wizard.core.actions import Step, WriteFile
from wizard.core.plan import PlanContext
from wizard.drbd.confcheck import DRBD_CONF, check_drbd_files, check_drbd_values
from wizard.errors import ConfigCheckFailed, Problem
from wizard.heartbeat.agents import agent_problems
from wizard.heartbeat.confcheck import check_heartbeat, check_identical
from wizard.pacemaker.confcheck import check_pacemaker_files
from wizard.preflight.install import installs_base


def files_by_node(steps: Sequence[Step]) -> dict[str, dict[str, WriteFile]]:
    out: dict[str, dict[str, WriteFile]] = {}
    for step in steps:
        for a in step.actions:
            if isinstance(a, WriteFile):
                out.setdefault(step.host, {})[a.path] = a
    return out


def check_plan_files(ctx: PlanContext, steps: Sequence[Step], *,
                     uname_by_node: dict[str, str] | None = None, run_drbdadm: bool = True) -> list[Problem]:
    """Every problem in the configuration files the plan writes, fatal ones and notes."""
    files = files_by_node(steps)
    names = [n.name for n in ctx.spec.nodes]
    problems = check_drbd(ctx, files, run_drbdadm=run_drbdadm)
    if ctx.stack == "pacemaker":
        return problems + check_pacemaker_files(ctx, files, run_tools=run_drbdadm)
    problems += check_heartbeat(ctx, files, uname_by_node=uname_by_node)
    problems += check_identical(files, names)
    for p in agent_problems(ctx):
        if installs_base(ctx.spec, ctx.facts, p.node):  # the agents come with the packages the plan installs
            p = dataclasses.replace(p, fatal=False, message=f"{p.message} (checked again once install@{p.node} "
                                                            "has run)")
        problems.append(p)
    return problems


def check_drbd(ctx: PlanContext, files: dict[str, dict[str, WriteFile]], *, run_drbdadm: bool = True) -> list[Problem]:
    """The DRBD files of every node: the rules, and drbd-utils' parser once for identical copies."""
    names = [n.name for n in ctx.spec.nodes]
    problems = check_drbd_values(ctx)
    checked: dict[tuple[tuple[str, str], ...], list[Problem]] = {}
    for node in names:
        drbd = {p: f.content for p, f in files.get(node, {}).items() if p == DRBD_CONF or p.startswith("/etc/drbd.d/")}
        if not drbd:
            continue
        if DRBD_CONF in drbd and ctx.drbd_family != "8.3" and 'include "drbd.d/*.res"' not in drbd[DRBD_CONF]:
            problems.append(Problem(DRBD_CONF, "does not include drbd.d/*.res: drbdadm would never read the resource",
                                    node=node))
        key = tuple(sorted(drbd.items()))
        if run_drbdadm and key not in checked:
            # Both nodes get the same files: parsed once, reported once (node "" = both).
            checked[key] = check_drbd_files(drbd, ctx.drbd_family)
    for found in checked.values():
        problems.extend(found)
    return problems


def require_valid(ctx: PlanContext, steps: Sequence[Step], *,
                  uname_by_node: dict[str, str] | None = None) -> list[Problem]:
    """Raise ConfigCheckFailed if any problem is fatal; otherwise return the notes (checks skipped)."""
    problems = check_plan_files(ctx, steps, uname_by_node=uname_by_node)
    fatal = [p for p in problems if p.fatal]
    if fatal:
        raise ConfigCheckFailed(fatal)
    return problems


def require_valid_files(ctx: PlanContext, files: dict[str, dict[str, WriteFile]], *,
                        run_tools: bool = True) -> list[Problem]:
    """The Pacemaker stack's files per node, as `render` writes them: raise ConfigCheckFailed on a fatal
    problem, return the notes."""
    problems = check_drbd(ctx, files, run_drbdadm=run_tools)
    problems += check_pacemaker_files(ctx, files, run_tools=run_tools)
    fatal = [p for p in problems if p.fatal]
    if fatal:
        raise ConfigCheckFailed(fatal)
    return problems
