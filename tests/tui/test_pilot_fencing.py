"""Pilot tests of step 7's fencing fields (Pacemaker's cluster.fencing and [stonith]) at 80x24."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from textual.widgets import Input, Select
from tuikit import goto, screen_text, until

from screens.heartbeat import CONFIRM_WORD
from wizard.core.answers import load_answers

pytestmark = pytest.mark.asyncio
SIZE = (80, 24)


def flat(app) -> str:
    """Every Static's text, shown or hidden (whether a part shows is asserted on its ``display``)."""
    return " ".join(screen_text(app).split())


def shown(app) -> str:
    """What the terminal shows now, as text (the SVG screenshot's characters, spaces made plain)."""
    svg = app.export_screenshot()
    return re.sub(r"<[^>]+>", "", svg.replace("&#160;", " "))


async def choose(pilot, app, select: str, value: str) -> None:
    app.screen.query_one(f"#{select}", Select).value = value
    await pilot.pause()


async def on_pacemaker(pilot, app) -> None:
    """Step 7, the stack set to pacemaker: the fencing fields shown."""
    await goto(app, pilot, "heartbeat")
    await choose(pilot, app, "stack", "pacemaker")


async def type_into(pilot, app, selector: str, text: str) -> None:
    box = app.screen.query_one(selector, Input)
    box.value = ""
    box.focus()
    box.scroll_visible(animate=False)
    await pilot.press(*text)


