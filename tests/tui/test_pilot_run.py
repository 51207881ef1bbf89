"""Pilot tests of Review → Run → Done: dry run, typed confirmations, the sync bar, failure → retry/skip."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from textual.widgets import Input, ProgressBar
from tuikit import goto, local_answers, screen_text, text_of, until

from screens.modals import ConfirmModal, FailureModal
from wizard.core.answers import load_answers

pytestmark = pytest.mark.asyncio


async def review_to_run(app, pilot) -> None:
    await goto(app, pilot, "review")
    await until(pilot, lambda: app.st.facts.get("plan") is not None, what="the plan")
    await pilot.press("ctrl+n")
    await until(pilot, lambda: app.screen_for("run").ready, what="the run screen")


async def confirm_with(pilot, app, typed: str) -> None:
    await until(pilot, lambda: isinstance(app.screen, ConfirmModal) and app.screen.ready)
    box = app.screen.query_one("#token", Input)
    box.value = typed
    box.focus()
    await pilot.press("enter")


async def test_dry_run_shows_the_plan_and_changes_nothing(make_app, fake_core) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await goto(app, pilot, "review")
        await until(pilot, lambda: "DRY RUN — nothing will be changed" in screen_text(app))
        text = screen_text(app)
        assert "[server1] /etc/hosts entries" in text and "server2: not contacted" in text
        assert app.st.shared_secret not in text and "********" in text
        await pilot.press("ctrl+n")
        await until(pilot, lambda: app.screen.NAME == "run" and app.screen.ready)
        assert "DRY RUN: nothing was changed on server1 or server2" in screen_text(app)
        assert "○  would run" in str(app.screen.query_one("#steps").get_row_at(0))
        await pilot.press("ctrl+n")
        await until(pilot, lambda: app.screen.NAME == "done" and app.screen.ready)
        assert "nothing was changed on any server" in screen_text(app)
        assert f"ha-wizard apply --answers {app.st.saved_to}" in screen_text(app)
    assert fake_core.applied == []  # the engine was never called
    assert not (Path(app.st.journal_dir) / "journal.json").exists()
    spec, _ = load_answers(app.st.saved_to)  # what was saved replays headless
    assert spec.master == "server1" and spec.demo


async def test_run_confirms_shows_progress_and_recovers(make_app, fake_core, tmp_path: Path) -> None:
    gate = threading.Event()
    fake_core.hold = lambda: gate.wait(10)
    fake_core.fail_once = {"mount"}
    app = make_app(answers=local_answers(tmp_path), dry_run=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await review_to_run(app, pilot)
        # create-md on server1: the device token must be typed exactly
        await until(pilot, lambda: isinstance(app.screen, ConfirmModal), what="the create-md confirmation")
        assert app.screen.token == "server1:/dev/sda5"
        await confirm_with(pilot, app, "server1")
        await until(pilot, lambda: "type exactly 'server1:/dev/sda5'" in screen_text(app))
        assert isinstance(app.screen, ConfirmModal)
        await confirm_with(pilot, app, "server1:/dev/sda5")
        for token in ("server2:/dev/sda5", "server1"):  # create-md on the peer, then promote
            await until(pilot, lambda t=token: isinstance(app.screen, ConfirmModal) and app.screen.token == t)
            await confirm_with(pilot, app, token)
        # the sync: percent, speed and ETA while the engine waits
        await until(pilot, lambda: "41.0%" in screen_text(app), what="the sync bar")
        label = screen_text(app)
        assert "initial sync: 41.0%" in label and "10.6 MiB/s" in label and "ETA 4:43" in label
        assert app.screen.query_one("#sync", ProgressBar).progress == pytest.approx(41.0)
        assert app.running_step == "initial sync"
        gate.set()
        await until(pilot, lambda: isinstance(app.screen, ConfirmModal) and app.screen.token == "/dev/drbd0")
        await confirm_with(pilot, app, "/dev/drbd0")
        # mount fails once: what failed, the output, the fix; no skip for a DRBD step
        await until(pilot, lambda: isinstance(app.screen, FailureModal), what="the failure")
        text = screen_text(app)
        assert "Failed: mount /replicated on server1" in text
        assert "special device /dev/drbd0 does not exist" in text and "then retry" in text
        assert not app.screen.query("#skip")
        await pilot.click("#retry")
        # moving sendmail: the master's copy and the slave's links are two steps under ONE consent (its text
        # names both nodes), typed once as headless takes one --confirm sendmail
        await until(pilot, lambda: isinstance(app.screen, ConfirmModal) and app.screen.token == "sendmail"
                    and "server1" in str(app.screen.host), what="the sendmail confirmation")
        await confirm_with(pilot, app, "sendmail")
        await until(pilot, lambda: "Finished:" in screen_text(app), what="the end of the run")
        # (a second question would have held the run: it finished, with both steps run)
        assert {"move-sendmail@server1", "link-sendmail@server2"} <= {sid for a in fake_core.applied for sid in a}
        assert fake_core.applied[-1][0] == "mount"  # retried from the failed step
        await pilot.press("ctrl+n")
        await until(pilot, lambda: app.screen.NAME == "failover" and app.screen.ready)  # a real run: the drill next
        assert not app.screen.query_one("#graceful").disabled
        await pilot.press("ctrl+n")
        await until(pilot, lambda: app.screen.NAME == "done" and app.screen.ready)
        assert "not built yet" in screen_text(app) and app.st.saved_to in screen_text(app)


async def test_refused_confirmation_stops_and_skip_is_offered_only_where_safe(make_app, fake_core,
                                                                            tmp_path: Path) -> None:
    fake_core.fail_once = {"hosts@server2"}
    app = make_app(answers=local_answers(tmp_path), dry_run=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await review_to_run(app, pilot)
        await until(pilot, lambda: isinstance(app.screen, FailureModal), what="the hosts failure")
        assert app.screen.query("#skip")  # /etc/hosts is safe to skip
        await pilot.click("#skip")
        await until(pilot, lambda: isinstance(app.screen, ConfirmModal))
        assert fake_core.applied[-1][0] == "mountpoint@server1"
        await pilot.press("escape")  # refuse create-md
        await until(pilot, lambda: isinstance(app.screen, FailureModal))
        assert "not confirmed" in screen_text(app)
        await pilot.click("#quit")
        await until(pilot, lambda: not app.is_running)


async def test_review_lists_the_package_installs_first(make_app, fake_core) -> None:
    """server2 lacks drbd-utils, heartbeat and sendmail: the Review screen's plan starts with their install,
    the command it runs is shown, and the note says the checks that need them come after it."""
    import dataclasses

    from helpers.nodes import node_facts

    from wizard.preflight.install import note

    original = fake_core.review_session

    def review_session(st, ask, draft=False):  # type: ignore[no-untyped-def]
        s = original(st, ask, draft)
        facts = {"server1": node_facts(1, node="server1", hostname="server1"),
                 "server2": node_facts(2, node="server2", hostname="server2", packages={})}
        s.context = dataclasses.replace(s.context, facts=facts)
        s.notes.append(note(s.spec, facts))
        return s

    fake_core.review_session = review_session
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await goto(app, pilot, "review")
        await until(pilot, lambda: app.st.facts.get("plan") is not None, what="the plan")
        await pilot.pause()
        plan = text_of(app, "#plan-all")
        steps = [ln.strip() for ln in plan.splitlines() if ". [" in ln[:8]]
        assert steps[0] == "1. [server2] install drbd-utils, heartbeat, sendmail", steps[:3]
        assert steps[1] == "2. [server1] /etc/hosts entries for both servers and the service"
        assert "run: DEBIAN_FRONTEND=noninteractive apt-get install -y drbd-utils heartbeat sendmail" in plan
        status = text_of(app, "#plan-status")
        assert "installed first: drbd-utils, heartbeat, sendmail on server2 (the checks that need them" in status
        assert "] install drbd-utils" in text_of(app, "#plan-peer") and "] install " not in text_of(app, "#plan-master")
        assert app.st.facts["plan"].steps[0][:3] == ("install@server2", "install", "server2")
