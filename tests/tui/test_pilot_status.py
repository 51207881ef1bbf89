"""The Status screen (Pilot): ctrl+s over any screen, the pair's table refreshed by the real refresh loop, the
split-brain banner, the sentences when there is nothing to watch, and Welcome's offer when a pair is set up."""

from __future__ import annotations

from pathlib import Path

import pytest
from tuikit import goto, local_answers, pair_fixture, screen_text, until

from screens.modals import HelpModal
from screens.status import StatusScreen
from wizard.core.journal import Journal

pytestmark = pytest.mark.asyncio


def _set_up_journal(jd: Path, answers: str) -> None:
    j = Journal.open(jd)
    j.answers = answers
    j.record("heartbeat-start@server1", "done", "server1", "d")
    j.record("heartbeat-standby@server2", "done", "server2", "d")


async def test_ctrl_s_over_any_screen_then_back(make_app, fake_core, tmp_path: Path) -> None:
    fake_core.pair = pair_fixture()
    app = make_app(answers=local_answers(tmp_path))
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: app.screen.ready)
        await goto(app, pilot, "nodes")
        await pilot.press("ctrl+s")
        await until(pilot, lambda: isinstance(app.screen, StatusScreen) and app.screen.refreshes >= 2,
                    what="two refreshes")
        text = screen_text(app)
        assert "server1 (master)" in text and "server2" in text
        assert "Primary" in text and "Secondary" in text and "running, holds all" in text
        assert "resources on server1; 192.168.1.5 on server1" in text
        assert "! " not in text  # a healthy pair: nothing to look at
        watch = fake_core.watches[0]
        assert not app.screen.query_one("#banner").display
        await pilot.press("escape")
        await until(pilot, lambda: app.screen.NAME == "nodes", what="back on Nodes")
        await until(pilot, lambda: watch.closed, what="the watch closed")
        reads = watch.reads
        await pilot.pause(1.3)
        assert watch.reads == reads  # no refresh once the screen is gone
        await pilot.press("ctrl+s")  # again: a new watch, the old one stays closed
        await until(pilot, lambda: isinstance(app.screen, StatusScreen) and len(fake_core.watches) == 2)
        await pilot.press("ctrl+s")  # ctrl+s closes it too
        await until(pilot, lambda: app.screen.NAME == "nodes")


async def test_split_brain_banner_names_the_recovery(make_app, fake_core, tmp_path: Path) -> None:
    fake_core.pair = pair_fixture(split_brain=True)
    app = make_app(answers=local_answers(tmp_path))
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: app.screen.ready)
        await pilot.press("ctrl+s")
        await until(pilot, lambda: isinstance(app.screen, StatusScreen) and app.screen.refreshes >= 1)
        banner = str(app.screen.query_one("#banner").content)  # type: ignore[attr-defined]
        assert app.screen.query_one("#banner").display
        assert banner.startswith("SPLIT-BRAIN on r0") and "`ha-wizard recover-split-brain`" in banner
        assert "server2's changes since the split would be DISCARDED" in banner
        assert "both nodes are DRBD Primary" in screen_text(app)


async def test_nothing_to_watch_is_one_sentence(make_app, tmp_path: Path) -> None:
    app = make_app(answers=None)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: app.screen.ready)
        await pilot.press("ctrl+s")
        await until(pilot, lambda: isinstance(app.screen, StatusScreen) and app.screen.failed)
        assert app.screen.failed.startswith("No pair to watch yet")
        assert str(tmp_path / "journal") in app.screen.failed


async def test_the_demo_is_never_watched(make_app) -> None:
    app = make_app()  # the tutorial's demo answers: the real opening refuses them before contacting anything
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: app.screen.ready)
        await pilot.press("ctrl+s")
        await until(pilot, lambda: isinstance(app.screen, StatusScreen) and app.screen.failed)
        assert "demo" in app.screen.failed and "real servers" in app.screen.failed


async def test_welcome_offers_the_status_of_a_set_up_pair(make_app, fake_core, tmp_path: Path) -> None:
    jd = tmp_path / "journal"
    _set_up_journal(jd, local_answers(tmp_path))
    fake_core.pair = pair_fixture()
    app = make_app(answers=None, journal_dir=str(jd))
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: app.screen.ready)
        assert "A pair is set up" in screen_text(app)
        button = app.screen.query_one("#status")
        assert button.display and app.focused is button
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, StatusScreen) and app.screen.refreshes >= 1)
        assert "server1 (master)" in screen_text(app)


async def test_welcome_without_a_set_up_pair_has_no_offer(make_app, tmp_path: Path) -> None:
    jd = tmp_path / "journal"
    Journal.open(jd).record("promote@server1", "failed", "server1", "d", "not confirmed")
    app = make_app(answers=None, journal_dir=str(jd))
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: app.screen.ready)
        assert not app.screen.query_one("#status").display


async def test_not_over_a_question_and_help_over_it(make_app, fake_core, tmp_path: Path) -> None:
    fake_core.pair = pair_fixture()
    app = make_app(answers=local_answers(tmp_path))
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: app.screen.ready)
        await pilot.press("f1")
        await until(pilot, lambda: isinstance(app.screen, HelpModal))
        await pilot.press("ctrl+s")  # a question (here: the help) is answered first
        await pilot.pause()
        assert isinstance(app.screen, HelpModal) and not fake_core.watches
        await pilot.press("escape")
        await until(pilot, lambda: not isinstance(app.screen, HelpModal))
        await pilot.press("ctrl+s")
        await until(pilot, lambda: isinstance(app.screen, StatusScreen))
        await pilot.press("f1")
        await until(pilot, lambda: isinstance(app.screen, HelpModal))
        assert "ha-wizard status --watch" in screen_text(app)
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, StatusScreen))
