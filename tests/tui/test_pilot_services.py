"""Pilot tests of the Services screen: the checklist of recipes on both nodes, what each moves, warnings,
and the answers it edits."""

from __future__ import annotations

import pytest
from textual.widgets import SelectionList
from tuikit import goto, screen_text, until

pytestmark = pytest.mark.asyncio


async def checklist(app, pilot) -> SelectionList:  # type: ignore[no-untyped-def, type-arg]
    """The Services screen with the nodes' answer shown, and its list focused."""
    await goto(app, pilot, "services")
    await until(pilot, lambda: "Not installed on both" in screen_text(app))
    box = app.screen.query_one("#recipes", SelectionList)
    assert app.focused is box  # on entry, no Tab needed: space ticks at once
    return box


def listed(app) -> list[str]:  # type: ignore[no-untyped-def]
    box = app.screen.query_one("#recipes", SelectionList)
    return [str(box.get_option_at_index(i).value) for i in range(box.option_count)]


async def test_the_checklist_offers_what_both_nodes_have(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        box = await checklist(app, pilot)
        assert listed(app) == ["apache2", "postgresql", "sendmail"]  # bind9 is not on the nodes
        assert "bind9 (not on server1 and server2)" in screen_text(app)
        assert box.selected == ["sendmail"]  # the tutorial's answers enable sendmail
        assert "/etc/apache2, /var/www" in str(box.get_option_at_index(0).prompt)


async def test_the_highlighted_service_shows_its_warnings(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await checklist(app, pilot)
        await pilot.press("down")
        await until(pilot, lambda: "postgresql 15+248 on server1 but 16+257 on server2" in screen_text(app))
        await pilot.press("down")
        await until(pilot, lambda: "sendmail is running on server2: it is stopped for the move" in screen_text(app))
        assert "relay for mail while the disk is elsewhere: msmtp" in screen_text(app)


async def test_ticking_edits_the_answers_and_too_much_data_is_flagged(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await checklist(app, pilot)
        await pilot.press("space")  # apache2
        await pilot.press("down", "space")  # postgresql: 39 MiB more, on a disk with room for 29
        await until(pilot, lambda: "too little space" in screen_text(app))
        assert "the chosen services hold 40.5 MiB, the replicated disk has about 29.3 MiB" in screen_text(app)
        assert "Chosen: sendmail, apache2, postgresql" in screen_text(app)  # in words, not only in colour
        await pilot.press("ctrl+n")
        await until(pilot, lambda: app.screen.NAME == "heartbeat" and app.screen.ready)
        assert app.st.raw["recipes"]["enabled"] == ["sendmail", "apache2", "postgresql"]
        await pilot.press("escape")
        await until(pilot, lambda: app.screen.NAME == "services" and app.screen.ready)
        box = app.screen.query_one("#recipes", SelectionList)
        assert sorted(box.selected) == ["apache2", "postgresql", "sendmail"]
        box.focus()
        box.highlighted = 2
        await pilot.press("space")  # untick sendmail
        await pilot.press("escape")
        await until(pilot, lambda: app.screen.NAME == "drbd" and app.screen.ready)
        assert app.st.raw["recipes"]["enabled"] == ["apache2", "postgresql"]


async def test_a_broken_custom_recipe_is_named_before_leaving(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await checklist(app, pilot)
        app.st.raw["recipes"]["enabled"] = ["custom"]
        await pilot.press("ctrl+n")
        await until(pilot, lambda: "custom.unit is missing" in screen_text(app))
        assert app.screen.NAME == "services"
