"""Failover test: the tutorial's last step, measured (``ha-wizard failover-test`` in the wizard).

Three buttons call the drill of ``wizard.flow.drill`` through the Core: graceful (the serving node hands
everything over), hard (the admin cuts the serving node's power when told; the drill waits), and fail back.
What the drill says arrives line by line with the seconds since the start; its result table follows.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any

from textual import work
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widget import Widget
from textual.widgets import Button, RichLog, Static

from screens.base import WizardScreen
from screens.looks import line

INTRO = ("A drill moves the disk, the service address and the services to the other node and times each phase. "
         "Graceful: the serving node hands over. Hard: you cut its power when told.")
clock = time.monotonic  # the drill's seconds (snapshots fix it)
WHAT = {
    "graceful": "moves the disk, {vip} and the services from {src} to {dst} (hb_standby): clients wait a few "
                "seconds",
    "hard": "waits for you to cut {src}'s power; {dst} then takes the disk, {vip} and the services (clients wait "
            "deadtime and the takeover)",
    "back": "moves the disk, {vip} and the services back from {src} to {dst}, the master",
}


MODES = {"graceful": "graceful", "hard": "hard", "fail-back": "back"}  # button id -> drill mode


class FailoverScreen(WizardScreen):
    NAME = "failover"
    NEXT_LABEL = "Done"
    HELP = (
        "The tutorial ends by testing the failover. Each drill arms a watcher on the node that takes over, "
        "causes the event, and reports how long each phase took after it, and whether every acknowledged write "
        "survived (hard drill). Every drill is appended to failover-report.md in the journal folder.\n\n"
        "Graceful: no outage beyond the hand-over. Hard: the real thing, a dead master; the wizard tells you "
        "when to cut the power and waits (best run from the node that takes over, or the wizard dies with "
        "the master: then `ha-wizard failover-test --result` reads the measurement back). Fail back: "
        "Heartbeat's auto_failback is off, so the master takes everything back only when you ask.\n\n"
        "The same without the screens: `ha-wizard failover-test --graceful|--hard|--back`."
    )

    # keys for the three drills, as Check SSH / Install key on the Nodes screen: no Tab-hunting for a button
    # (the buttons name their keys; the footer has no room left at 80 columns)
    BINDINGS = [*WizardScreen.BINDINGS, Binding("f5", "drill('graceful')", "Graceful", show=False),
                Binding("f6", "drill('hard')", "Hard", show=False),
                Binding("f7", "drill('fail-back')", "Fail back", show=False)]

    busy = False
    started = 0.0

    def body(self) -> Iterable[Widget]:
        yield Static(line("Failover test", "bold"), classes="title")
        yield Static(line(INTRO), classes="intro")
        yield Static(id="where")
        with Horizontal(classes="row buttons"):
            yield Button("Graceful drill F5", id="graceful", variant="primary")
            yield Button("Hard drill F6", id="hard", variant="warning")
            yield Button("Fail back F7", id="fail-back")
        yield Static(id="now")
        yield Static(id="result")
        yield RichLog(id="drill-log", wrap=True, markup=False, max_lines=400)

    def load(self) -> None:
        st = self.st
        real = not st.dry_run and st.outcome is not None and not st.outcome.dry_run
        if not real:
            self.say("#where", "Dry run: nothing was set up, so there is nothing to fail over. Done shows the "
                               "summary; a real run ends here with a drill.", "$text-muted")
        elif st.outcome is not None and st.outcome.stopped:
            self.say("#where", f"The run stopped ({st.outcome.stopped}): finish it (Back) before a drill.",
                     "$text-warning")
        else:
            self.say("#where", "The pair runs. Start with the graceful drill; the hard one is the real test.")
        for b in ("#graceful", "#hard"):
            self.query_one(b, Button).disabled = not real or self.busy
        self.query_one("#fail-back", Button).disabled = not real or self.busy or not self._moved_away()
        self.note("#now", "")
        self._show_result()

    def _moved_away(self) -> bool:
        """The last drill left the resources on the peer: failback is what comes next."""
        last = self.st.drills[-1] if self.st.drills else None
        return last is not None and last.complete and last.target != self.st.raw["cluster"].get("master")

    def extra_problems(self) -> list[str]:
        return ["a drill is running: wait for its result (or quit; the report is kept on the nodes)"] \
            if self.busy else []

    def action_back(self) -> None:
        if self.busy:
            self.show_problems(self.extra_problems())
            return
        super().action_back()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id not in MODES:
            super().on_button_pressed(event)
            return
        event.stop()
        self.action_drill(event.button.id)

    def action_drill(self, button: str) -> None:
        """A drill's key does what its button does, and nothing while the button is disabled (saying why
        when a drill is still running)."""
        if not self.query_one(f"#{button}", Button).disabled:
            self._begin(MODES[button])
        elif self.busy:
            self.show_problems(self.extra_problems())

    # --- the drill ------------------------------------------------------------------------------------------
    def _begin(self, mode: str) -> None:
        self.busy = True
        self.started = clock()
        for b in ("#graceful", "#hard", "#fail-back"):
            self.query_one(b, Button).disabled = True
        self.show_problems([])
        self.query_one("#drill-log", RichLog).write(f"--- {mode} drill ---")
        self.note("#now", f"Reading both nodes for the {mode} drill…", "$text-muted")
        self._drill(mode)

    @work(thread=True, exclusive=True, group="drill")
    def _drill(self, mode: str) -> None:
        from screens.app import QuitRequested
        from screens.modals import ConfirmModal

        app, st = self.wapp, self.st
        core = app.core

        def say(text: str) -> None:
            app.call_from_thread(self.said, clock() - self.started, text)

        answers = core.pair_answers(st)
        try:
            if not answers:
                raise RuntimeError(f"no answers to drill: the journal in {st.journal_dir} names none")
            drill = app.detached(core.open_drill, answers, st, app.ask_host_key, say)
            try:
                src, dst = app.detached(core.drill_roles, drill)
                what = WHAT[mode].format(vip=st.raw["service"].get("vip"), src=src, dst=dst)
                ok = app.ask_from_thread(lambda: ConfirmModal(
                    src, f"The {mode} drill {what}", src, title=f"Failover drill: {src} -> {dst}",
                    after="Fail back moves everything to the master again."))
                if not ok:
                    app.call_from_thread(self.ended, None, "not confirmed: nothing was moved")
                    return
                m = app.detached(core.run_drill, drill, mode, src)
            finally:
                core.close_drill(drill)
        except QuitRequested:
            return
        except Exception as e:  # every drill error is a sentence for the admin (WizardError)
            if not app.quitting.is_set():
                app.call_from_thread(self.ended, None, str(e))
            return
        app.call_from_thread(self.ended, m, "")

    def said(self, seconds: float, text: str) -> None:
        first = text.splitlines()[0] if text else ""
        self.query_one("#drill-log", RichLog).write(f"{seconds:6.1f} s  {text}")
        self.note("#now", first, "bold $text-warning")  # the hard drill's instruction stays in sight

    def ended(self, m: Any, problem: str) -> None:
        self.busy = False
        if m is not None:
            self.st.drills.append(m)
        self.load()
        if problem:
            self.show_problems([problem])
        elif m is not None:  # the buttons are live again: say what comes next
            then = ("F6 cuts its power for the real test, F7 fails back to the master" if self._moved_away()
                    else "F5 or F6 for another drill, or Done")
            self.note("#now", f"Drill done, result below. Next: {then}.", "$text-success")

    def _show_result(self) -> None:
        from wizard.failover.result import summary

        m = self.st.drills[-1] if self.st.drills else None
        if m is None:
            self.note("#result", "")
            return
        good = m.complete and m.writes_ok
        self.note("#result", summary(m), "$text-success" if good else "bold $text-error")
