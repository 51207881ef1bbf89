"""``undo-services`` as a run: the services' undo steps through the same engine and journal as apply."""

from __future__ import annotations

from collections.abc import Sequence

from wizard.core.actions import Step
from wizard.core.engine import Confirmer, Engine, RunSummary
from wizard.core.events import EventBus
from wizard.core.journal import Journal
from wizard.errors import WizardError
from wizard.flow import registry
from wizard.flow.session import Session, check_master_identity


def undo_plan(session: Session, names: Sequence[str]) -> list[Step]:
    from wizard.services.undo import undo_steps

    assert session.context is not None
    if not session.spec.recipes:
        raise WizardError(f"{session.spec.source or 'the answers'} enables no service ([recipes] enabled is empty): "
                          "there is nothing to put back")
    return undo_steps(session.context, names)


def undo(session: Session, steps: Sequence[Step], *, confirm: Confirmer, bus: EventBus) -> RunSummary:
    if session.options.dry_run:
        raise AssertionError("undo() is never called in dry-run; describe the plan instead")
    wrong = check_master_identity(session.spec, session.executors[session.spec.master])
    if wrong:
        raise WizardError(wrong)
    engine = Engine(session.executors, Journal.open(session.journal_dir), redactor=session.redactor,
                    confirm=confirm, bus=bus, conditions=registry.conditions())
    return engine.run(steps)
