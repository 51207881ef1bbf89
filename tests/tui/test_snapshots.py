"""Snapshots at 80x24 of every screen and the main modals (pinned textual + pytest-textual-snapshot).

Regenerate after a deliberate change with `pytest tests/tui/test_snapshots.py --snapshot-update`, then
look at the SVGs under __snapshots__/. Each test waits on a condition, never on time.
"""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from textual.widgets import Input, RichLog
from tuikit import goto, local_answers, pair_fixture, screen_text, until

from screens.modals import ConfirmModal, FailureModal, HelpModal, HostKeyModal
from wizard.core.journal import Journal

SIZE = (80, 24)


@pytest.fixture(autouse=True)
def _fixed_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("COLORFGBG", raising=False)  # the theme follows it; snapshots must not


def _at(name: str, extra=None):  # type: ignore[no-untyped-def]
    async def run_before(pilot) -> None:  # type: ignore[no-untyped-def]
        app = pilot.app
        await until(pilot, lambda: app.screen.ready)
        if name != "welcome":
            await goto(app, pilot, name)
        if extra is not None:
            await extra(pilot)
        # widgets glide to new values (bars, scroll); snapshot the screen once it has come to rest
        await pilot.wait_for_scheduled_animations()
        await pilot.pause()
    return run_before


def test_welcome(snap_compare, make_app, snap_journal) -> None:
    assert snap_compare(make_app(journal_dir=snap_journal), terminal_size=SIZE, run_before=_at("welcome"))


def test_welcome_offers_resume(snap_compare, make_app, snap_journal) -> None:
    j = Journal.open(snap_journal)
    j.record("promote@server1", "failed", "server1", "d", "not confirmed: make server1 Primary")
    assert snap_compare(make_app(journal_dir=snap_journal, answers=None), terminal_size=SIZE,
                        run_before=_at("welcome"))


def test_nodes_host_key_modal(snap_compare, make_app, snap_journal, tmp_path: Path) -> None:
    async def check(pilot) -> None:  # type: ignore[no-untyped-def]
        await pilot.press("f5")
        await until(pilot, lambda: isinstance(pilot.app.screen, HostKeyModal) and pilot.app.screen.ready)

    app = make_app(journal_dir=snap_journal, answers=local_answers(tmp_path))
    assert snap_compare(app, terminal_size=SIZE, run_before=_at("nodes", check))


def test_disks(snap_compare, make_app, snap_journal) -> None:
    async def facts(pilot) -> None:  # type: ignore[no-untyped-def]
        await until(pilot, lambda: "usable size: 8.0 GiB" in screen_text(pilot.app))

    assert snap_compare(make_app(journal_dir=snap_journal), terminal_size=SIZE, run_before=_at("disks", facts))


def test_hosts_with_a_wrong_vip(snap_compare, make_app, snap_journal) -> None:
    async def wrong(pilot) -> None:  # type: ignore[no-untyped-def]
        app = pilot.app
        await until(pilot, lambda: "matches uname -n" in screen_text(app))
        app.screen.query_one("#vip", Input).value = "10.0.0.5"
        await pilot.press("ctrl+n")
        await until(pilot, lambda: "outside server1's subnet" in screen_text(app))

    assert snap_compare(make_app(journal_dir=snap_journal), terminal_size=SIZE, run_before=_at("hosts", wrong))


def test_drbd(snap_compare, make_app, snap_journal) -> None:
    async def link(pilot) -> None:  # type: ignore[no-untyped-def]
        await until(pilot, lambda: "1000 Mb/s" in screen_text(pilot.app))

    assert snap_compare(make_app(journal_dir=snap_journal), terminal_size=SIZE, run_before=_at("drbd", link))


def test_services(snap_compare, make_app, snap_journal) -> None:
    async def listed(pilot) -> None:  # type: ignore[no-untyped-def]
        await until(pilot, lambda: "Not installed on both" in screen_text(pilot.app))
        pilot.app.screen.query_one("#recipes").focus()
        await pilot.press("down")  # postgresql: its version warning below the list
        await until(pilot, lambda: "16+257 on server2" in screen_text(pilot.app))

    assert snap_compare(make_app(journal_dir=snap_journal), terminal_size=SIZE, run_before=_at("services", listed))


