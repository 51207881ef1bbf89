"""Status: the pair live, as `ha-wizard status --watch` shows it (the same reading, ``wizard.heartbeat.pair_state``).

Opened over any screen with ctrl+s, and from Welcome when the journal says a pair is set up. A worker opens
ONE watch (this node, and the peer over one SSH connection) and refreshes it at most once a second until the
screen closes; each refresh reaches the UI through ``call_from_thread``.
"""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING, Any

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Static

from screens.looks import line

if TYPE_CHECKING:
    from screens.app import WizardApp

HELP = ("Both nodes, read every second over one SSH connection: DRBD's role, connection and disks, a resync's "
        "progress and what is out of sync, Heartbeat and where the resources run, the service address and each "
        "service's health. Nothing is changed.\n\nA red banner means DRBD stopped replicating (StandAlone, "
        "split-brain): it names the recovery command, `ha-wizard recover-split-brain`, which asks before it "
        "discards anything.\n\nThe same view without the wizard: `ha-wizard status --watch`. Esc goes back.")


class StatusScreen(Screen[None]):
    BINDINGS = [Binding("escape", "close", "Back"), Binding("ctrl+s", "close", "Back", show=False),
                Binding("f1", "help", "Help")]

    def __init__(self) -> None:
        super().__init__()
        self.stop = threading.Event()
        self.refreshes = 0  # shown so far (tests wait on it)
        self.failed = ""

    @property
    def wapp(self) -> WizardApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        yield Static(id="topbar")
        with VerticalScroll(id="body"):
            yield Static(id="banner")
            yield Static(id="pair")
            yield Static(id="notes")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#topbar", Static).update(line(" ha-wizard  ·  Status of the pair (live, read-only)"))
        self.query_one("#banner", Static).display = False
        self.query_one("#pair", Static).update(line("Reading both nodes…", "$text-muted"))
        self._watch()

    def on_unmount(self) -> None:
        self.stop.set()

    def action_close(self) -> None:
        self.stop.set()
        self.dismiss()

    def action_help(self) -> None:
        from screens.modals import HelpModal

        self.app.push_screen(HelpModal("Status of the pair", HELP))

    # --- the worker -------------------------------------------------------------------------------------
    @work(thread=True, exclusive=True, group="status")
    def _watch(self) -> None:
        app, st = self.wapp, self.wapp.st
        core = app.core
        answers = core.pair_answers(st)
        if not answers:
            app.call_from_thread(self.fail, f"No pair to watch yet: the status view reads the answers of the last "
                                            f"run, and there is no journal in {st.journal_dir}. Set the pair up "
                                            "first (or start ha-wizard with --answers FILE).")
            return
        try:
            pair = app.detached(core.open_watch, answers, st, app.ask_host_key)
        except Exception as e:  # QuitRequested included: nothing to show any more
            if not app.quitting.is_set():
                app.call_from_thread(self.fail, str(e))
            return
        core.watch(pair, self._shown_from_thread, self.stop)

    def _shown_from_thread(self, ps: Any) -> None:
        if self.wapp.quitting.is_set():
            self.stop.set()
            return
        try:
            self.wapp.call_from_thread(self.show, ps)
        except RuntimeError:  # the app is gone
            self.stop.set()

    # --- the view (UI thread) -----------------------------------------------------------------------------
    def fail(self, why: str) -> None:
        self.failed = why
        self.query_one("#pair", Static).update(line(why, "$text-error"))

    def show(self, ps: Any) -> None:
        from wizard.heartbeat.pair_state import notes, table

        width = max(60, self.size.width - 2)
        banner = self.query_one("#banner", Static)
        banner.update(line(ps.banner, "bold $text-error"))
        banner.display = bool(ps.banner)
        stamp = time.strftime("%H:%M:%S") if not self.app.is_headless else "(test)"
        self.query_one("#pair", Static).update(line("\n".join([f"{ps.watched.resource} at {stamp}, "
                                                               "every second", *table(ps, width)])))
        self.query_one("#notes", Static).update(line("\n".join(f"! {n}" for n in notes(ps)), "$text-warning"))
        self.refreshes += 1
