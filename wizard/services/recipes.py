"""Service recipes: data files in ``recipes/`` that say what a service keeps where.

A recipe names the paths to move onto the replicated disk (each left behind a symlink), the init script
Heartbeat starts, and the Debian package that provides it. Recipes are data so that adding a service
never means new code.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache

from wizard.core.resources import recipes_dir


@dataclass(frozen=True)
class Recipe:
    name: str
    description: str
    package: str
    service: str  # init script / systemd unit Heartbeat starts (haresources entry)
    paths: tuple[str, ...]  # config and data moved to the replicated disk, symlinked back
    slave_fallback: str = ""  # what keeps working on the slave (e.g. an msmtp relay), in words


@cache
def load_recipes() -> dict[str, Recipe]:
    out: dict[str, Recipe] = {}
    for f in sorted(recipes_dir().glob("*.toml")):
        if f.name.startswith("_"):
            continue
        raw = tomllib.loads(f.read_text(encoding="utf-8"))
        out[f.stem] = Recipe(
            name=f.stem,
            description=raw["description"],
            package=raw["package"],
            service=raw["service"],
            paths=tuple(raw["paths"]),
            slave_fallback=raw.get("slave_fallback", ""),
        )
    return out


def known_recipes() -> list[str]:
    return sorted(load_recipes())
