"""Welcome: what the wizard does, and — when a journal exists — where the last run stopped and why."""

from __future__ import annotations

import os
from collections.abc import Iterable

from textual.containers import Horizontal
from textual.widget import Widget
from textual.widgets import Button, Static

from screens.base import WizardScreen
from screens.looks import line

INTRO = (
    "ha-wizard turns two Linux servers into a redundant pair, as in the classic \"DRBD and Heartbeat\" "
    "tutorial: DRBD mirrors one partition from the master to the slave, and Heartbeat moves the service "
    "address and the disk to the slave when the master dies.\n"
    "You answer one screen per tutorial step. Nothing runs until the Review screen has shown you every "
    "command and every file change, per server."
)


class WelcomeScreen(WizardScreen):
    NAME = "welcome"
    NEXT_LABEL = "Start"
    HELP = (
        "This screen tells what will happen and, when an earlier run left a journal, where it stopped.\n\n"
        "Resume loads the answers that run used and goes to Review: every step is checked on the servers "
        "again before it is skipped, so a stale journal never skips work that is not there.\n"
        "Start walks through all the screens (your earlier answers are kept)."
    )
    BINDINGS = [*WizardScreen.BINDINGS]

    def body(self) -> Iterable[Widget]:
        yield Static(line("Set up a DRBD + Heartbeat pair, step by step", "bold"), classes="title")
        yield Static(line(INTRO), classes="intro")
        yield Static(id="mode")
        yield Static(id="journal")
        with Horizontal(id="resume-row"):
            yield Button("Resume where it stopped", id="resume", variant="warning")
            yield Button("Watch the pair (ctrl+s)", id="status")

    def load(self) -> None:
        st = self.st
        me = self.wapp.core.local_name()
        bits = [f"This machine is '{me}' (uname -n): run the wizard on the master."]
        if st.dry_run:
            bits.append("Dry run: every screen and probe works, nothing is changed on any server.")
        if st.answers_source:
            bits.append(f"Starting from the answers in {shown_path(st.answers_source)}.")
        if st.demo:
            bits.append("These are the tutorial's example answers (demo): its 192.168.1.x servers are never "
                        "contacted.")
        self.say("#mode", "\n".join(bits), "$text-muted")
        if st.load_problem:
            self.show_problems([st.load_problem + "\n(The screens start from defaults where it was unreadable.)"])
        j = self.wapp.core.journal(st.journal_dir)
        resume = self.query_one("#resume", Button)
        self.query_one("#resume-row").display = j.exists and not j.problem
        self.query_one("#status", Button).display = j.pair_set_up
        if j.problem:
            self.say("#journal", j.problem, "$text-error")
        elif j.pair_set_up:
            self.say("#journal", f"A pair is set up (the run in {st.journal_dir} started Heartbeat; its last "
                                 f"step: '{j.stopped_at}', {j.status}). Watch it live with ctrl+s, or resume to "
                                 "re-check every step.", "bold $text-success")
            self.query_one("#status", Button).focus()
        elif j.exists and j.stopped_at:
            why = f": {j.detail.splitlines()[0]}" if j.detail else ""
            self.say("#journal", f"A journal exists in {st.journal_dir}. The last run stopped at "
                                 f"'{j.stopped_at}' on {j.host} ({j.status}{why}).", "bold $text-warning")
            resume.focus()
        elif j.exists:
            self.say("#journal", f"A journal exists in {st.journal_dir}, with no step recorded yet.", "$text-warning")
        else:
            self.say("#journal", f"No earlier run: the journal will be kept in {st.journal_dir}.", "$text-muted")
            self.query_one("#next", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "resume":
            event.stop()
            self.resume()
        elif event.button.id == "status":
            event.stop()
            self.wapp.action_status()
        else:
            super().on_button_pressed(event)

    def resume(self) -> None:
        from wizard.core.answers import complete, defaulted_keys, split_secrets

        j = self.wapp.core.journal(self.st.journal_dir)
        if j.answers:
            raw, problem = self.wapp.core.read_answers(j.answers)
            if raw is None:
                self.show_problems([f"the journal points to {j.answers}, which cannot be read ({problem}); "
                                    "start over and give your answers again"])
                return
            raw, given = split_secrets(raw)
            self.st.defaulted = defaulted_keys(raw)
            self.st.raw = complete(raw)
            if given.shared_secret or given.authkey:
                self.st.shared_secret, self.st.authkey = self.wapp.core.resolve_secrets(given, self.st.journal_dir)
            self.st.answers_source = j.answers
        self.wapp.go("review")


def shown_path(path: str) -> str:
    """A path as the admin typed it: relative when it lies below the current folder (shorter to read)."""
    try:
        rel = os.path.relpath(path)
    except ValueError:
        return path
    return path if rel.startswith("..") else rel
