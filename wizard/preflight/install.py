"""Missing packages, installed as the plan's first steps: ``install@NODE`` runs the node's package manager
(apt-get with DEBIAN_FRONTEND=noninteractive, so no debconf question can hang a headless run) for drbd-utils,
the cluster stack's packages (heartbeat; or pacemaker, corosync, crmsh, resource-agents) and the enabled
recipes' packages that the node lacks.

Pure: facts in, steps out. A step is done only when the node's package database lists every package
(dpkg-query, or rpm), so resume proves it on the host. What needs the packages' tools (each node's drbdadm,
Heartbeat's resource agents, the services' versions and paths) is checked after these steps have run
(``wizard.flow.runner.apply``); a package that no repository offers is refused by the preflight instead.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from wizard.core.actions import Check, Run, Step
from wizard.core.spec import Spec
from wizard.errors import WizardError
from wizard.nodes.facts import NodeFacts
from wizard.nodes.gather import BASE_PACKAGES, STACK_PACKAGES, packages_for
from wizard.pacemaker.stack import resolve_stack
from wizard.services.conditions import packages_probe

KIND = "install"
APT_EXPLAIN = ((100, "apt-get could not install the packages (the lines above say why: a package no repository "
                     "offers, a broken source list, no network to the mirror, or another apt holding the lock). "
                     "Fix that, or install the packages by hand, then run `ha-wizard resume`."),)


def install_actions(node: str, packages: Sequence[str], manager: str | None) -> list[Run]:
    """The commands that install ``packages`` on ``node`` with its package manager (dry-run shows them)."""
    pkgs = tuple(packages)
    if not pkgs:
        return []
    if manager == "apt-get":
        env = (("DEBIAN_FRONTEND", "noninteractive"),)
        return [Run(("apt-get", "update"), timeout=900, env=env, explain=APT_EXPLAIN),
                Run(("apt-get", "install", "-y", *pkgs), timeout=1800, env=env, explain=APT_EXPLAIN)]
    if manager in ("dnf", "yum"):
        return [Run((manager, "install", "-y", *pkgs), timeout=1800)]
    if manager == "zypper":
        return [Run(("zypper", "--non-interactive", "install", *pkgs), timeout=1800)]
    raise WizardError(f"no package manager (apt-get, dnf, yum or zypper) found on {node}: install "
                      f"{', '.join(pkgs)} by hand")


def installed_check(packages: Sequence[str], db: str | None) -> Check:
    """Proof on the node that every package is installed (any version): its package database says so."""
    if db == "rpm":
        return Check(("rpm", "-q", *packages), "exit-zero")
    return Check(packages_probe(tuple(packages)), "packages-match", tuple(f"{p}=" for p in packages))


def stack_packages(spec: Spec, facts: Mapping[str, object]) -> tuple[str, ...]:
    """The packages the plan needs on both nodes, for the stack the answers resolve to with these facts."""
    stack, _ = resolve_stack(spec.stack, facts, [n.name for n in spec.nodes])
    return packages_for(spec, stack)


def planned(spec: Spec, facts: Mapping[str, object]) -> dict[str, tuple[str, ...]]:
    """node -> the packages the plan installs on it: those missing on a reached node with a package manager
    (master first). A node whose package database could not be read gets none (the preflight says so)."""
    out: dict[str, tuple[str, ...]] = {}
    wanted = stack_packages(spec, facts)
    for name in (spec.master, spec.peer_node.name):
        nf = facts.get(name)
        if not isinstance(nf, NodeFacts) or not nf.reached or nf.package_manager is None:
            continue
        missing = nf.missing_packages(wanted) or []
        if missing:
            out[name] = tuple(missing)
    return out


def install_steps(spec: Spec, facts: Mapping[str, object]) -> list[Step]:
    """One step per node that misses packages (master first): the plan's first steps."""
    steps = []
    for name, missing in planned(spec, facts).items():
        nf = facts[name]
        assert isinstance(nf, NodeFacts)
        steps.append(Step(
            id=f"install@{name}", kind=KIND, title=f"install {', '.join(missing)}", host=name,
            actions=tuple(install_actions(name, missing, nf.package_manager)),
            checks=(installed_check(missing, nf.package_db),),
            why="The tutorial assumes DRBD, the cluster manager and the services are installed on both nodes; the "
                "checks that need their tools run after this step."))
    return steps


def installs_base(spec: Spec, facts: Mapping[str, object], node: str) -> bool:
    """The plan installs drbd-utils or a cluster stack on ``node``: their tools and agents are not there yet."""
    base = {*BASE_PACKAGES, *(p for pkgs in STACK_PACKAGES.values() for p in pkgs)}
    return bool(set(planned(spec, facts).get(node, ())) & base)


def note(spec: Spec, facts: Mapping[str, object]) -> str:
    """One sentence for the plan's header, or "" when nothing is to be installed."""
    plan = planned(spec, facts)
    if not plan:
        return ""
    what = "; ".join(f"{', '.join(pkgs)} on {node}" for node, pkgs in plan.items())
    return f"installed first: {what} (the checks that need them run after that)"
