"""The failover drill: the master is stopped (or killed) and the peer takes the disk, the address and the
services over. Stack-agnostic: Heartbeat today, Pacemaker later. Not built yet: reported as such."""

from __future__ import annotations

from wizard.core.actions import NotImplementedYet, Step
from wizard.core.plan import PlanContext


def failover_test_step(ctx: PlanContext) -> Step:
    return Step(
        id="failover-test", kind="failover-test", title="failover test", host=ctx.spec.master,
        actions=(NotImplementedYet("the failover drill — coming with the Heartbeat work"),),
        why="Stop Heartbeat on the master and watch the slave take over, as the tutorial suggests.",
    )