def test_heartbeat_profile(snap_compare, make_app, snap_journal) -> None:
    assert snap_compare(make_app(journal_dir=snap_journal), terminal_size=SIZE, run_before=_at("heartbeat"))


def test_heartbeat_fencing_off(snap_compare, make_app, snap_journal) -> None:
    """Pacemaker with STONITH off chosen: the risk in one sentence and the box for the typed word."""
    from textual.widgets import Select

    async def no_stonith(pilot) -> None:  # type: ignore[no-untyped-def]
        screen = pilot.app.screen
        screen.query_one("#stack", Select).value = "pacemaker"
        screen.query_one("#fencing", Select).value = "none-confirmed"
        await until(pilot, lambda: screen.query_one("#none-box").display)
        screen.query_one("#confirm", Input).focus()
        screen.query_one("#confirm", Input).scroll_visible(animate=False)
        await until(pilot, lambda: "split brain" in screen_text(pilot.app))

    assert snap_compare(make_app(journal_dir=snap_journal), terminal_size=SIZE,
                        run_before=_at("heartbeat", no_stonith))


async def _plan(pilot) -> None:  # type: ignore[no-untyped-def]
    await until(pilot, lambda: pilot.app.st.facts.get("plan") is not None, what="the plan")
    await until(pilot, lambda: pilot.app.screen.query_one("#plan-tabs").display)


def test_review(snap_compare, make_app, snap_journal) -> None:
    assert snap_compare(make_app(journal_dir=snap_journal), terminal_size=SIZE, run_before=_at("review", _plan))


