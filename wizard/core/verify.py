"""The last steps of a plan, whatever the cluster stack: wait until a node's state satisfies a stack's named
condition (it serves, or it stands by), then, where it serves, until each service answers. The same condition
proves the step done on resume. Each stack's part gives the probe, the condition and the words."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from wizard.core.actions import Check, Step, WaitFor

ServiceChecks = Sequence[tuple[str, Check]]  # (service name, read-only check that it answers)
SERVICE_WAIT_S = 60.0


@dataclass(frozen=True)
class NodeState:
    """What the node must show: ``until`` over ``probe`` with ``args``, waited for up to ``timeout`` s."""

    probe: tuple[str, ...]
    until: str
    args: tuple[str, ...]
    timeout: float
    what: str  # plain words shown while waiting
    interval: float = 1.0


def verify_step(id: str, kind: str, title: str, host: str, state: NodeState, why: str,
                services: ServiceChecks = ()) -> Step:
    waits = [WaitFor(state.probe, state.until, state.args, timeout=state.timeout, interval=state.interval,
                     what=state.what)]
    waits += [WaitFor(c.probe, c.until, c.args, timeout=SERVICE_WAIT_S, interval=1, what=f"{name} answering")
              for name, c in services]
    return Step(id=id, kind=kind, title=title, host=host, actions=tuple(waits),
                checks=(Check(state.probe, state.until, state.args), *(c for _, c in services)), why=why)


def active_step(stack: str, master: str, state: NodeState, why: str, services: ServiceChecks = ()) -> Step:
    """``stack``: the steps' prefix ("heartbeat", "pacemaker"): ids STACK-active@NODE, kind STACK-verify."""
    return verify_step(f"{stack}-active@{master}", f"{stack}-verify",
                       f"{master} holds the disk, the address and the services", master, state, why, services)


def standby_step(stack: str, peer: str, role: str, state: NodeState, why: str) -> Step:
    """``role``: the DRBD role a standby shows, in the stack's words ("Secondary", "Unpromoted")."""
    return verify_step(f"{stack}-standby@{peer}", f"{stack}-verify", f"{peer} stands by ({role}, nothing held)",
                       peer, state, why)
