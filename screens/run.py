"""Run: the steps with their status, a live log, the DRBD sync progress bar, typed confirmations for
destructive steps, and on failure: what failed, its output and the fix, with retry / skip / quit.

The engine runs in a worker thread (``wizard.flow.runner.apply``); its events come back through
``call_from_thread``, so the screen never freezes. In a dry run the engine is never called.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from textual import work
from textual.binding import Binding
from textual.widget import Widget
from textual.widgets import Button, DataTable, ProgressBar, RichLog, Static

from screens.base import WizardScreen
from screens.looks import line

# Steps whose failure leaves the DRBD bring-up intact, so skipping them is safe.
SKIPPABLE = {"hosts", "services", "heartbeat-files", "heartbeat-start", "heartbeat-verify"}
MARK = {"pending": "·  waiting", "running": "▶  running", "done": "✓  done", "skipped": "↷  in place",
        "failed": "✗  failed", "not-implemented": "…  not built yet", "would": "○  would run"}


def clock(seconds: float | None) -> str:
    if seconds is None:
        return "?"
    s = int(seconds)
    return f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}" if s >= 3600 else f"{s // 60}:{s % 60:02d}"


class RunScreen(WizardScreen):
    NAME = "run"
    NEXT_LABEL = "Done"
    BINDINGS = [*WizardScreen.BINDINGS, Binding("ctrl+r", "choices", "Choices", show=False)]
    HELP = (
        "The steps run in order, master first, each on its server. The log shows every command and its "
        "output (secrets as ********); during the first sync the bar shows percent, speed and time left.\n\n"
        "Destructive steps stop and ask you to type the device or node name they affect.\n\n"
        "When a step fails you see what failed, its output and the fix. Retry after fixing it; Skip is "
        "offered only for steps the DRBD disk does not depend on; Quit keeps the journal, and the next "
        "start of ha-wizard offers to resume (steps are checked on the servers, not redone blindly).\n\n"
        "In a dry run nothing runs: the list shows what would."
    )

    def __init__(self) -> None:
        super().__init__()
        self.session: Any = None
        self.prepared: Any = None
        self.started = False
        self.running = False
        self.current: str = ""
        self.output: list[str] = []
        self.kinds: dict[str, str] = {}
        self.titles: dict[str, str] = {}
        self.order: list[str] = []
        self.last_failure: tuple[Any, ...] | None = None

    def body(self) -> Iterable[Widget]:
        yield Static(id="run-status")
        yield DataTable(id="steps", cursor_type="row", show_cursor=False)
        yield Static(id="progress-label")
        yield ProgressBar(total=100, show_eta=False, id="sync")
        yield RichLog(id="log", wrap=True, markup=False, highlight=False, max_lines=2000, min_width=40)

    def on_mount(self) -> None:
        t = self.query_one("#steps", DataTable)
        for label, width in (("#", 2), ("Server", 9), ("Step", 38), ("Status", 16)):
            t.add_column(label, width=width)

    def load(self) -> None:
        self.query_one("#back", Button).display = False
        self.progress(None)
        if self.started:
            return
        self.started = True
        view = self.st.facts.get("plan")
        if view is not None:
            self.fill([(s[0], s[1], s[2], s[3], s[4]) for s in view.steps])
        if self.st.dry_run:
            self.dry_run(view)
        else:
            self.query_one("#next").disabled = True
            self.start(None)

    # --- the step table -----------------------------------------------------------------------------
    def fill(self, rows: list[tuple[str, str, str, str, bool]]) -> None:
        t = self.query_one("#steps", DataTable)
        t.clear()
        self.order = [r[0] for r in rows]
        self.kinds = {r[0]: r[1] for r in rows}
        self.titles = {r[0]: f"{r[3]} on {r[2]}" for r in rows}
        for i, (sid, _kind, host, title, implemented) in enumerate(rows, start=1):
            status = ("would" if implemented else "not-implemented") if self.st.dry_run else "pending"
            short = title if len(title) <= 38 else title[:37] + "…"
            t.add_row(str(i), host, short, MARK[status], key=sid)

    def mark(self, sid: str, status: str) -> None:
        t = self.query_one("#steps", DataTable)
        if sid in self.order:
            t.update_cell(sid, t.ordered_columns[3].key, MARK.get(status, status))
            t.move_cursor(row=self.order.index(sid))

    def dry_run(self, view: Any) -> None:
        from screens.state import RunOutcome

        hosts = " or ".join(view.per_host) if view is not None else "any server"
        self.say("#run-status", f"DRY RUN: nothing was changed on {hosts}. These steps would run, in this "
                                "order; Review shows every command and diff.", "bold $text-warning")
        log = self.query_one("#log", RichLog)
        log.write(f"Dry run: no command was run and no file was written on {hosts}.")
        log.write(f"The answers were saved to {self.st.saved_to}: "
                  f"ha-wizard apply --answers {self.st.saved_to} runs this plan.")
        self.st.outcome = RunOutcome(dry_run=True)

    # --- the engine (worker thread) -----------------------------------------------------------------
    def start(self, start_at: str | None) -> None:
        self.running = True
        self.consented: set[tuple[str, str]] = set()  # asked again after a stop: the admin decides anew
        self.current, self.output = "", []
        self.query_one("#next").disabled = True
        self.say("#run-status", "Running … (Ctrl+Q quits; the journal is kept)", "bold")
        self.engine_worker(start_at)

    @work(thread=True, exclusive=True, group="run")
    def engine_worker(self, start_at: str | None) -> None:
        from screens.app import QuitRequested

        app = self.wapp
        app.running_step = "connecting to the servers"
        try:
            summary = app.detached(self._run_engine, start_at)
        except QuitRequested:
            return  # the admin quit; run_app says where it stopped
        except Exception as e:  # WizardError carries the plain sentence; anything else is shown as is
            if not app.quitting.is_set():
                app.call_from_thread(self.failed, e)
        else:
            app.call_from_thread(self.finished, summary)
        app.running_step = ""

    def _run_engine(self, start_at: str | None) -> Any:
        """(daemon thread) Open the real session once, then apply the steps from ``start_at``."""
        from wizard.core.events import EventBus

        app, core, st = self.wapp, self.wapp.core, self.st
        if self.session is None:
            self.session = core.run_session(st, app.ask_host_key)
            self.prepared = core.prepare(self.session)
            rows = [(s.id, s.kind, s.host, s.title, s.implemented) for s in self.prepared.steps]
            app.call_from_thread(self.fill, rows)
            app.call_from_thread(self.intro, self.prepared)
        steps = self.prepared.steps
        if start_at is not None:
            steps = steps[[s.id for s in steps].index(start_at):]
        bus = EventBus()
        bus.subscribe(self.forward)
        return core.apply(self.session, self.prepared, steps, self.confirm, bus)

    def forward(self, event: Any) -> None:
        from screens.app import QuitRequested

        if self.wapp.quitting.is_set():
            raise QuitRequested()
        self.wapp.call_from_thread(self.on_engine_event, event)

    def confirm(self, c: Any, host: str) -> bool:
        """Ask for the typed token; once per consent in a run: a service's move and its links on the peer
        are two steps under one consent whose text names both nodes (headless: one --confirm)."""
        from screens.modals import ConfirmModal

        if (c.token, c.message) in self.consented:
            return True
        ok = bool(self.wapp.ask_from_thread(lambda: ConfirmModal(c.token, c.message, host)))
        if ok:
            self.consented.add((c.token, c.message))
        return ok

    def intro(self, prepared: Any) -> None:
        log = self.query_one("#log", RichLog)
        if prepared.change_note():
            log.write(prepared.change_note())
        log.write(f"Journal: {prepared.journal.path}")

    def on_engine_event(self, ev: Any) -> None:
        from wizard.core.events import Output, StepFinished, StepStarted, WaitProgress

        log = self.query_one("#log", RichLog)
        if isinstance(ev, StepStarted):
            self.current, self.output = ev.step_id, []
            self.wapp.running_step = ev.title
            self.mark(ev.step_id, "running")
            log.write(f"▶ [{ev.host}] {ev.title}")
        elif isinstance(ev, Output):
            self.output = (self.output + ev.text.splitlines())[-40:]
            log.write(ev.text.rstrip("\n"))
        elif isinstance(ev, WaitProgress):
            self.progress(ev)
        elif isinstance(ev, StepFinished):
            self.progress(None)
            self.mark(ev.step_id, ev.status)
            if ev.status != "failed":
                log.write(f"  {MARK.get(ev.status, ev.status)}" + (f": {ev.detail}" if ev.detail else ""))

    def progress(self, ev: Any) -> None:
        label, bar = self.query_one("#progress-label", Static), self.query_one("#sync", ProgressBar)
        shown = bool(bar.display)
        label.display = bar.display = ev is not None
        if ev is None:
            return
        if not shown:
            # A hidden bar has no width, and textual rounds the fill to the width it has when the value
            # is set; and the log, now two lines shorter, would hide its last lines until the next one.
            self.call_after_refresh(self._settle, bar)
        from wizard.disks.table import human

        if ev.percent is not None:
            bar.update(total=100, progress=ev.percent)
            speed = f"{human(int(ev.speed_bytes_s))}/s" if ev.speed_bytes_s else "speed ?"
            text = f"{ev.what}: {ev.percent:.1f}%  ·  {speed}  ·  ETA {clock(ev.eta_s)}  ·  {ev.state}"
        else:
            bar.update(total=max(ev.timeout, 1), progress=min(ev.elapsed, ev.timeout))
            text = f"{ev.what}: {ev.state or 'waiting'} ({ev.elapsed:.0f} of at most {ev.timeout:.0f} s)"
        label.update(line(text.rstrip(" ·"), "bold"))

    def _settle(self, bar: ProgressBar) -> None:
        """Once the bar is laid out: draw its fill to the cell, and keep the log on its last line."""
        inner = bar.query_one("Bar")  # ProgressBar's own fill widget
        inner.percentage = bar.percentage  # type: ignore[attr-defined]
        log = self.query_one("#log", RichLog)
        if log.auto_scroll:
            log.scroll_end(animate=False, immediate=False, x_axis=False)

    # --- outcomes --------------------------------------------------------------------------------------
    def _outcome(self) -> Any:
        from screens.state import RunOutcome

        if self.st.outcome is None:
            self.st.outcome = RunOutcome()
        return self.st.outcome

    def finished(self, summary: Any) -> None:
        self.running = False
        o = self._outcome()
        o.done += summary.done
        o.skipped += summary.skipped
        o.not_implemented += summary.not_implemented
        o.stopped = ""
        self.say("#run-status", f"Finished: {len(o.done)} steps done, {len(o.skipped)} already in place, "
                                f"{len(o.not_implemented)} not built yet. Ctrl+N goes on.", "bold $text-success")
        self.query_one("#next").disabled = False
        self.query_one("#next").focus()

    def failed(self, error: Exception) -> None:
        from screens.modals import FailureModal

        self.running = False
        sid = self.current
        what = self.titles.get(sid, sid) if sid else "connecting to the servers"
        msg = str(error) or type(error).__name__
        self._outcome().stopped = msg.splitlines()[0]
        self.say("#run-status", f"Stopped: {what}. Ctrl+R shows the choices again.", "bold $text-error")
        self.query_one("#log", RichLog).write(f"  ✗ {msg}")
        can_skip = self.kinds.get(sid, "") in SKIPPABLE
        self.last_failure = (what, msg, "\n".join(self.output[-12:]), can_skip)

        def chosen(choice: str | None) -> None:
            if choice == "retry":
                self.start(sid if sid in self.order else None)
            elif choice == "skip":
                nxt = self.order.index(sid) + 1
                if nxt < len(self.order):
                    self.start(self.order[nxt])
                else:
                    self.query_one("#next").disabled = False
            elif choice == "quit":
                self.app.exit(1)

        self._chosen = chosen
        self.app.push_screen(FailureModal(*self.last_failure), chosen)

    def action_choices(self) -> None:
        if self.last_failure and not self.running:
            from screens.modals import FailureModal

            self.app.push_screen(FailureModal(*self.last_failure), self._chosen)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return action != "back"  # the run does not go back to the answers (hidden from the footer)

    def action_back(self) -> None:
        self.notify("The run cannot go back to the answers; quit (Ctrl+Q) and start again to change them.",
                    timeout=4)

    def action_next(self) -> None:
        if not self.running and not self.query_one("#next").disabled:
            o = self.st.outcome  # a pair that was set up for real is tested next; anything else is summed up
            self.wapp.go("failover" if o is not None and not o.dry_run and not o.stopped else "done")

