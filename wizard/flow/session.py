"""One run of the wizard: answers → spec + secrets → executors → facts → plan.

The CLI commands and the TUI both open a Session; neither builds executors or plans by itself.
"""

from __future__ import annotations

import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from wizard.core import secrets as secrets_mod
from wizard.core.actions import Step
from wizard.core.answers import load_answers
from wizard.core.plan import PlanContext
from wizard.core.secrets import Redactor, Secrets
from wizard.core.spec import SecretsInAnswers, Spec
from wizard.errors import UnreachableError, WizardError
from wizard.executors.base import Executor
from wizard.executors.dryrun import DryRunExecutor
from wizard.executors.local import LocalExecutor
from wizard.executors.ssh import HostKeyDecider, SshExecutor
from wizard.flow.tutorial import build_plan

DEMO_REASON = "the tutorial's example network (demo = true in the answers), never contacted"


@dataclass
class Options:
    dry_run: bool = False
    offline: bool = False  # contact nothing but this machine
    journal_dir: str | None = None  # overrides [wizard] journal_dir
    known_hosts: str | None = None
    identity: str | None = None
    accept_host_key: str | None = None  # fingerprint trusted headless
    ask_host_key: Callable[[str, list[str]], bool] | None = None  # interactive decision


@dataclass
class Session:
    spec: Spec
    secrets: Secrets
    secrets_new: bool
    options: Options
    executors: dict[str, Executor] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)  # plain remarks shown above the plan
    context: PlanContext | None = None
    refreshed: bool = False  # the facts were gathered again after the plan was made (``refresh``)

    @property
    def journal_dir(self) -> str:
        return self.options.journal_dir or self.spec.wizard.journal_dir

    @property
    def redactor(self) -> Redactor:
        return Redactor(self.secrets.values())

    def plan(self) -> list[Step]:
        assert self.context is not None
        return build_plan(self.context)

    def refresh(self) -> None:
        """Gather the facts again (the plan's install steps changed what the nodes have); the plan follows."""
        assert self.context is not None
        kept = {k: v for k, v in self.context.facts.items() if k == "link_rate"}
        self.context = plan_context(self.spec, self.secrets, self.executors, kept)
        self.refreshed = True

    def close(self) -> None:
        for ex in self.executors.values():
            ex.close()


def open_session(answers: str | Path, options: Options, *, connect: bool = True) -> Session:
    spec, given = load_answers(answers)
    return session_for(spec, given, options, connect=connect)


def session_for(spec: Spec, given: SecretsInAnswers, options: Options, *, connect: bool = True) -> Session:
    journal_dir = options.journal_dir or spec.wizard.journal_dir
    secrets, new = secrets_mod.resolve(given, journal_dir)
    s = Session(spec, secrets, new, options)
    if connect:
        s.executors = _executors(spec, options, s.notes)
    s.context = plan_context(spec, secrets, s.executors)
    from wizard.preflight.install import note

    if said := note(spec, s.context.facts):
        s.notes.append(said)
    return s


def plan_context(spec: Spec, secrets: Secrets, executors: dict[str, Executor],
                 kept: dict[str, object] | None = None) -> PlanContext:
    """Both nodes' facts gathered (one round trip each), their services, the DRBD syntax: what the plan is
    built from. ``kept``: facts carried over from an earlier context (the measured link rate)."""
    from wizard.drbd.family import detect_family
    from wizard.nodes.gather import gather_all
    from wizard.pacemaker.stack import resolve_stack

    facts: dict[str, object] = dict(kept or {})
    if executors:
        facts.update(gather_all(spec, executors))
        facts.update(service_facts(spec, executors))
    family, source = detect_family(spec, executors, facts or None)
    stack, why = resolve_stack(spec.stack, facts, [n.name for n in spec.nodes])
    return PlanContext(spec=spec, secrets=secrets, drbd_family=family, drbd_family_source=source, facts=facts,
                       stack=stack, stack_source=why)


def service_facts(spec: Spec, executors: dict[str, Executor]) -> dict[str, object]:
    """What the nodes have of the enabled recipes (``wizard.services.discover``), one round trip each."""
    from wizard.services.discover import FACTS_KEY, discover_all
    from wizard.services.recipes import enabled_recipes

    recipes = enabled_recipes(spec)
    return {FACTS_KEY: discover_all(spec, executors, recipes)} if recipes else {}


def _host_key_decider(options: Options) -> HostKeyDecider | None:
    if options.accept_host_key:
        want = options.accept_host_key.strip()

        def decide(label: str, prints: list[str]) -> bool:
            return any(p.split()[0] == want for p in prints)

        return decide
    return options.ask_host_key


def _executors(spec: Spec, options: Options, notes: list[str]) -> dict[str, Executor]:
    master, peer = spec.master_node, spec.peer_node
    local: Executor = LocalExecutor(master.name)
    remote: Executor | None = None
    why = ""
    if spec.demo:
        why = DEMO_REASON
        if not options.dry_run:
            raise WizardError(
                f"{spec.source or 'these answers'} is the tutorial's demo (demo = true): copy it, put in your "
                "own servers' names, addresses and partitions, delete the 'demo' line, then run apply again")
    elif options.offline:
        why = "--offline"
    else:
        try:
            remote = SshExecutor(peer.name, peer.ssh or peer.address, user=peer.ssh_user, port=peer.ssh_port,
                                 known_hosts=options.known_hosts, identity=options.identity,
                                 decide_host_key=_host_key_decider(options))
        except WizardError as e:
            if not options.dry_run:
                raise
            why = str(e)
    if options.dry_run:
        if why:
            notes.append(f"{peer.name}: not contacted — {why}")
        return {master.name: DryRunExecutor(master.name, local),
                peer.name: DryRunExecutor(peer.name, remote, why)}
    if remote is None:
        raise UnreachableError(f"{peer.name} is not reachable ({why})")
    return {master.name: local, peer.name: remote}


def check_master_identity(spec: Spec, ex: Executor) -> str | None:
    """A plain sentence when this machine is not the master named in the answers."""
    r = ex.probe(["uname", "-n"])
    name = r.out.strip() if r.ok else socket.gethostname()
    if name != spec.master:
        return (f"this machine is '{name}' but the answers say the master is '{spec.master}': run ha-wizard on "
                f"{spec.master}, or set cluster.master and that node's name to '{name}' (`uname -n`)")
    return None
