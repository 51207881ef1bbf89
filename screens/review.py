"""Review: the whole plan per host with file diffs — the dry-run — and where the answers are saved."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from textual import work
from textual.containers import Horizontal
from textual.content import Content
from textual.widget import Widget
from textual.widgets import Input, Label, Static, TabbedContent, TabPane

from screens.base import WizardScreen
from screens.looks import line


def plan_content(text: str) -> Content:
    """The plan text with added lines, removed lines and secrets-masked notes in theme colours."""
    out = []
    for ln in text.splitlines():
        s = ln.lstrip()
        if s.startswith("+") and not s.startswith("+++"):
            out.append(line(ln, "$text-success"))
        elif s.startswith("-") and not s.startswith("---"):
            out.append(line(ln, "$text-error"))
        elif s[:3].rstrip(".").strip().isdigit() and ". [" in s[:8]:
            out.append(line(ln, "bold"))
        elif s.startswith(("not implemented yet", "asks you to type")):
            out.append(line(ln, "$text-warning"))
        else:
            out.append(line(ln))
    return Content("\n").join(out)


class ReviewScreen(WizardScreen):
    NAME = "review"
    HELP = (
        "This is the dry-run: every step in order, the server it runs on, each command, and each file "
        "change as a diff against what is on that server now (a server not contacted shows whole files). "
        "Secrets are shown as ********.\n\n"
        "Left/Right switch between the whole plan and each server's part; PageUp/PageDown scroll.\n\n"
        "Your answers are saved to the file named here when you go on, so the same setup can be replayed "
        "without the screens: ha-wizard apply --answers FILE. Secrets are left out unless you asked for "
        "them on the DRBD screen.\n\n"
        "Destructive steps (DRBD meta-data, making the master Primary, the filesystem) still ask you to "
        "type the device or node name when they run."
    )

    @property
    def NEXT_LABEL(self) -> str:  # type: ignore[override]
        return "Finish dry run" if self.wapp.dry_run else "Save and run"

    def body(self) -> Iterable[Widget]:
        yield Static(line("Review: what will run, where", "bold"), classes="title")
        yield Static(id="plan-status")
        with Horizontal(classes="row"):
            yield Label("Answers file", classes="label")
            yield Input(id="save-path", classes="wide-input")
        with TabbedContent(id="plan-tabs"):
            with TabPane("Whole plan", id="tab-all"):
                yield Static(id="plan-all", classes="plan")
            with TabPane("master", id="tab-master"):
                yield Static(id="plan-master", classes="plan")
            with TabPane("peer", id="tab-peer"):
                yield Static(id="plan-peer", classes="plan")

    def load(self) -> None:
        self.set_value("#save-path", self.st.save_path)
        self.query_one("#plan-tabs").display = False
        self.st.facts.pop("plan", None)
        problems = self.st.problems()
        self.show_problems(problems)
        if problems:
            self.say("#plan-status", "The answers are not complete yet: go back (Esc) to the screen each "
                                     "problem names.", "$text-warning")
            return
        mode = "probing the servers read-only" if not self.st.demo else "the demo peer is not contacted"
        self.say("#plan-status", f"Preparing the plan ({mode}) …", "$text-muted")
        self.plan_worker()

    @work(thread=True, exclusive=True, group="plan")
    def plan_worker(self) -> None:
        app = self.wapp
        try:
            view = app.detached(app.core.plan, self.st, app.ask_host_key)
        except Exception as e:
            if app.quitting.is_set():
                return
            app.call_from_thread(self.say, "#plan-status", f"The plan could not be made: {e}", "$text-error")
            return
        app.call_from_thread(self.show_plan, view)

    def show_plan(self, view: Any) -> None:
        self.st.facts["plan"] = view
        steps = view.steps
        todo = [s for s in steps if s[4]]
        later = len(steps) - len(todo)
        hosts = list(view.per_host)
        counts = ", ".join(f"{sum(1 for s in todo if s[2] == h)} on {h}" for h in hosts)
        notes = [ln[6:] for ln in view.header.splitlines() if ln.startswith("note: ")]
        self.say("#plan-status", Content("\n").join([
            line(f"{len(steps)} steps: {counts}; {later} not built yet (reported, never faked).", "bold"),
            *([self.fencing_line()] if self.st.raw["cluster"].get("stack", "heartbeat") != "heartbeat" else []),
            *(line(n, "$text-warning") for n in notes)]))
        self.query_one("#plan-all", Static).update(plan_content(view.text))
        tabs = self.query_one("#plan-tabs", TabbedContent)
        for role, host in zip(("master", "peer"), hosts, strict=False):
            tabs.get_tab(f"tab-{role}").label = host
            self.query_one(f"#plan-{role}", Static).update(plan_content(view.per_host[host]))
        tabs.display = True

    def fencing_line(self) -> Content:
        """Pacemaker's fencing in one line (step 7's choice), STONITH off in the warning colour."""
        from wizard.pacemaker.cib import fencing_summary

        spec = self.st.spec()
        text = fencing_summary(spec)
        if spec.stack == "auto":
            text += " (Pacemaker only)"
        return line(text, "$text-warning" if spec.fencing == "none-confirmed" or not spec.stonith.agent else "")

    def save(self) -> None:
        self.st.save_path = self.value("#save-path") or self.st.default_save_path()

    def extra_problems(self) -> list[str]:
        return self.st.problems()

    def leave(self) -> None:
        if self.st.facts.get("plan") is None:
            self.say("#plan-status", "Wait for the plan to be shown first.", "$text-warning")
            return
        try:
            path = self.wapp.core.save(self.st)
        except OSError as e:
            self.show_problems([f"cannot save the answers to {self.st.save_path} ({e.strerror or e}): "
                                "give another path"])
            return
        self.st.facts["saved_note"] = f"Answers saved to {path}"
        super().leave()
