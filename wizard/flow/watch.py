"""The pair watched live, composed: the answers, this node and its peer over ONE SSH connection for the whole
watch, one read-only probe per node and refresh, judged by ``wizard.heartbeat.pair_state`` (Heartbeat's
cl_status, or crm_mon's XML on the Pacemaker stack).

The CLI (``status --watch``) and the TUI's Status screen both open a ``PairWatch`` and call ``read()`` at
most once a second. The executors are wrapped in dry-run ones: whatever happens, a watch changes nothing.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from wizard.core.answers import load_answers
from wizard.core.conditions import Conditions
from wizard.core.plan import PlanContext
from wizard.core.secrets import Secrets
from wizard.errors import UnreachableError, WizardError
from wizard.executors.base import Executor
from wizard.executors.dryrun import DryRunExecutor
from wizard.executors.result import Result
from wizard.flow import registry
from wizard.flow.drill import connect, running_stack
from wizard.flow.session import Options
from wizard.heartbeat.pair_state import PairState, Watched, node_state, offline, pair_probe, pair_state
from wizard.pacemaker.cib import drbd_ids_of
from wizard.services.health import health_checks

INTERVAL_S = 1.0  # at most one refresh a second
PROBE_TIMEOUT_S = 15.0  # a probe stuck longer is killed; the next refresh tries again
WAIT_S = 2.0  # how long a refresh waits for a slow node before showing it as not answering


@dataclass
class _Probe:
    """A node's probe in flight, in its own (daemon) thread: a hung node never freezes the other's view."""

    started: float
    thread: threading.Thread
    box: dict[str, object] = field(default_factory=dict)


@dataclass
class PairWatch:
    executors: dict[str, Executor]  # read-only (dry-run) executors, in the answers' node order
    watched: Watched
    conditions: Conditions = field(default_factory=registry.conditions)
    clock: Callable[[], float] = time.monotonic
    _flying: dict[str, _Probe] = field(default_factory=dict)

    def _start(self, name: str, argv: tuple[str, ...]) -> _Probe:
        ex = self.executors[name]
        box: dict[str, object] = {}

        def run() -> None:
            try:
                box["result"] = ex.probe(argv, timeout=PROBE_TIMEOUT_S)
            except WizardError as e:  # the peer died or the link broke: shown, and tried again next refresh
                box["error"] = str(e).split(": check ")[0]

        t = threading.Thread(target=run, daemon=True, name=f"ha-wizard watch {name}")
        t.start()
        return _Probe(self.clock(), t, box)

    def read(self) -> PairState:
        """Both nodes, now: one probe each over the connections opened once (never a second probe of a node
        while its last one is still out: a node that does not answer is shown so, the other one refreshed)."""
        argv = pair_probe(self.watched.checks, self.watched.stack)
        stuck = set(self._flying)  # still out since an earlier refresh: not waited for again
        for name in self.executors:
            if name not in self._flying:
                self._flying[name] = self._start(name, argv)
        deadline = self.clock() + WAIT_S
        states = []
        for name in self.executors:
            p = self._flying[name]
            p.thread.join(0 if name in stuck else max(0.0, deadline - self.clock()))
            if p.thread.is_alive():
                states.append(offline(name, f"no answer for {self.clock() - p.started:.0f} s"))
                continue
            del self._flying[name]
            r = p.box.get("result")
            states.append(node_state(name, r, self.watched, self.conditions) if isinstance(r, Result)
                          else offline(name, str(p.box.get("error", "no answer"))))
        return pair_state(states, self.watched)

    def close(self) -> None:
        for ex in self.executors.values():
            ex.close()


def watched_of(answers: str | Path, stack: str = "heartbeat") -> Watched:
    """What the view looks at, from the answers; ``stack``: the cluster manager that runs ("auto" resolved)."""
    spec, _ = load_answers(answers)
    ctx = PlanContext(spec=spec, secrets=Secrets("", ""), drbd_family="")
    return Watched(spec.drbd.resource, spec.drbd.minor, spec.drbd.device, spec.storage.mount_point,
                   spec.service.vip, spec.master, tuple(health_checks(ctx)), stack, drbd_ids_of(spec)[1])


class _PeerWhenUp:
    """The other node's SSH connection, opened at once as before, or, when it cannot be opened, again at each
    probe: a watch started while the peer is down (right after a power cut) shows this node, the peer as not
    reachable, and the peer again once it is back. Still one connection while it stays up."""

    def __init__(self, node: str, label: str, open_it: Callable[[], Executor]) -> None:
        self.node, self.label, self._open = node, label, open_it
        self._ex: Executor | None = None
        with contextlib.suppress(UnreachableError):
            self._ex = open_it()

    def probe(self, argv: tuple[str, ...] | list[str], *, timeout: float = 30.0) -> Result:
        if self._ex is None:
            self._ex = self._open()  # UnreachableError, a WizardError: shown, tried again next refresh
        return self._ex.probe(argv, timeout=timeout)

    def close(self) -> None:
        if self._ex is not None:
            self._ex.close()


def open_watch(answers: str | Path, options: Options) -> PairWatch:
    """This node (local) and the other one (one SSH connection, opened when it answers), from the answers of
    a set-up pair."""
    spec, _ = load_answers(answers)
    if spec.demo:
        raise WizardError("these answers are the tutorial's demo (demo = true): a watch needs your real servers")
    here, mine = connect(spec, options, "`ha-wizard status --watch`", peer=False)
    other = next(n for n in spec.nodes if n.name != here)

    def open_peer() -> Executor:
        return connect(spec, options, "`ha-wizard status --watch`")[1][other.name]

    local = mine[here]
    stack = running_stack(spec, local)
    peer = _PeerWhenUp(other.name, f"{other.ssh_user}@{other.ssh or other.address}", open_peer)
    executors: dict[str, Executor] = {here: local, other.name: peer}  # type: ignore[dict-item]
    ordered: dict[str, Executor] = {n.name: DryRunExecutor(n.name, executors[n.name]) for n in spec.nodes}
    return PairWatch(ordered, watched_of(answers, stack))


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
