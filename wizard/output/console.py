"""Headless display of engine events with rich, and the redacted run log."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, TaskID, TextColumn

from wizard.core.events import Output, StepFinished, StepStarted, WaitProgress
from wizard.core.secrets import Redactor

MARKS = {"done": "[green]✓[/]", "skipped": "[cyan]↷[/]", "failed": "[red]✗[/]",
         "not-implemented": "[yellow]…[/]"}


class EventPrinter:
    def __init__(self, console: Console, redactor: Redactor, log_path: Path | None = None,
                 verbose: bool = False) -> None:
        self.console = console
        self.redact = redactor
        self.verbose = verbose
        self.progress: Progress | None = None
        self.task: TaskID | None = None
        self.started = time.monotonic()
        self._step_start: dict[str, float] = {}
        self._step_host: dict[str, str] = {}
        # the sync's speed samples (seconds into the wait, bytes/s) and how long it lasted, for the summary
        self._sync: list[tuple[float, float]] = []
        self.sync_secs: float | None = None
        self.log = None
        if log_path is not None:
            try:
                log_path.parent.mkdir(parents=True, exist_ok=True)
                self.log = log_path.open("a", encoding="utf-8")
            except OSError:
                self.log = None

    def _log(self, text: str) -> None:
        if self.log:
            stamp = time.strftime("%Y-%m-%d %H:%M:%S")
            for line in self.redact(text).splitlines() or [""]:
                self.log.write(f"{stamp} {line}\n")
            self.log.flush()

    def __call__(self, ev: Any) -> None:
        if isinstance(ev, StepStarted):
            self._step_start[ev.step_id] = time.monotonic()
            self._step_host[ev.step_id] = ev.host
            self._log(f"step {ev.step_id} on {ev.host}: {ev.title}")
            # escaped: "[node1]" would otherwise be read as rich markup and vanish from the line
            self.console.print(f"[bold]▶ {escape(f'[{ev.host}]')}[/bold] {escape(self.redact(ev.title))}",
                               highlight=False)
        elif isinstance(ev, Output):
            self._log(ev.text)
            if self.verbose:
                self.console.print(self.redact(ev.text), style="dim", markup=False, highlight=False)
        elif isinstance(ev, WaitProgress):
            self._progress(ev)
        elif isinstance(ev, StepFinished):
            self._stop_progress()
            secs = time.monotonic() - self._step_start.get(ev.step_id, time.monotonic())
            host = self._step_host.get(ev.step_id, "")
            self._log(f"step {ev.step_id} on {host}: {ev.status} in {secs:.1f} s {ev.detail}")
            mark = MARKS.get(ev.status, ev.status)
            extra = f" — {escape(self.redact(ev.detail))}" if ev.detail and ev.status != "failed" else ""
            self.console.print(f"  {mark} {ev.status} on {escape(host)} in {secs:.1f} s{extra}", highlight=False)

    def summary(self) -> str:
        """The run's total time and, when a sync ran, its average speed (time-weighted over its samples)."""
        total = time.monotonic() - self.started
        out = f"took {_hms(total)}"
        if self.sync_secs is not None and self._sync:
            moved, last = 0.0, 0.0
            for at, speed in self._sync:
                moved += speed * (at - last)
                last = at
            avg = moved / last if last > 0 else self._sync[-1][1]
            out += f"; the initial sync took {_hms(self.sync_secs)} at {avg / 1048576:.1f} MiB/s on average"
        return out

    def _progress(self, ev: WaitProgress) -> None:
        if self.progress is None:
            # no TimeRemainingColumn: rich's guess from the bar's own rate would contradict the ETA DRBD
            # (or the sync condition) gives, which is shown in the info text instead
            self.progress = Progress(TextColumn("  {task.description}"), BarColumn(),
                                     TextColumn("{task.fields[info]}"), console=self.console, transient=False)
            self.progress.start()
            self.task = self.progress.add_task(ev.what, total=100.0, info="")
        assert self.task is not None
        if ev.percent is not None:
            if ev.speed_bytes_s and ev.percent < 100.0:
                self._sync.append((ev.elapsed, ev.speed_bytes_s))
            if ev.percent >= 100.0:
                self.sync_secs = ev.elapsed
            parts = [f"{ev.percent:5.1f}%"]
            if ev.percent < 100.0:  # once done, the last speed/ETA figures mean nothing
                if ev.speed_bytes_s:
                    parts.append(f"{ev.speed_bytes_s / 1048576:.1f} MiB/s")
                if ev.eta_s is not None:
                    parts.append(f"ETA {_hms(ev.eta_s)}")
            parts.append(ev.state.split()[0] if ev.state else "")  # "cs:SyncSource": the rest is in the log
            self.progress.update(self.task, completed=ev.percent, info=" ".join(p for p in parts if p))
        else:
            self.progress.update(self.task, completed=min(99.0, 100.0 * ev.elapsed / max(ev.timeout, 1)),
                                 info=f"{ev.state} ({ev.elapsed:.0f}/{ev.timeout:.0f} s)")
        self._log(f"wait {ev.what}: {ev.state} {ev.percent if ev.percent is not None else ''}")

    def _stop_progress(self) -> None:
        if self.progress is not None:
            self.progress.stop()
            self.progress = None
            self.task = None

    def close(self) -> None:
        self._stop_progress()
        if self.log:
            self.log.close()


def _hms(seconds: float) -> str:
    s = int(round(seconds))
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}"