def test_review_light_theme(snap_compare, make_app, snap_journal, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLORFGBG", "0;15")  # a light terminal
    assert snap_compare(make_app(journal_dir=snap_journal), terminal_size=SIZE, run_before=_at("review", _plan))


def test_run_dry_run_then_done(snap_compare, make_app, snap_journal) -> None:
    async def to_run(pilot) -> None:  # type: ignore[no-untyped-def]
        await _plan(pilot)
        await pilot.press("ctrl+n")
        await until(pilot, lambda: pilot.app.screen.NAME == "run" and pilot.app.screen.ready)

    assert snap_compare(make_app(journal_dir=snap_journal), terminal_size=SIZE, run_before=_at("review", to_run))


def test_done_after_dry_run(snap_compare, make_app, snap_journal) -> None:
    async def to_done(pilot) -> None:  # type: ignore[no-untyped-def]
        await _plan(pilot)
        await pilot.press("ctrl+n")
        await until(pilot, lambda: pilot.app.screen.NAME == "run" and pilot.app.screen.ready)
        await pilot.press("ctrl+n")
        await until(pilot, lambda: pilot.app.screen.NAME == "done" and pilot.app.screen.ready)

    assert snap_compare(make_app(journal_dir=snap_journal), terminal_size=SIZE, run_before=_at("review", to_done))


def _real_run(fake_core, gate: threading.Event):  # type: ignore[no-untyped-def]
    fake_core.hold = lambda: gate.wait(20)

    async def to_confirm(pilot) -> None:  # type: ignore[no-untyped-def]
        await _plan(pilot)
        await pilot.press("ctrl+n")
        await until(pilot, lambda: isinstance(pilot.app.screen, ConfirmModal) and pilot.app.screen.ready)
    return to_confirm


def test_run_confirmation_modal(snap_compare, make_app, fake_core, snap_journal, tmp_path: Path) -> None:
    gate = threading.Event()
    app = make_app(journal_dir=snap_journal, answers=local_answers(tmp_path), dry_run=False)
    try:
        assert snap_compare(app, terminal_size=SIZE, run_before=_at("review", _real_run(fake_core, gate)))
    finally:
        gate.set()


def test_run_sync_progress(snap_compare, make_app, fake_core, snap_journal, tmp_path: Path) -> None:
    gate = threading.Event()
    start = _real_run(fake_core, gate)

    async def to_sync(pilot) -> None:  # type: ignore[no-untyped-def]
        await start(pilot)
        app = pilot.app
        for token in ("server1:/dev/sda5", "server2:/dev/sda5", "server1"):
            await until(pilot, lambda t=token: isinstance(app.screen, ConfirmModal) and app.screen.token == t
                        and app.screen.ready)
            app.screen.query_one("#token", Input).value = token
            app.screen.query_one("#token", Input).focus()
            await pilot.press("enter")
        await until(pilot, lambda: "41.0%" in screen_text(app), what="the sync bar")
        # the log scrolls to its last line after a refresh, which a loaded machine may not have drawn yet
        log, bar = app.screen.query_one("#log", RichLog), app.screen.query_one("#sync")
        await until(pilot, lambda: bar.region.height and log.lines[-1].text.startswith("$ initial sync")
                    and log.is_vertical_scroll_end, what="the bar laid out and the log scrolled to its end")

    app = make_app(journal_dir=snap_journal, answers=local_answers(tmp_path), dry_run=False)
    try:
        assert snap_compare(app, terminal_size=SIZE, run_before=_at("review", to_sync))
    finally:
        gate.set()


def test_failure_modal(snap_compare, make_app, fake_core, snap_journal, tmp_path: Path) -> None:
    fake_core.fail_once = {"hosts@server2"}

    async def to_failure(pilot) -> None:  # type: ignore[no-untyped-def]
        await _plan(pilot)
        await pilot.press("ctrl+n")
        await until(pilot, lambda: isinstance(pilot.app.screen, FailureModal) and pilot.app.screen.ready)

    app = make_app(journal_dir=snap_journal, answers=local_answers(tmp_path), dry_run=False)
    assert snap_compare(app, terminal_size=SIZE, run_before=_at("review", to_failure))


def test_help_modal(snap_compare, make_app, snap_journal) -> None:
    async def helped(pilot) -> None:  # type: ignore[no-untyped-def]
        await pilot.press("f1")
        await until(pilot, lambda: isinstance(pilot.app.screen, HelpModal) and pilot.app.screen.ready)

    assert snap_compare(make_app(journal_dir=snap_journal), terminal_size=SIZE, run_before=_at("disks", helped))


def test_status_of_the_pair(snap_compare, make_app, fake_core, snap_journal, tmp_path: Path) -> None:
    """The live view over the Nodes screen (ctrl+s), the pair healthy; a fixed state, refreshed."""
    from screens.status import StatusScreen

    fake_core.pair = pair_fixture()

    async def status(pilot) -> None:  # type: ignore[no-untyped-def]
        await pilot.press("ctrl+s")
        await until(pilot, lambda: isinstance(pilot.app.screen, StatusScreen) and pilot.app.screen.refreshes >= 1)

    app = make_app(journal_dir=snap_journal, answers=local_answers(tmp_path))
    assert snap_compare(app, terminal_size=SIZE, run_before=_at("nodes", status))


def test_failover_after_a_graceful_drill(snap_compare, make_app, fake_core, snap_journal, tmp_path: Path,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """The drill stubbed at the flow boundary: its lines, then the result table; failback offered."""
    from screens.state import RunOutcome

    monkeypatch.setattr("screens.failover.clock", lambda: 100.0)  # every line "0.0 s" after the start

    async def drill(pilot) -> None:  # type: ignore[no-untyped-def]
        app = pilot.app
        await pilot.click("#graceful")
        await until(pilot, lambda: isinstance(app.screen, ConfirmModal) and app.screen.ready)
        app.screen.query_one("#token", Input).value = "server1"
        await pilot.press("enter")
        await until(pilot, lambda: app.st.drills and not app.screen.query_one("#fail-back").disabled)

    async def real_run(pilot) -> None:  # type: ignore[no-untyped-def]
        pilot.app.st.outcome = RunOutcome(done=["heartbeat-start@server1"])

    async def run_before(pilot) -> None:  # type: ignore[no-untyped-def]
        await until(pilot, lambda: pilot.app.screen.ready)
        await real_run(pilot)
        await goto(pilot.app, pilot, "failover")
        await drill(pilot)
        await pilot.wait_for_scheduled_animations()
        await pilot.pause()

    app = make_app(dry_run=False, journal_dir=snap_journal, answers=local_answers(tmp_path))
    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)
