"""Fixtures for the DRBD bring-up unit tests (helpers live in drbd_helpers.py)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from drbd_helpers import Harness  # noqa: E402

from wizard.drbd import conditions as drbd_conditions  # noqa: E402


@pytest.fixture
def harness(tmp_path: Path) -> Harness:
    return Harness(tmp_path)


@pytest.fixture(autouse=True)
def _fresh_sync_history() -> None:
    drbd_conditions.reset_history()
