"""``undo-services`` as a run: the services' undo steps through the same engine and journal as apply."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from wizard.core.actions import Step
from wizard.core.engine import Confirmer, Engine, RunSummary
from wizard.core.events import EventBus
from wizard.core.journal import Journal
from wizard.core.plan import PlanContext
from wizard.errors import WizardError
from wizard.flow import registry
from wizard.flow.session import Session, check_master_identity


def undo_plan(session: Session, names: Sequence[str]) -> list[Step]:
    assert session.context is not None
    if not session.spec.recipes:
        raise WizardError(f"{session.spec.source or 'the answers'} enables no service ([recipes] enabled is empty): "
                          "there is nothing to put back")
    return undo_steps_for(session.context, names)


def undo_steps_for(ctx: PlanContext, names: Sequence[str]) -> list[Step]:
    """The services' undo steps, with the cluster stack told: Heartbeat's haresources rewritten after them,
    or Pacemaker's primitives removed before them (``wizard.pacemaker.undo``)."""
    from wizard.services.undo import undo_steps

    steps = undo_steps(ctx, names)
    undone = undone_names(steps)
    if ctx.stack == "pacemaker":
        from wizard.pacemaker.undo import services_out_of_cib

        return [*services_out_of_cib(ctx, undone), *steps]
    return [*steps, *haresources_without(ctx, set(undone))]


def undone_names(steps: Sequence[Step]) -> list[str]:
    """The services an undo plan puts back, in its order (from the undo steps' ids, ``undo-NAME@node``)."""
    return list(dict.fromkeys(s.id.split("@")[0].removeprefix("undo-") for s in steps if s.id.startswith("undo-")))


def haresources_without(ctx: PlanContext, undone: set[str]) -> list[Step]:
    """Heartbeat's files again on both nodes, with the undone services out of haresources: otherwise the next
    takeover would start them on the other node from its own, older folders. Heartbeat's ResourceManager reads
    haresources at each takeover, so the running cluster needs no restart."""
    from wizard.heartbeat.steps import heartbeat_files_step

    left = ctx.spec.recipes if not undone else tuple(r for r in ctx.spec.recipes if r not in undone)
    after = replace(ctx, spec=replace(ctx.spec, recipes=left))
    return [replace(heartbeat_files_step(after, n), id=f"haresources-after-undo@{n}",
                    title=f"haresources without {', '.join(sorted(undone))}",
                    why="Heartbeat no longer starts the services put back on the local disks: on a takeover the "
                        "other node would start them from its own, older folders.")
            for n in after.order]


def undo(session: Session, steps: Sequence[Step], *, confirm: Confirmer, bus: EventBus) -> RunSummary:
    if session.options.dry_run:
        raise AssertionError("undo() is never called in dry-run; describe the plan instead")
    wrong = check_master_identity(session.spec, session.executors[session.spec.master])
    if wrong:
        raise WizardError(wrong)
    engine = Engine(session.executors, Journal.open(session.journal_dir), redactor=session.redactor,
                    confirm=confirm, bus=bus, conditions=registry.conditions())
    return engine.run(steps)
