"""Putting services back on the local disks (``ha-wizard undo-services``), master first.

On the master, with the replicated disk mounted and the service stopped, each folder is copied back from the
disk (through PATH.ha-wizard-copied), compared file by file, and only then takes the link's place; the
replicated copy stays on the disk. On the slave, its own earlier folders (PATH.ha-wizard-orig) come back. The
start at boot is set back to what it was before the move (recorded by ``remember-boot``), and the service is
started again on the master. Every call is visible in the plan and safe to repeat, so an interrupted undo is
finished by running it again.
"""

from __future__ import annotations

from collections.abc import Sequence

from wizard.core.actions import Action, Check, Confirm, Run, Step
from wizard.core.plan import PlanContext
from wizard.errors import WizardError
from wizard.services.conditions import paths_probe
from wizard.services.files import HELPER
from wizard.services.health import health_check, wait_healthy
from wizard.services.recipes import Recipe, enabled_recipes, recipe_for
from wizard.services.steps import (
    COPY_EXPLAIN,
    VERIFY_EXPLAIN,
    extra_links,
    masks,
    on_disk,
    resolve,
    service_facts,
    stop_and_wait,
)

KIND = "undo-services"
BOOT_STATES = ("enabled", "disabled", "masked")  # what remember-boot may have recorded and undo can set again


def chosen(ctx: PlanContext, names: Sequence[str]) -> list[Recipe]:
    """The recipes to undo: those named (each must be enabled in the answers), else every enabled one."""
    enabled = list(ctx.spec.recipes)
    wrong = [n for n in names if n not in enabled]
    if wrong:
        raise WizardError(f"{', '.join(wrong)}: not among [recipes] enabled in {ctx.spec.source or 'the answers'} "
                          f"({', '.join(enabled) or 'none enabled'}); undo-services only undoes what apply moved")
    return [recipe_for(ctx.spec, n) for n in names] if names else enabled_recipes(ctx.spec)


def recorded_boot(ctx: PlanContext, recipe: Recipe, node: str) -> str:
    facts = service_facts(ctx, node)
    unit = facts.units.get(recipe.unit) if facts else None
    return unit.recorded if unit is not None and unit.recorded in BOOT_STATES else ""


def boot_back(ctx: PlanContext, recipe: Recipe, node: str) -> tuple[list[Run], list[Check], str]:
    """The systemctl calls that give the unit its boot setting from before the move, their check, and words."""
    was = recorded_boot(ctx, recipe, node)
    if not was:
        return [], [], f"{recipe.unit} stays off at boot on {node} (no record of its setting before the move)"
    runs: list[Run] = []
    masked = masks(ctx, recipe)  # masked by the move (never under Pacemaker, which unmasked it instead)
    if masked and was != "masked":
        runs.append(Run(("systemctl", "unmask", recipe.unit)))
    if was == "enabled":
        runs.append(Run(("systemctl", "enable", recipe.unit)))
    elif was == "masked" and not masked:
        runs.append(Run(("systemctl", "mask", recipe.unit)))
    check = Check(("systemctl", "is-enabled", recipe.unit), "unit-boot-state", (was,))
    return runs, [check], f"{recipe.unit} is {was} at boot again on {node}, as before the move"


def local_check(ctx: PlanContext, recipe: Recipe, paths: tuple[str, ...], need: str) -> Check:
    pairs = [(p, on_disk(ctx, p)) for p in paths] + extra_links(ctx, recipe)
    return Check(paths_probe(pairs), "services-local", (need, *(x for pair in pairs for x in pair)))


def undo_consent(ctx: PlanContext, recipe: Recipe, paths: tuple[str, ...]) -> Confirm:
    m, p = ctx.order
    return Confirm(recipe.name, f"put {recipe.name} back on the local disks: stop it on {m}, copy {', '.join(paths)} "
                                f"back from {ctx.spec.storage.mount_point} in place of the links on {m}, and give "
                                f"{p} its own earlier folders back")


def undo_master_step(ctx: PlanContext, recipe: Recipe) -> Step:
    m, mount = ctx.spec.master, ctx.spec.storage.mount_point
    paths = resolve(ctx, recipe)
    stop, wait = stop_and_wait(ctx, recipe, paths)
    assert isinstance(stop, Run)
    actions: list[Action] = [Run(stop.argv, confirm=undo_consent(ctx, recipe, paths)), wait]
    actions += [Run((HELPER, "copy-back", mount, p), timeout=24 * 3600, explain=COPY_EXPLAIN) for p in paths]
    actions += [Run((HELPER, "verify-back", mount, p), timeout=24 * 3600, explain=VERIFY_EXPLAIN) for p in paths]
    actions += [Run((HELPER, "unlink", mount, p), explain=COPY_EXPLAIN) for p in paths]
    actions += [Run((HELPER, "put-back", path), explain=COPY_EXPLAIN) for path, _ in extra_links(ctx, recipe)]
    if recipe.relay:
        actions.append(Run((HELPER, "under-unlink", mount, recipe.relay.binary), explain=COPY_EXPLAIN))
    boot, boot_checks, said = boot_back(ctx, recipe, m)
    actions += [*boot, Run(("systemctl", "start", recipe.unit), timeout=300), wait_healthy(recipe)]
    return Step(
        id=f"undo-{recipe.name}@{m}", kind=KIND, title=f"put {recipe.name} back on {m}'s own disk", host=m,
        actions=tuple(actions),
        checks=(local_check(ctx, recipe, paths, "exists"), *boot_checks, health_check(recipe)),
        why=f"Each folder is copied back from {mount} (with what was written while it was replicated), compared "
            f"file by file with the replicated copy, and only then takes the link's place; the copy on {mount} "
            f"stays. {said}. {recipe.name} is started from the local disk.",
    )


def undo_peer_step(ctx: PlanContext, recipe: Recipe) -> Step:
    p, mount = ctx.spec.peer_node.name, ctx.spec.storage.mount_point
    paths = resolve(ctx, recipe)
    actions: list[Action] = [Run(("systemctl", "stop", recipe.unit), confirm=undo_consent(ctx, recipe, paths))]
    actions += [Run((HELPER, "put-back", path), explain=COPY_EXPLAIN) for path in paths]
    actions += [Run((HELPER, "put-back", path), explain=COPY_EXPLAIN) for path, _ in extra_links(ctx, recipe)]
    if recipe.relay:
        actions.append(Run((HELPER, "under-unlink", mount, recipe.relay.binary), explain=COPY_EXPLAIN))
    boot, boot_checks, said = boot_back(ctx, recipe, p)
    actions += boot
    return Step(
        id=f"undo-{recipe.name}@{p}", kind=KIND, title=f"give {recipe.name} its own folders back on {p}", host=p,
        actions=tuple(actions),
        checks=(local_check(ctx, recipe, paths, "any"), *boot_checks),
        why=f"{p} gets back the folders it had before the move (PATH.ha-wizard-orig); the data written while "
            f"{recipe.name} was replicated is on the master. {said}; it is not started now.",
    )


def undo_steps(ctx: PlanContext, names: Sequence[str] = ()) -> list[Step]:
    """The undo plan for ``names`` (default: every enabled recipe), master first for each service."""
    steps: list[Step] = []
    for r in chosen(ctx, names):
        steps += [undo_master_step(ctx, r), undo_peer_step(ctx, r)]
    return steps
