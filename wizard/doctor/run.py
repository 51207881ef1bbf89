"""One doctor run: read this node, work out the pair, reach the peer over one SSH connection, read it, check.

Both nodes are read through dry-run executors: their probes reach the node, any change would only be recorded
(and doctor asks for none; ``Examination.changes`` proves it). The SSH connection itself is made by the
caller's ``connect`` (the CLI, which owns host-key trust), so this part never decides whom to trust.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from wizard.core.secrets import Redactor
from wizard.core.spec import Spec
from wizard.doctor.checks import run_checks
from wizard.doctor.checks.services import package_of, script_of, service_paths
from wizard.doctor.discover import CannotRead, Target, from_answers, from_files
from wizard.doctor.finding import Finding
from wizard.doctor.pair import Pair
from wizard.doctor.probe import NodeSnapshot, read_node
from wizard.errors import UnreachableError, WizardError
from wizard.executors.base import Executor
from wizard.executors.dryrun import DryRunExecutor
from wizard.nodes.facts import unreached
from wizard.services.recipes import Recipe, load_recipes

# (peer's name, host, user, port) -> a connected executor; raises UnreachableError when nothing answers there
Connect = Callable[[str, str, str, int], Executor]


@dataclass
class Examination:
    pair: Pair
    findings: list[Finding]
    seconds: float
    redactor: Redactor
    tried: list[str] = field(default_factory=list)  # peer addresses tried before one answered
    changes: int = 0  # changes the executors were asked for: always 0

    @property
    def readable(self) -> bool:
        return self.pair.both


def _probe_lists(recipes: dict[str, Recipe]) -> dict[str, Any]:
    """What the probe asks besides the pair's files: the recipes' packages, and each service's paths (by the
    name haresources starts it with)."""
    return {"packages": sorted({package_of(script_of(r), r) for r in recipes.values()}),
            "service_paths": {script_of(r): list(service_paths(r)) for r in recipes.values()}}


def _reach(target: Target, connect: Connect, tried: list[str]) -> Executor | None:
    for host, where in target.hosts:
        try:
            return connect(target.name or host, host, target.user, target.port)
        except UnreachableError as e:
            tried.append(f"{host} (from {where}): {e}")
        except WizardError as e:  # an unknown host key: the admin must decide, doctor never does
            raise CannotRead(str(e)) from None
    return None


def examine(local: Executor, connect: Connect, *, spec: Spec | None = None, peer_host: str = "") -> Examination:
    """Read both nodes (one round trip each) and run every check. Raises CannotRead when this node cannot be
    read or the pair cannot be worked out; a peer that does not answer is a finding (``readable`` False)."""
    t0 = time.monotonic()
    recipes = load_recipes()
    lists = _probe_lists(recipes)
    mounts = [spec.storage.mount_point] if spec is not None else []
    here = DryRunExecutor(local.node, local)
    me = read_node(here, mount_points=mounts, **lists)
    if not me.reached:
        raise CannotRead(f"cannot read this machine: {me.facts.why_not}")
    intent, target = from_answers(spec, me) if spec is not None else from_files(me, peer_host)
    tried: list[str] = []
    remote = _reach(target, connect, tried)
    there = DryRunExecutor(target.name, remote, "; ".join(tried) or "no address to try")
    try:
        other = read_node(there, mount_points=mounts, **lists) if remote is not None else \
            NodeSnapshot(unreached(target.name, "; ".join(tried)), there.label)
    finally:
        there.close()
    if other.reached and other.facts.machine_id and other.facts.machine_id == me.facts.machine_id:
        raise CannotRead(f"{there.label} is this machine itself (same /etc/machine-id): the peer's address is wrong; "
                         "give the other node's address with --peer HOST")
    pair = Pair(me, other, intent, recipes)
    findings = run_checks(pair)
    redactor = Redactor(pair.secrets())
    return Examination(pair, findings, time.monotonic() - t0, redactor, tried,
                       changes=len(here.recorded) + len(there.recorded))
