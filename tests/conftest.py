"""Markers by folder: tests/lab is the `lab` tier, tests/ssh the `ssh` tier."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        parts = Path(str(item.fspath)).relative_to(ROOT).parts
        if len(parts) > 1 and parts[0] == "tests" and parts[1] in ("lab", "ssh", "tui"):
            if parts[1] != "tui":
                item.add_marker(getattr(pytest.mark, parts[1]))
