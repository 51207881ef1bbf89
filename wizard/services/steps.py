"""Moving the services' config and data onto the replicated disk (the tutorial's "Preparing Your
Services"). Not built yet: the step keeps its place in the plan and is reported as such, never faked."""

from __future__ import annotations

from wizard.core.actions import NotImplementedYet, Step
from wizard.core.plan import PlanContext


def services_step(ctx: PlanContext) -> Step:
    names = ", ".join(ctx.spec.recipes) or "no services chosen"
    return Step(
        id=f"services@{ctx.spec.master}", kind="services", title=f"move services onto the replicated disk ({names})",
        host=ctx.spec.master,
        actions=(NotImplementedYet(f"service relocation ({names}) — coming with the services work"),),
        why="Config and data must live on the replicated disk so the slave can start the same services.",
    )
