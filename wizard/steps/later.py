"""Tutorial steps whose automation is not built yet. They keep their place in the plan and are reported
as such, never faked."""

from __future__ import annotations

from wizard.actions import NotImplementedYet, Step
from wizard.plan import PlanContext


def services_step(ctx: PlanContext) -> Step:
    names = ", ".join(ctx.spec.recipes) or "no services chosen"
    return Step(
        id=f"services@{ctx.spec.master}", kind="services", title=f"move services onto the replicated disk ({names})",
        host=ctx.spec.master,
        actions=(NotImplementedYet(f"service relocation ({names}) — coming with the services work"),),
        why="Config and data must live on the replicated disk so the slave can start the same services.",
    )


def heartbeat_start_step(ctx: PlanContext, node: str) -> Step:
    return Step(
        id=f"heartbeat-start@{node}", kind="heartbeat-start", title="start Heartbeat", host=node,
        actions=(NotImplementedYet("starting Heartbeat — coming with the Heartbeat work"),),
        why="Heartbeat watches the peer and takes the resources over when it dies.",
    )


def failover_test_step(ctx: PlanContext) -> Step:
    return Step(
        id="failover-test", kind="failover-test", title="failover test", host=ctx.spec.master,
        actions=(NotImplementedYet("the failover drill — coming with the Heartbeat work"),),
        why="Stop Heartbeat on the master and watch the slave take over, as the tutorial suggests.",
    )
