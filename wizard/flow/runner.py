"""Apply and resume, shared by the CLI and the TUI: journal bookkeeping around the engine."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from wizard.core import secrets as secrets_mod
from wizard.core.actions import Step
from wizard.core.engine import Confirmer, Engine, RunSummary, step_digest
from wizard.core.events import EventBus
from wizard.core.journal import Journal
from wizard.drbd.diagnose import diagnose_wait
from wizard.errors import ConfigCheckFailed, StepFailed, WizardError
from wizard.flow import registry
from wizard.flow.session import Session, check_master_identity
from wizard.preflight.install import KIND as INSTALL


@dataclass
class Prepared:
    steps: list[Step]
    journal: Journal
    changed: list[str]  # steps done in an earlier run whose actions changed, and that will really run again
    in_place: list[str] = field(default_factory=list)  # changed too, but the hosts prove them done: skipped
    answers_changed: bool = False  # the answers' digest differs from the last run's
    hosts_changed: bool = False  # steps changed with the same answers: what the hosts hold changed

    def change_note(self) -> str:
        """One sentence for the admin: what changed since the last run, and what will be done again."""
        if not self.changed and not self.in_place:
            return ""
        if self.answers_changed:
            what = "The answers changed since the last run"
        elif self.hosts_changed:
            what = "The hosts changed since the last run (the answers did not)"
        else:
            what = "Some steps differ from the last run"
        redo = (f"these steps will be done again: {', '.join(self.changed)}" if self.changed
                else "nothing needs doing again")
        kept = f" (already in place on the hosts, so skipped: {', '.join(self.in_place)})" if self.in_place else ""
        return f"{what}; {redo}{kept}."


def changes(steps: list[Step], journal: Journal, answers_digest: str,
            is_done: Callable[[Step], bool]) -> Prepared:
    """Compare the plan with the journal's last run. A step whose actions changed is listed as "done again"
    only when ``is_done`` (the engine's proof on the host) says it is not in place: the engine would skip
    it otherwise, and an admin told that create-md runs again on a disk with data has reason to panic."""
    changed: list[str] = []
    in_place: list[str] = []
    for s in steps:
        rec = journal.steps.get(s.id)
        if rec is not None and rec.status == "done" and rec.digest != step_digest(s):
            (in_place if is_done(s) else changed).append(s.id)
    answers = bool(journal.answers_digest) and journal.answers_digest != answers_digest
    # Same answers, different actions: the plan follows facts gathered from the hosts (a disk that now
    # holds metadata, a measured link rate), so the hosts changed.
    hosts = bool(changed or in_place) and bool(journal.answers_digest) and not answers
    return Prepared(steps, journal, changed, in_place, answers, hosts)


def prepare(session: Session) -> Prepared:
    """Plan, open the journal and name the steps that changed since the last run, and why."""
    journal = Journal.open(session.journal_dir)
    _link_rate(session, journal)
    steps = session.plan()
    engine = Engine(session.executors, journal, redactor=session.redactor, confirm=lambda c, host: False,
                    conditions=registry.conditions())

    def is_done(step: Step) -> bool:
        ex = session.executors.get(step.host)
        return ex is not None and step.implemented and engine.is_done(step, ex)

    return changes(steps, journal, session.spec.digest(), is_done)


def _link_rate(session: Session, journal: Journal) -> None:
    """With no sync rate in the answers, the resync cap follows the replication link, measured once (a real
    run only) and kept in the journal: measuring every run would change the rendered config each time."""
    ctx = session.context
    if ctx is None or session.spec.drbd.sync_rate or session.options.dry_run:
        return
    rate = journal.facts.get("link_rate")
    if not isinstance(rate, int):
        from wizard.drbd.linkspeed import measure_replication_link

        measured, note = measure_replication_link(session.spec, session.executors)
        session.notes.append(note)
        if measured is None:
            return
        rate = journal.facts["link_rate"] = measured
        journal.save()
    ctx.facts["link_rate"] = rate


def apply(session: Session, prepared: Prepared, *, confirm: Confirmer, bus: EventBus) -> RunSummary:
    """Check everything that can be checked, then run the plan. Missing packages come first: their steps
    (``install@NODE``) run, the facts are gathered again and the rest is planned from them, and only then
    are the checks that need the packages' tools made (each node's drbdadm, Heartbeat's agents, the services'
    versions and paths), before anything else is changed. Without packages to install every check comes first."""
    if session.options.dry_run:
        raise AssertionError("apply() is never called in dry-run; describe the plan instead")
    master = session.executors[session.spec.master]
    wrong = check_master_identity(session.spec, master)
    if wrong:
        raise WizardError(wrong)
    installs = [s for s in prepared.steps if s.kind == INSTALL]
    steps = [s for s in prepared.steps if s.kind != INSTALL]
    if session.refreshed and not installs:  # a retry after the installs ran: the steps as planned since
        steps = _replanned(session, steps)
    _require_ready(session, steps, on_nodes=not installs)
    j = prepared.journal
    # Whose data won is fixed by the first forced promote: the journal names it, and it is never redone
    # on the other node.
    good = j.good_data_node
    if good and good != session.spec.master:
        raise WizardError(
            f"the journal says {good} holds the good data, but the answers now name {session.spec.master} as "
            f"master: promoting {session.spec.master} would overwrite {good}'s data. Set cluster.master back to "
            f"'{good}', or move {session.journal_dir}/journal.json away if you really mean to start over")
    if session.secrets_new and not session.spec.wizard.keep_secrets_in_answers:
        secrets_mod.save_state(session.journal_dir, session.secrets)
    j.answers = str(Path(session.spec.source).resolve()) if session.spec.source else ""
    j.answers_digest = session.spec.digest()
    j.save()
    engine = Engine(session.executors, j, redactor=session.redactor, confirm=confirm, bus=bus,
                    diagnose=diagnose_wait, conditions=registry.conditions())
    if not installs:
        return engine.run(steps)
    first = engine.run(installs)
    steps = _after_install(session, steps)
    _require_ready(session, steps, on_nodes=True)
    rest = engine.run(steps)
    return RunSummary(first.done + rest.done, first.skipped + rest.skipped,
                      first.not_implemented + rest.not_implemented)


def _require_ready(session: Session, steps: list[Step], *, on_nodes: bool) -> None:
    """The preflight, the services' pre-check and every planned file checked; with ``on_nodes`` each node's
    own drbdadm parses the resource too (it needs drbd-utils there)."""
    from wizard.drbd.confcheck import check_on_nodes
    from wizard.flow.configcheck import require_valid
    from wizard.preflight.report import preflight, require_ok
    from wizard.services.precheck import require_ready

    assert session.context is not None
    require_ok(preflight(session, session.context.facts))
    if session.context.stack == "pacemaker":
        from wizard.pacemaker.steps import require_cib_ready

        require_cib_ready(session.context)  # a NOT READY CIB script would only fail at the end
    require_ready(session.context)  # the services' versions and paths, before anything changes
    # Every planned file is checked by the real parsers (here, then on each node) before anything is
    # written on either node: a config error must not leave one node half-configured.
    require_valid(session.context, steps)
    if on_nodes:
        fatal = [p for p in check_on_nodes(session.context, session.executors) if p.fatal]
        if fatal:
            raise ConfigCheckFailed(fatal)


def _after_install(session: Session, steps: list[Step]) -> list[Step]:
    """The plan again from the facts gathered after the install steps, from the step ``steps`` started at
    (the TUI retries from a failed step)."""
    from wizard.preflight.install import planned

    session.refresh()
    assert session.context is not None
    still = planned(session.spec, session.context.facts)
    if still:
        what = "; ".join(f"{', '.join(p)} on {n}" for n, p in still.items())
        raise StepFailed(f"the package manager finished, but these are still not installed: {what}. Install them "
                         "by hand (the package manager's log says why), then run `ha-wizard resume`")
    return _replanned(session, steps)


def _replanned(session: Session, steps: list[Step]) -> list[Step]:
    """The plan made again from the session's facts, from the step ``steps`` start at."""
    fresh = [s for s in session.plan() if s.kind != INSTALL]
    ids = [s.id for s in fresh]
    start = steps[0].id if steps else None
    return fresh[ids.index(start):] if start in ids else fresh


def journal_answers(journal_dir: str) -> str:
    j = Journal.open(journal_dir)
    if not j.exists or not j.answers:
        raise WizardError(
            f"nothing to resume: no journal in {journal_dir}. Start with `ha-wizard apply --answers FILE` "
            "(or pass --journal-dir if you used another one)")
    if not Path(j.answers).exists():
        raise WizardError(f"the journal points to {j.answers}, which is gone: run "
                          "`ha-wizard apply --answers FILE` with your answers file")
    return j.answers
