"""Done: what happened, what to do next, and where the answers file was saved."""

from __future__ import annotations

from collections.abc import Iterable

from textual.binding import Binding
from textual.widget import Widget
from textual.widgets import Static

from screens.base import WizardScreen
from screens.looks import line


class DoneScreen(WizardScreen):
    NAME = "done"
    NEXT_LABEL = "Quit"
    HELP = (
        "The summary of this run and the next steps. The answers file replays the same setup without the "
        "screens (`ha-wizard apply --answers FILE`); `ha-wizard status` shows the cluster's state later."
    )
    BINDINGS = [*WizardScreen.BINDINGS, Binding("enter", "next", "Quit", show=False)]

    def body(self) -> Iterable[Widget]:
        yield Static(line("Done", "bold"), classes="title")
        yield Static(id="summary")
        yield Static(line("What next", "bold"), classes="title")
        yield Static(id="next-steps")
        yield Static(id="answers")

    def load(self) -> None:
        st, o = self.st, self.st.outcome
        if o is None or o.dry_run:
            self.say("#summary", "Dry run finished: nothing was changed on any server.", "$text-success")
            nxt = ["Run `ha-wizard` without --dry-run on the master to set the pair up for real, or "
                   "replay these answers headless:",
                   f"    ha-wizard apply --answers {st.saved_to}"]
        else:
            self.say("#summary", f"{len(o.done)} steps done, {len(o.skipped)} already in place, "
                                 f"{len(o.not_implemented)} not built yet"
                                 + (f" ({', '.join(o.not_implemented)})" if o.not_implemented else "") + ".",
                     "$text-success")
            dev, mp = st.raw["drbd"].get("device"), st.raw["storage"].get("mount_point")
            nxt = [f"Check the mirror: `cat /proc/drbd` shows Connected and UpToDate/UpToDate; {dev} is "
                   f"mounted on {mp} on the master only.",
                   "Watch the pair: Ctrl+S here, or `ha-wizard status --watch`. Test the failover: the previous "
                   "screen, or `ha-wizard failover-test --graceful|--hard|--back`. Interrupted: `ha-wizard resume`."]
            if st.drills:
                from wizard.failover.result import summary

                nxt.insert(0, "Failover test: " + summary(st.drills[-1]).splitlines()[0])
        if st.demo:
            nxt.append("These were the tutorial's demo answers: copy them, put in your own servers, and "
                       "remove the 'demo' line before a real run.")
        self.say("#next-steps", "\n".join(nxt))
        where = st.saved_to or "(not saved)"
        secrets = "with the secrets (mode 0600)" if st.keep_secrets else "without secrets"
        self.say("#answers", f"Answers saved to {where}, {secrets}. The journal is in {st.journal_dir}.",
                 "bold")
        self.query_one("#next").focus()

    def action_back(self) -> None:
        o = self.st.outcome
        self.wapp.go("failover" if o is not None and not o.dry_run and not o.stopped else "run")

    def action_next(self) -> None:
        self.app.exit(0)
