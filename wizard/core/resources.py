"""Where the shipped data lives (``templates/`` and ``recipes/``), and how a template is rendered.

In a wheel they are packed inside the package as ``wizard/_data/`` (see pyproject's force-include); in a
source checkout or editable install they are the top-level folders beside ``wizard/``.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import jinja2

_PKG = Path(__file__).resolve().parents[1]  # the wizard package


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


def recipe_names() -> list[str]:
    """The shipped recipes' names (``recipes/<name>.toml``; files starting with ``_`` are not recipes)."""
    return sorted(f.stem for f in recipes_dir().glob("*.toml") if not f.name.startswith("_"))


@cache
def environment() -> jinja2.Environment:
    """The templates' jinja2 environment. StrictUndefined: a misspelt or missing value stops rendering
    instead of silently writing an empty option into a config file."""
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir())),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,  # config files, not HTML
    )


def render(template: str, **values: Any) -> str:
    """``templates/<template>`` rendered with ``values``."""
    return environment().get_template(template).render(**values)