async def test_fencing_fields_show_for_pacemaker_and_auto_only(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await goto(app, pilot, "heartbeat")
        box = app.screen.query_one("#fencing-box")
        assert app.st.raw["cluster"].get("stack", "heartbeat") == "heartbeat" and not box.display
        await choose(pilot, app, "stack", "pacemaker")
        await until(pilot, lambda: box.display)
        assert "The fencing below applies to Pacemaker only." in flat(app)
        assert app.screen.query_one("#fencing", Select).value == "stonith"  # the default, STONITH on
        assert app.screen.query_one("#stonith-box").display and not app.screen.query_one("#none-box").display
        await choose(pilot, app, "agent", "fence_ipmilan")
        for row, on in (("login", True), ("password_script", True), ("hypervisor", False),
                        ("identity_file", False), ("master", True), ("peer", True)):
            assert app.screen.query_one(f"#row-{row}").display is on, row
        assert "server1's BMC" in flat(app) and "server2's BMC" in flat(app)
        await choose(pilot, app, "agent", "fence_virsh")
        for row, on in (("login", True), ("password_script", False), ("hypervisor", True),
                        ("identity_file", True), ("master", True), ("peer", True)):
            assert app.screen.query_one(f"#row-{row}").display is on, row
        assert "server1's VM" in flat(app) and not app.screen.query_one("#why-password_script").display
        await choose(pilot, app, "agent", "later")
        assert not app.screen.query_one("#row-master").display  # not chosen yet: no fields
        await choose(pilot, app, "stack", "auto")
        assert box.display
        await choose(pilot, app, "stack", "heartbeat")
        await until(pilot, lambda: not box.display)


async def test_no_stonith_needs_the_typed_word_then_review_says_stonith_off(make_app, tmp_path: Path) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await on_pacemaker(pilot, app)
        await choose(pilot, app, "fencing", "none-confirmed")
        assert app.screen.query_one("#none-box").display and not app.screen.query_one("#stonith-box").display
        assert "split brain" in flat(app) and f"Type {CONFIRM_WORD} to turn STONITH off." in flat(app)
        await type_into(pilot, app, "#confirm", "yes")
        await pilot.press("ctrl+n")
        want = (f"STONITH stays on until you type {CONFIRM_WORD} in the Confirm box: type it there, or choose a "
                "STONITH device.")
        await until(pilot, lambda: want in flat(app))
        assert app.screen.NAME == "heartbeat"
        assert app.st.raw["cluster"]["fencing"] == "stonith"  # refused: nothing turned off
        await type_into(pilot, app, "#confirm", CONFIRM_WORD)
        await pilot.press("ctrl+n")
        await until(pilot, lambda: app.screen.NAME == "review" and "plan" in app.st.facts, timeout=60)
        assert app.st.raw["cluster"]["fencing"] == "none-confirmed"
        assert "Fencing: STONITH off" in flat(app)
        assert "stonith-enabled=false" in app.st.facts["plan"].text
        # the answers saved by the TUI give the same choice back
        app.st.save_path = str(tmp_path / "answers.toml")
        spec, _ = load_answers(app.core.save(app.st))
        assert (spec.stack, spec.fencing, spec.stonith.agent) == ("pacemaker", "none-confirmed", "")


async def test_fence_ipmilan_with_missing_fields_is_refused_in_one_sentence(make_app, tmp_path: Path) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await on_pacemaker(pilot, app)
        await choose(pilot, app, "agent", "fence_ipmilan")
        await type_into(pilot, app, "#login", "admin")
        await pilot.press("ctrl+n")
        want = ("fence_ipmilan needs the password script, server1's BMC address and server2's BMC address: fill "
                "them in, or choose 'not chosen yet' to decide later.")
        await until(pilot, lambda: want in flat(app))
        assert app.screen.NAME == "heartbeat"
        assert flat(app).count("•") == 1  # one sentence, not one per key
        await type_into(pilot, app, "#password_script", "/root/bmc-password.sh")
        await type_into(pilot, app, "#fence-master", "10.0.0.201")
        await type_into(pilot, app, "#fence-peer", "10.0.0.202")
        await pilot.press("ctrl+n")
        await until(pilot, lambda: app.screen.NAME == "review" and "plan" in app.st.facts, timeout=60)
        assert "Fencing: STONITH on through fence_ipmilan" in flat(app)
        plan = app.st.facts["plan"].text
        assert "# NOT READY" not in plan and "<missing:" not in plan and "10.0.0.202" in plan
        app.st.save_path = str(tmp_path / "answers.toml")
        spec, _ = load_answers(app.core.save(app.st))
        assert (spec.fencing, spec.stonith.agent, spec.stonith.login) == ("stonith", "fence_ipmilan", "admin")
        assert spec.stonith.password_script == "/root/bmc-password.sh"
        assert [n.fence_target for n in spec.nodes] == ["10.0.0.201", "10.0.0.202"]


async def test_a_password_typed_for_its_script_is_never_shown_nor_kept(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await on_pacemaker(pilot, app)
        await choose(pilot, app, "agent", "fence_ipmilan")
        await type_into(pilot, app, "#password_script", "/root/pw.sh")
        await pilot.pause()
        assert "/root/pw.sh" in shown(app)  # a path is shown as typed (so the check below can see text)
        secret = "Hunter2xyzzy"
        await type_into(pilot, app, "#password_script", secret)
        await pilot.pause()
        assert app.screen.query_one("#password_script", Input).value == secret
        assert secret not in shown(app) and "•" * len(secret) in shown(app)  # masked as it is typed
        await pilot.press("ctrl+n")
        await until(pilot, lambda: "never the password itself" in flat(app))
        assert app.screen.NAME == "heartbeat"
        assert secret not in shown(app) and secret not in screen_text(app)
        assert app.screen.query_one("#password_script", Input).value == ""  # cleared
        assert app.st.raw["stonith"]["password_script"] == ""  # never in the answers being edited


async def test_a_pacemaker_answers_file_goes_through_the_screen_unchanged(make_app, tmp_path: Path) -> None:
    """Loaded into the fields and saved back by the TUI: the same answers (the round trip of wizard.core.answers)."""
    src = Path(__file__).resolve().parents[1] / "data" / "answers" / "pacemaker-ipmi.toml"
    app = make_app(answers=str(src))
    async with app.run_test(size=SIZE) as pilot:
        await goto(app, pilot, "heartbeat")
        assert app.screen.query_one("#agent", Select).value == "fence_ipmilan"
        assert app.screen.query_one("#fence-peer", Input).value == "bmc-beta.example.com"
        assert "alpha's BMC" in flat(app)
        await pilot.press("ctrl+n")
        await until(pilot, lambda: app.screen.NAME == "review" and "plan" in app.st.facts, timeout=60)
        app.st.save_path = str(tmp_path / "again.toml")
        again, _ = load_answers(app.core.save(app.st))
    want, _ = load_answers(src)
    mine, theirs = again.to_dict(), want.to_dict()
    assert mine.pop("wizard")["journal_dir"] != theirs.pop("wizard")["journal_dir"]  # the TUI's own journal
    assert mine == theirs and mine["stonith"]["password_script"] == "/root/bmc-password.sh"
