"""Split-brain, composed: both nodes' DRBD state and kernel log, the default victim, and the recovery steps
run by the engine (which asks for the typed consent), Heartbeat stopped and started around it."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path

from wizard.core.answers import load_answers
from wizard.core.engine import Confirmer, Engine
from wizard.core.events import EventBus, Output, StepFinished, StepStarted
from wizard.core.journal import Journal
from wizard.core.secrets import Redactor
from wizard.drbd.splitbrain import SplitBrain, assess, recovery_steps, side
from wizard.errors import WizardError
from wizard.executors.base import Executor
from wizard.flow import registry
from wizard.flow.drill import connect, drbd_family_of
from wizard.flow.session import Options


def status_argv(family: str, resource: str) -> list[str]:
    return ["drbdsetup", "status", "--json", resource] if family == "9" else ["cat", "/proc/drbd"]


def find(spec_answers: str | Path, executors: dict[str, Executor], family: str) -> SplitBrain | None:
    spec, _ = load_answers(spec_answers)
    sides = [side(executors[n.name], spec.drbd.minor, spec.service.vip,
                  executors[n.name].probe(status_argv(family, spec.drbd.resource)).out) for n in spec.nodes]
    return assess(sides[0], sides[1], spec.master)


def recover(answers: str | Path, options: Options, *, confirm: Confirmer, discard: str | None,
            say: Callable[[str], None]) -> int:
    spec, _ = load_answers(answers)
    here, executors = connect(spec, options)
    try:
        family = drbd_family_of(*executors.values())
        sb = find(answers, executors, family)
        if sb is None:
            say("No split-brain: DRBD shows no disconnected pair with a logged split-brain "
                "(`ha-wizard status` shows the state).")
            return 0
        if discard:
            if discard not in executors:
                raise WizardError(f"--discard {discard}: not one of the nodes ({', '.join(executors)})")
            if discard != sb.victim:
                sb = SplitBrain(discard, sb.victim, "named with --discard")
        say(sb.sentence(spec.drbd.resource))
        steps = recovery_steps(sb, family=family, resource=spec.drbd.resource, minor=spec.drbd.minor,
                               mount_point=spec.storage.mount_point,
                               stop_stack=("systemctl", "stop", "heartbeat.service"),
                               start_stack=("systemctl", "start", "heartbeat.service"))
        bus = EventBus()

        def show(e: object) -> None:
            if isinstance(e, StepStarted):
                say(f"[{e.host}] {e.title}")
            elif isinstance(e, Output):
                say(f"  {e.text}")
            elif isinstance(e, StepFinished):
                say(f"  -> {e.status}{': ' + e.detail if e.detail else ''}")

        bus.subscribe(show)
        journal = Journal.open(tempfile.mkdtemp(prefix="ha-wizard-split-brain-"))
        Engine(executors, journal, redactor=Redactor([]), confirm=confirm, bus=bus,
               conditions=registry.conditions()).run(steps)
        say(f"Recovered: {sb.victim} resynced from {sb.survivor} and stands by again.")
        return 0
    finally:
        for ex in executors.values():
            ex.close()
