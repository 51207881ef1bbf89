"""Where the shipped data lives: ``templates/`` and ``recipes/``.

In a wheel they are packed inside the package as ``wizard/_data/`` (see pyproject's force-include); in a
source checkout or editable install they are the top-level folders beside ``wizard/``.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

_PKG = Path(__file__).resolve().parent


@cache
def data_dir(name: str) -> Path:
    for candidate in (_PKG / "_data" / name, _PKG.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"ha-wizard's {name}/ folder is missing: reinstall ha-wizard")


def templates_dir() -> Path:
    return data_dir("templates")


def recipes_dir() -> Path:
    return data_dir("recipes")
