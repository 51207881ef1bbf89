"""What must hold before any service moves, checked from the facts before apply changes anything on either node:
the same package versions on both nodes, every path there on the master, nothing left by an earlier move.

(Installed at all is the preflight's packages check; stopped is done by the move itself.)
"""

from __future__ import annotations

from wizard.core.plan import PlanContext
from wizard.errors import WizardError
from wizard.services.discover import NodeServices
from wizard.services.recipes import Recipe, enabled_recipes
from wizard.services.steps import on_disk, service_facts


def version_problems(recipe: Recipe, a: NodeServices, b: NodeServices) -> list[str]:
    out = []
    for pkg in recipe.packages:
        va, vb = a.packages.get(pkg), b.packages.get(pkg)
        if va and vb and va != vb:
            out.append(f"{pkg} {va} on {a.node} but {vb} on {b.node}: install the same version on both")
    return out


def leftover_problems(recipe: Recipe, n: NodeServices) -> list[str]:
    """A PATH.ha-wizard-orig beside a real folder: an earlier move or undo left it, and a new move would have
    nowhere to keep the original. (Beside a link, or with PATH gone, it is this move's own, half done.)"""
    return [f"{f.path}.ha-wizard-orig exists on {n.node} (an earlier move?): move it away first"
            for pattern in recipe.paths for f in n.found(pattern) if f.orig and f.kind in ("dir", "file")]


def path_problems(ctx: PlanContext, recipe: Recipe, m: NodeServices) -> list[str]:
    out = []
    for pattern in recipe.paths:
        found = m.found(pattern)
        if not found:
            out.append(f"{recipe.name}: nothing at {pattern} on {m.node}")
        for f in found:
            if f.kind == "link" and f.target != on_disk(ctx, f.path):
                out.append(f"{f.path} on {m.node} is a link to {f.target}: {recipe.name} cannot move a link; "
                           "make it a folder again or leave the service out")
    return out


def problems(ctx: PlanContext) -> list[str]:
    m, p = (service_facts(ctx, n) for n in ctx.order)
    if m is None or p is None:
        return []  # not probed: the preflight says why
    out: list[str] = []
    for r in enabled_recipes(ctx.spec):
        if not (m.installed(r) and p.installed(r)):
            continue  # the preflight names what to install
        out += version_problems(r, m, p) + path_problems(ctx, r, m) + leftover_problems(r, m) + leftover_problems(r, p)
    return out


def require_ready(ctx: PlanContext) -> None:
    found = problems(ctx)
    if found:
        lines = "\n".join(f"  - {x}" for x in found)
        raise WizardError(f"the services cannot move yet; nothing was changed:\n{lines}")
