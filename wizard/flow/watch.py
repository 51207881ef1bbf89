"""The pair watched live, composed: the answers, this node and its peer over ONE SSH connection for the whole
watch, one read-only probe per node and refresh, judged by ``wizard.heartbeat.pair_state``.

The CLI (``status --watch``) and the TUI's Status screen both open a ``PairWatch`` and call ``read()`` at
most once a second. The executors are wrapped in dry-run ones: whatever happens, a watch changes nothing.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from wizard.core.answers import load_answers
from wizard.core.conditions import Conditions
from wizard.core.plan import PlanContext
from wizard.core.secrets import Secrets
from wizard.errors import WizardError
from wizard.executors.base import Executor
from wizard.executors.dryrun import DryRunExecutor
from wizard.flow import registry
from wizard.flow.drill import connect
from wizard.flow.session import Options
from wizard.heartbeat.pair_state import PairState, Watched, node_state, offline, pair_probe, pair_state
from wizard.services.health import health_checks

INTERVAL_S = 1.0  # at most one refresh a second
PROBE_TIMEOUT_S = 15.0  # a hung node shows as "no answer" in the next refresh, not a frozen view


@dataclass
class PairWatch:
    executors: dict[str, Executor]  # read-only (dry-run) executors, in the answers' node order
    watched: Watched
    conditions: Conditions = field(default_factory=registry.conditions)

    def read(self) -> PairState:
        """Both nodes, now: one probe each, over the connections opened once."""
        argv = pair_probe(self.watched.checks)
        states = []
        for name, ex in self.executors.items():
            try:
                r = ex.probe(argv, timeout=PROBE_TIMEOUT_S)
            except WizardError as e:  # the peer died or the link broke: shown, and tried again next refresh
                states.append(offline(name, str(e)))
                continue
            states.append(node_state(name, r, self.watched, self.conditions))
        return pair_state(states, self.watched)

    def close(self) -> None:
        for ex in self.executors.values():
            ex.close()


def watched_of(answers: str | Path) -> Watched:
    spec, _ = load_answers(answers)
    ctx = PlanContext(spec=spec, secrets=Secrets("", ""), drbd_family="")
    return Watched(spec.drbd.resource, spec.drbd.minor, spec.drbd.device, spec.storage.mount_point,
                   spec.service.vip, spec.master, tuple(health_checks(ctx)))


def open_watch(answers: str | Path, options: Options) -> PairWatch:
    """This node (local) and the other one (one SSH connection), from the answers of a set-up pair."""
    spec, _ = load_answers(answers)
    if spec.demo:
        raise WizardError("these answers are the tutorial's demo (demo = true): a watch needs your real servers")
    _, executors = connect(spec, options)
    ordered: dict[str, Executor] = {n.name: DryRunExecutor(n.name, executors[n.name]) for n in spec.nodes}
    return PairWatch(ordered, watched_of(answers))


def watch(pw: PairWatch, show: Callable[[PairState], None], *, stop: threading.Event | None = None,
          count: int = 0, interval: float = INTERVAL_S, clock: Callable[[], float] = time.monotonic) -> int:
    """Refresh and ``show`` until ``stop`` is set (or ``count`` refreshes, 0 = no end); never faster than
    ``interval``. Returns how many refreshes were shown."""
    stop = stop or threading.Event()
    shown = 0
    while not stop.is_set():
        started = clock()
        show(pw.read())
        shown += 1
        if count and shown >= count:
            break
        stop.wait(max(0.0, interval - (clock() - started)))
    return shown
