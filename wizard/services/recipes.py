"""Service recipes: data files in ``recipes/`` that say what a service keeps where.

A recipe names the Debian packages, the systemd unit, the init script Heartbeat starts, the paths to move
onto the replicated disk (each left behind a symlink), extra links, and how to tell the service answers.
Recipes are data so that adding a service never means new code; each file is checked against
``wizard.services.schema`` when it is loaded. The ``custom`` recipe takes its fields from the answers'
``[custom]`` section.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from wizard.core.resources import recipes_dir
from wizard.core.spec import Spec
from wizard.services.schema import Health, Recipe, RecipeError, recipe_from_dict

CUSTOM = "custom"


@dataclass(frozen=True)
class Entry:
    """One file of ``recipes/``: a whole recipe, or the stand-in for one the answers define."""

    name: str
    description: str
    recipe: Recipe | None  # None: defined by the answers' [custom] section


def _read(f: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(f.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as e:
        raise RecipeError(_shown(f), [f"not valid TOML ({e})"]) from None
    except (OSError, UnicodeDecodeError) as e:
        raise RecipeError(_shown(f), [f"cannot be read ({e})"]) from None


def _shown(f: Path) -> str:
    return f"recipes/{f.name}"


@cache
def catalogue() -> dict[str, Entry]:
    """Every shipped recipe by name, checked. Raises RecipeError for the first broken file."""
    out: dict[str, Entry] = {}
    for f in sorted(recipes_dir().glob("*.toml")):
        if f.name.startswith("_"):
            continue
        raw = _read(f)
        if "from_answers" in raw:
            extra = sorted(set(raw) - {"description", "from_answers"})
            problems = [f"{k}: not allowed beside from_answers (the answers give it)" for k in extra]
            if raw["from_answers"] != f.stem:
                problems.append(f"from_answers = {raw['from_answers']!r}: must name the answers' section "
                                f"[{f.stem}]")
            if not isinstance(raw.get("description"), str):
                problems.append("description is missing")
            if problems:
                raise RecipeError(_shown(f), problems)
            out[f.stem] = Entry(f.stem, raw["description"], None)
        else:
            recipe = recipe_from_dict(f.stem, raw, _shown(f))
            out[f.stem] = Entry(f.stem, recipe.description, recipe)
    return out


def load_recipes() -> dict[str, Recipe]:
    """The shipped, complete recipes by name (the custom one needs the answers: ``recipe_for``)."""
    return {name: e.recipe for name, e in catalogue().items() if e.recipe is not None}


def known_recipes() -> list[str]:
    return sorted(catalogue())


def custom_recipe(spec: Spec) -> Recipe:
    """The answers' [custom] section as a recipe, checked like a file (errors name the answers file and
    the [custom] keys)."""
    c = spec.custom
    raw: dict[str, Any] = {
        "description": c.description or f"custom service {c.unit}",
        "unit": c.unit,
        "paths": list(c.paths),
        "health": {k: v for k, v in (("port", c.health_port), ("socket", c.health_socket),
                                     ("command", list(c.health_command))) if v},
    }
    if c.packages:
        raw["packages"] = list(c.packages)
    if c.init_script:
        raw["init_script"] = c.init_script
    try:
        return recipe_from_dict(CUSTOM, raw, f"{spec.source or 'the answers'} [custom]", need_packages=False)
    except RecipeError as e:
        raise RecipeError(e.source, [_custom_words(p) for p in e.problems]) from None


def _custom_words(problem: str) -> str:
    """A schema sentence in the answers' words: health.port -> custom.health_port, unit -> custom.unit."""
    problem = problem.replace("health: give exactly one of port, socket or command",
                              "give exactly one of health_port, health_socket or health_command")
    if problem.startswith("give exactly"):
        return "custom: " + problem
    return "custom." + problem.replace("health.", "health_")


def recipe_for(spec: Spec, name: str) -> Recipe:
    if name == CUSTOM:
        return custom_recipe(spec)
    return load_recipes()[name]


def enabled_recipes(spec: Spec) -> list[Recipe]:
    """The answers' enabled recipes, in their order (the custom one built from [custom])."""
    return [recipe_for(spec, name) for name in spec.recipes]


__all__ = ["CUSTOM", "Entry", "Health", "Recipe", "RecipeError", "catalogue", "custom_recipe", "enabled_recipes",
           "known_recipes", "load_recipes", "recipe_for"]
