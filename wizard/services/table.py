"""The Services screen's table: every recipe, whether both nodes have it, what it would move, and warnings.

Pure: facts in (``wizard.services.discover`` for both nodes, the room on the replicated disk), rows out.
``gather`` is the one call that reaches the nodes (read-only, one round trip each).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from wizard.core.spec import Spec
from wizard.executors.base import Executor
from wizard.services.discover import NodeServices, discover_all
from wizard.services.precheck import leftover_problems, version_problems
from wizard.services.recipes import Recipe, RecipeError, catalogue, custom_recipe


@dataclass(frozen=True)
class ServiceRow:
    name: str
    description: str
    available: bool  # both nodes answered and have it, or the plan installs it where it is missing
    moves: tuple[str, ...]  # the paths, a "*" resolved on the master
    kib: int | None  # what the move copies (None: unknown)
    warnings: tuple[str, ...]
    state: str  # one short word for the list: "both nodes", "not on node2", "already moved" ...


@dataclass(frozen=True)
class ServicesTable:
    nodes: tuple[str, str]  # master, peer
    rows: tuple[ServiceRow, ...]
    room_kib: int | None = None  # room for the copies (None: not known yet)
    problem: str = ""  # why the list is incomplete (a node not contacted)

    def row(self, name: str) -> ServiceRow | None:
        return next((r for r in self.rows if r.name == name), None)

    def warnings_for(self, chosen: list[str]) -> list[str]:
        out = [w for r in self.rows if r.name in chosen for w in r.warnings]
        total = sum(r.kib or 0 for r in self.rows if r.name in chosen)
        if self.room_kib is not None and total > self.room_kib:
            out.append(f"too little space: the chosen services hold {human(total)}, the replicated disk has about "
                       f"{human(self.room_kib)}")
        return out


def room_kib(partition_bytes: int | None) -> int | None:
    """About the room a filesystem on this partition offers (DRBD's metadata and ~5% for the filesystem's own
    structures taken off), for the "too little space" warning before the disk exists."""
    if not partition_bytes:
        return None
    from wizard.disks.meta import usable_bytes

    return int(usable_bytes(partition_bytes) * 0.95) // 1024


def human(kib: int) -> str:
    for unit, size in (("GiB", 1 << 20), ("MiB", 1 << 10)):
        if kib >= size:
            return f"{kib / size:.1f} {unit}"
    return f"{kib} KiB"


def _moves(recipe: Recipe, m: NodeServices | None, mount: str) -> tuple[list[str], int | None, int, list[str]]:
    """(paths it would move, their size in KiB (None: unknown), how many are moved already, warnings)."""
    moves: list[str] = []
    kib: int | None = 0 if m is not None else None
    moved = 0
    warnings: list[str] = []
    for pattern in recipe.paths:
        found = [f for f in m.found(pattern) if f.kind != "missing"] if m is not None else []
        if m is not None and not found:
            warnings.append(f"{recipe.name}: nothing at {pattern} on {m.node}")
        moves += [f.path for f in found] or [pattern]
        for f in found:
            moved += f.kind == "link" and f.target == mount.rstrip("/") + f.path
            kib = None if kib is None or f.kib is None else kib + f.kib
    return moves, kib, moved, warnings


def _row(recipe: Recipe, m: NodeServices | None, p: NodeServices | None, mount: str) -> ServiceRow:
    reached = [n for n in (m, p) if n is not None and n.reached]
    master = m if m is not None and m.reached else None
    moves, kib, moved, warnings = _moves(recipe, master, mount)
    missing = [n.node for n in reached if not n.installed(recipe)]
    for n in reached:
        unit = n.units.get(recipe.unit)
        if unit is not None and unit.active == "active":
            warnings.append(f"{recipe.name} is running on {n.node}: it is stopped for the move")
        warnings += leftover_problems(recipe, n)
    if len(reached) == 2:
        warnings += version_problems(recipe, *reached)
    if recipe.relay and master is not None:
        have = [prog for prog in recipe.relay.programs if prog in master.programs]
        warnings.append(f"relay for mail while the disk is elsewhere: {have[0]}" if have else
                        f"relay: {recipe.relay.install} is installed where none is")
    # not installed but offered by the node's repositories: the plan installs it first (install@NODE)
    install = {n.node: n.to_install(recipe) for n in reached if n.node in missing}
    installable = bool(missing) and len(reached) == 2 and all(v is not None for v in install.values())
    if installable:
        state = "installed by the plan on " + " and ".join(missing)
        if master is not None and master.node in missing:
            kib = None  # its folders come with the package: their size is known after the install
        warnings.insert(0, "; ".join(f"not installed on {n}: the plan installs {', '.join(p or [])} first "
                                     f"(install@{n})" for n, p in install.items()))
    elif missing:
        state = "not on " + " and ".join(missing)
    elif len(reached) < 2:
        state = "not checked"
    elif moved and moved == len(moves):
        state = "already moved"
    else:
        state = "on both nodes"
    if missing:
        warnings = [w for w in warnings if "nothing at" not in w]
    return ServiceRow(recipe.name, recipe.description, (not missing or installable) and len(reached) == 2,
                      tuple(dict.fromkeys(moves)), kib, tuple(warnings), state)


def _recipes(spec: Spec) -> tuple[list[Recipe], str]:
    """The shipped recipes and the answers' custom one when it is described, and why it is left out if wrong."""
    recipes = [e.recipe for e in catalogue().values() if e.recipe is not None]
    problem = ""
    if spec.custom.unit:
        try:
            recipes.append(custom_recipe(spec))
        except RecipeError as e:
            problem = str(e)
    return sorted(recipes, key=lambda r: r.name), problem


def build(spec: Spec, facts: Mapping[str, NodeServices], room_kib: int | None = None) -> ServicesTable:
    """Rows for every shipped recipe, and the custom one when the answers describe it."""
    m, p = facts.get(spec.master), facts.get(spec.peer_node.name)
    recipes, custom_problem = _recipes(spec)
    rows = tuple(_row(r, m, p, spec.storage.mount_point) for r in recipes)
    problem = "; ".join([f"{n.node}: not contacted ({n.why_not})" for n in (m, p) if n is not None and not n.reached]
                        + ([custom_problem] if custom_problem else []))
    if m is not None and m.mounted and m.avail_kib is not None:
        room_kib = m.avail_kib
    return ServicesTable((spec.master, spec.peer_node.name), rows, room_kib, problem)


def gather(spec: Spec, executors: Mapping[str, Executor], room_kib: int | None = None) -> ServicesTable:
    return build(spec, discover_all(spec, executors, _recipes(spec)[0]), room_kib)
