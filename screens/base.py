"""What every wizard screen shares: the step bar, help (F1 or ?), Back/Next, the problems panel, the footer."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Button, Footer, Input, Static

from screens.looks import compact, line

if TYPE_CHECKING:
    from screens.app import WizardApp
    from screens.state import WizardState


class WizardScreen(Screen[Any]):
    NAME = ""
    HELP = ""
    NEXT_LABEL = "Next"
    BINDINGS = [
        Binding("f1", "help", "Help"),
        Binding("question_mark", "help", "Help", show=False),
        Binding("escape", "back", "Back"),
        Binding("ctrl+n", "next", "Next"),
    ]

    @property
    def wapp(self) -> WizardApp:
        return self.app  # type: ignore[return-value]

    @property
    def st(self) -> WizardState:
        return self.wapp.st

    # --- layout ---------------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield Static(id="topbar")
        with VerticalScroll(id="body"):
            yield from self.body()
            yield Static(id="problems")
        with Horizontal(id="nav"):
            yield Button("Back", id="back")
            yield Button(self.NEXT_LABEL, id="next", variant="primary")
        yield Footer()

    def body(self) -> Iterable[Widget]:
        return []

    # A screen (re)loads its fields when the flow enters it, not when a modal over it closes: that would
    # throw away what was typed. The app sets ``entering``; the first show waits for the widgets.
    entering = False
    ready = False  # entered and filled (tests wait on it)
    _composed = False

    def on_mount(self) -> None:
        compact(self)
        self._composed = True
        self._maybe_enter()

    def on_screen_resume(self) -> None:
        self._maybe_enter()

    def _maybe_enter(self) -> None:
        if self._composed and self.entering:
            self.entering = False
            self.call_after_refresh(self.enter)  # nested children mount after the screen's own Mount

    def enter(self) -> None:
        mode = "  ·  DRY RUN: nothing is changed" if self.st.dry_run else ""
        self.query_one("#topbar", Static).update(line(f" ha-wizard  ·  {self.wapp.step_label(self.NAME)}{mode}"))
        self.query_one("#back", Button).display = self.NAME != "welcome"
        self.load()
        self.ready = True

    def load(self) -> None:
        """Fill the fields from the draft (called each time the screen is shown)."""

    def save(self) -> None:
        """Write the fields back to the draft."""

    def prefixes(self) -> list[str]:
        """Which validation sentences belong to this screen."""
        return []

    def extra_problems(self) -> list[str]:
        return []

    def problems(self) -> list[str]:
        pre = self.prefixes()
        return self.extra_problems() + (self.st.problems(pre) if pre else [])

    def show_problems(self, problems: list[str]) -> None:
        panel = self.query_one("#problems", Static)
        if problems:
            panel.update(Content("\n").join([line("Fix this first:", "bold $text-error"),
                                             *(line(f"• {p}", "$text-error") for p in problems)]))
        else:
            panel.update("")
        panel.display = bool(problems)

    # --- actions ----------------------------------------------------------------------------------------
    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "next":
            event.stop()
            self.action_next()
        elif event.button.id == "back":
            event.stop()
            self.action_back()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.focus_next()

    def action_next(self) -> None:
        self.save()
        problems = self.problems()
        self.show_problems(problems)
        if problems:
            self.query_one("#problems", Static).scroll_visible()
            return
        self.leave()

    def leave(self) -> None:
        self.wapp.go_next(self.NAME)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return not (action == "back" and self.NAME == "welcome")  # nothing before Welcome

    def action_back(self) -> None:
        self.save()
        self.wapp.go_back(self.NAME)

    def action_help(self) -> None:
        from screens.modals import HelpModal

        self.app.push_screen(HelpModal(self.wapp.step_label(self.NAME), self.HELP))

    # --- helpers ------------------------------------------------------------------------------------------
    def gather_fact(self, fact: str, call: Callable[[Any], Any], status: str, unknown: str,
                    show: Callable[[Any], None]) -> None:
        """From a worker thread: ``call(probe session)`` (read-only, on the nodes), remembered as ``fact`` for
        this peer and shown; on failure the screen keeps working and says ``unknown: why`` in ``status``."""
        app, st = self.wapp, self.st
        key = st.peer_key()
        try:
            session = app.detached(app.core.probe_session, st, app.ask_host_key)
            value = app.detached(call, session)
        except Exception as e:
            if app.quitting.is_set():
                return
            app.call_from_thread(self.say, status, f"{unknown}: {e}", "$text-warning")
            return
        st.remember(fact, value, key)
        app.call_from_thread(show, value)

    def value(self, selector: str) -> str:
        return self.query_one(selector, Input).value.strip()

    def set_value(self, selector: str, value: Any) -> None:
        self.query_one(selector, Input).value = "" if value is None else str(value)

    def say(self, selector: str, text: str | Content, style: str = "") -> None:
        self.query_one(selector, Static).update(line(text, style) if isinstance(text, str) else text)
