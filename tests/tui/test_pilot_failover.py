"""The Failover screen (Pilot), the drill stubbed at the flow boundary (the real one runs in the lab tier):
typed consent naming the node, the drill's lines as they come, the result table, failback, errors, dry run."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from textual.widgets import Button, Input, RichLog
from tuikit import goto, local_answers, screen_text, text_of, until

from screens.modals import ConfirmModal
from screens.state import RunOutcome

pytestmark = pytest.mark.asyncio


async def _at_failover(app, pilot) -> None:  # type: ignore[no-untyped-def]
    await until(pilot, lambda: app.screen.ready)
    app.st.outcome = RunOutcome(done=["heartbeat-start@server1"])  # a real run went through
    await goto(app, pilot, "failover")


async def _confirm(app, pilot, token: str) -> None:  # type: ignore[no-untyped-def]
    await until(pilot, lambda: isinstance(app.screen, ConfirmModal) and app.screen.ready, what="the consent")
    assert app.screen.token == token
    app.screen.query_one("#token", Input).value = token
    await pilot.press("enter")


def _log(app) -> str:  # type: ignore[no-untyped-def]
    return "\n".join(str(s.text) for s in app.screen.query_one("#drill-log", RichLog).lines)


async def test_graceful_then_failback(make_app, fake_core, tmp_path: Path) -> None:
    app = make_app(dry_run=False, answers=local_answers(tmp_path))
    async with app.run_test(size=(80, 24)) as pilot:
        await _at_failover(app, pilot)
        assert app.screen.query_one("#fail-back", Button).disabled  # nothing to fail back yet
        await pilot.click("#graceful")
        await until(pilot, lambda: isinstance(app.screen, ConfirmModal))
        assert "moves the disk, 127.0.0.5 and the services from server1 to server2" in screen_text(app)
        await _confirm(app, pilot, "server1")
        await until(pilot, lambda: app.st.drills, what="the graceful result")
        result = text_of(app, "#result")
        assert result.startswith("graceful failover server1 -> server2: RTO 3.1 s")
        assert "Drill done, result below. Next: F6 cuts its power" in text_of(app, "#now")
        assert "apache2 answering" in result and "3.1 s" in result
        assert "Arming the watcher on server2" in _log(app) and "hands everything over" in _log(app)
        # each phase as the watcher saw it, before the result table
        for phase in ("detection: 0.4", "DRBD Primary: 1.2", "mounted: 1.5", "service address up: 1.9",
                      "apache2 answering: 3.1"):
            assert f"{phase} s after the event, seen on server2" in _log(app)
        fail_back = app.screen.query_one("#fail-back", Button)
        assert not fail_back.disabled
        await pilot.click("#fail-back")
        await _confirm(app, pilot, "server2")  # the node that gives everything up now
        await until(pilot, lambda: len(app.st.drills) == 2, what="the failback result")
        assert text_of(app, "#result").startswith("back failover server2 -> server1")
        assert fake_core.drills[-1].runs == ["back"]
        await until(pilot, lambda: app.screen.query_one("#fail-back", Button).disabled)  # the master serves again


async def test_hard_drill_says_what_to_do_and_waits(make_app, fake_core, tmp_path: Path) -> None:
    app = make_app(dry_run=False, answers=local_answers(tmp_path))
    power_cut = threading.Event()
    original = fake_core.open_drill

    def open_drill(*a):  # type: ignore[no-untyped-def]
        d = original(*a)
        d.release = power_cut
        return d

    fake_core.open_drill = open_drill
    async with app.run_test(size=(80, 24)) as pilot:
        await _at_failover(app, pilot)
        await pilot.click("#hard")
        await _confirm(app, pilot, "server1")
        await until(pilot, lambda: "Now cut server1's power" in text_of(app, "#now"), what="the instruction")
        app.screen.action_next()  # leaving mid-drill is refused with a sentence
        await pilot.pause()
        assert app.screen.NAME == "failover" and "a drill is running" in text_of(app, "#problems")
        assert app.screen.query_one("#graceful", Button).disabled
        await pilot.press("f5")  # another drill while this one runs: refused with the reason
        await pilot.pause()
        assert not isinstance(app.screen, ConfirmModal) and "a drill is running" in text_of(app, "#problems")
        power_cut.set()
        await until(pilot, lambda: app.st.drills, what="the hard result")
        assert "812 acknowledged writes, every one present on server2" in text_of(app, "#result")
        await pilot.click("#next")
        await until(pilot, lambda: app.screen.NAME == "done" and app.screen.ready)
        assert "Failover test: hard failover server1 -> server2: RTO 3.1 s" in screen_text(app)
        assert "ha-wizard status --watch" in screen_text(app)


async def test_not_confirmed_moves_nothing(make_app, fake_core, tmp_path: Path) -> None:
    app = make_app(dry_run=False, answers=local_answers(tmp_path))
    async with app.run_test(size=(80, 24)) as pilot:
        await _at_failover(app, pilot)
        await pilot.click("#graceful")
        await until(pilot, lambda: isinstance(app.screen, ConfirmModal) and app.screen.ready)
        await pilot.press("escape")
        await until(pilot, lambda: "not confirmed: nothing was moved" in text_of(app, "#problems"))
        assert fake_core.drills[0].runs == [] and not app.st.drills
        assert not app.screen.query_one("#graceful", Button).disabled


async def test_a_drill_error_is_one_sentence(make_app, fake_core, tmp_path: Path) -> None:
    fake_core.drill_error = "could not start the watcher on server2: python3: not found"
    app = make_app(dry_run=False, answers=local_answers(tmp_path))
    async with app.run_test(size=(80, 24)) as pilot:
        await _at_failover(app, pilot)
        await pilot.click("#graceful")
        await _confirm(app, pilot, "server1")
        await until(pilot, lambda: "python3: not found" in text_of(app, "#problems"))
        assert not app.st.drills and not app.screen.query_one("#hard", Button).disabled


async def test_dry_run_has_nothing_to_drill(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: app.screen.ready)
        await goto(app, pilot, "failover")
        assert "Dry run: nothing was set up" in text_of(app, "#where")
        assert all(app.screen.query_one(b, Button).disabled for b in ("#graceful", "#hard", "#fail-back"))
        await pilot.press("ctrl+n")
        await until(pilot, lambda: app.screen.NAME == "done")
        await pilot.press("escape")  # a dry run never reaches the drill: Done goes back to Run
        await until(pilot, lambda: app.screen.NAME == "run")


async def test_f5_f6_f7_start_the_drills_and_do_nothing_while_disabled(make_app, fake_core, tmp_path: Path) -> None:
    app = make_app(dry_run=False, answers=local_answers(tmp_path))
    async with app.run_test(size=(80, 24)) as pilot:
        await _at_failover(app, pilot)
        await pilot.press("f7")  # fail back: disabled while the master serves
        await pilot.pause()
        assert not isinstance(app.screen, ConfirmModal) and fake_core.drills == []
        await pilot.press("f5")
        await until(pilot, lambda: isinstance(app.screen, ConfirmModal), what="the graceful consent")
        assert "The graceful drill moves the disk" in screen_text(app)
        await _confirm(app, pilot, "server1")
        await until(pilot, lambda: app.st.drills, what="the graceful result")
        await pilot.press("f7")
        await _confirm(app, pilot, "server2")
        await until(pilot, lambda: len(app.st.drills) == 2, what="the failback result")
        assert [d.runs for d in fake_core.drills] == [["graceful"], ["back"]]
        await pilot.press("f6")
        await until(pilot, lambda: isinstance(app.screen, ConfirmModal), what="the hard drill's consent")
        assert "The hard drill waits for you to cut server1's power" in screen_text(app)
        await pilot.press("escape")
        await until(pilot, lambda: "not confirmed: nothing was moved" in text_of(app, "#problems"))
