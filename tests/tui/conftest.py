"""Fixtures of the TUI tests (the fake core and helpers live in tuikit.py)."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from tuikit import SNAP_JOURNAL, TUTORIAL, FakeCore

from screens.app import WizardApp
from screens.core import Core


@pytest.fixture
def fake_core() -> FakeCore:
    return FakeCore()


@pytest.fixture
def make_app(tmp_path: Path, fake_core: FakeCore) -> Iterator[Callable[..., WizardApp]]:
    apps: list[WizardApp] = []

    def make(*, dry_run: bool = True, answers: str | None = TUTORIAL, journal_dir: str | None = None,
             core: Core | None = None) -> WizardApp:
        app = WizardApp(dry_run=dry_run, answers=answers, journal_dir=journal_dir or str(tmp_path / "journal"),
                        core=core or fake_core)
        apps.append(app)
        return app

    yield make
    for app in apps:
        if app.state is not None:
            app.core.close(app.state)


@pytest.fixture
def snap_journal() -> Iterator[str]:
    shutil.rmtree(SNAP_JOURNAL, ignore_errors=True)
    yield SNAP_JOURNAL
    shutil.rmtree(SNAP_JOURNAL, ignore_errors=True)


