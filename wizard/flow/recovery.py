"""Split-brain, composed: both nodes' DRBD state and kernel log, the default victim, and the recovery steps
run by the engine (which asks for the typed consent), the victim's cluster stack (Heartbeat, or Pacemaker)
kept out of the way around them."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path

from wizard.core.actions import Run
from wizard.core.answers import load_answers
from wizard.core.engine import Confirmer, Engine
from wizard.core.events import EventBus, Output, StepFinished, StepStarted
from wizard.core.journal import Journal
from wizard.core.secrets import Redactor
from wizard.core.spec import Spec
from wizard.drbd.splitbrain import SplitBrain, StackHold, assess, recovery_steps, side
from wizard.errors import WizardError
from wizard.executors.base import Executor
from wizard.flow import registry
from wizard.flow.drill import connect, drbd_family_of, running_stack
from wizard.flow.session import Options
from wizard.pacemaker.cib import drbd_ids_of, safe_id

# Heartbeat: stopped on the victim, it releases everything it holds (services, address, mount, DRBD Primary)
# and leaves DRBD itself up (drbddisk only demotes), StandAlone; started after the resync, it rejoins as the
# standby.
HEARTBEAT_HOLD = StackHold(release=(Run(("systemctl", "stop", "heartbeat.service"), timeout=300),),
                           rejoin=(Run(("systemctl", "start", "heartbeat.service"), timeout=120),))

# Pacemaker: the victim's DRBD may not be promoted while the recovery runs (a location constraint, the CIB's own
# `role=Promoted` syntax). Pacemaker then stops the group there (services, address, mount) and demotes DRBD to
# Secondary, and DRBD stays up and StandAlone, as under Heartbeat. Not `crm node standby` nor stopping
# pacemaker.service: both stop the victim's DRBD instance (the agent's stop is `drbdadm down`), so DRBD would
# have to come up again and reconnect once without --discard-my-data, and that handshake lets after-sb-1pri
# (call-pri-lost-after-sb) pick the side to discard; and with pacemaker.service stopped, drbd-utils'
# crm-unfence-peer (after the resync, on the victim) could not lift the fence constraint from the CIB, so the
# victim could never be promoted again. The constraint goes in as the CIB script does (`crm configure load
# update` of a file: crmsh reads "-inf:" there, never as an option); guarded by cibadmin, so a second run after
# a failure goes through.
_HAS = "cibadmin --query --xpath \"//rsc_location[@id='$1']\" >/dev/null 2>&1"
BAN_SCRIPT = ("PATH=$PATH:/usr/sbin:/sbin; " + _HAS + " && exit 0; f=$(mktemp) || exit 1; "
              "printf 'location %s %s role=Promoted -inf: %s\\n' \"$1\" \"$2\" \"$3\" > \"$f\"; "
              'crm configure load update "$f"; rc=$?; rm -f "$f"; exit $rc')
LIFT_SCRIPT = "PATH=$PATH:/usr/sbin:/sbin; " + _HAS + ' || exit 0; crm configure delete "$1"'


def recovery_ban_id(victim: str) -> str:
    return f"sb_recovery_{safe_id(victim)}"


def pacemaker_hold(spec: Spec, victim: str) -> StackHold:
    clone = drbd_ids_of(spec)[1]
    ban = recovery_ban_id(victim)
    return StackHold(
        release=(
            Run(("sh", "-c", BAN_SCRIPT, "sh", ban, clone, victim), timeout=60, explain=(
                (1, f"crmsh could not add the constraint {ban} (its message is above): is Pacemaker running on "
                    f"{victim}? `crm_mon -1` shows the cluster"),)),
            # the constraint only asks: wait until Pacemaker has stopped the group and demoted DRBD there
            Run(("crm_resource", "--wait"), timeout=300),
        ),
        rejoin=(
            Run(("sh", "-c", LIFT_SCRIPT, "sh", ban), timeout=60),
            # the split's failed promotes and monitors would otherwise keep pinning the clone: cleared, and
            # Pacemaker probes DRBD afresh on both nodes (after the constraint is gone, so nothing fights it)
            Run(("crm", "resource", "cleanup", clone), timeout=120),
        ),
    )


def stack_hold(stack: str, spec: Spec, victim: str) -> StackHold:
    """The victim's cluster stack around the recovery, for the stack that runs the pair."""
    return pacemaker_hold(spec, victim) if stack == "pacemaker" else HEARTBEAT_HOLD


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
        stack = running_stack(spec, executors[here])  # "auto": the stack that runs on this node
        steps = recovery_steps(sb, family=family, resource=spec.drbd.resource, minor=spec.drbd.minor,
                               mount_point=spec.storage.mount_point, hold=stack_hold(stack, spec, sb.victim))
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
