"""A drill's measurement, from the watcher's result file: the event, each phase's time after it, the
writes in flight, and the report the admin keeps (Markdown, appended)."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

# Evaluates a service's recorded probe output with the wizard's own condition: (until, args, rc, out) -> ok
ServiceJudge = Callable[[str, tuple[str, ...], int, str], bool]
PHASES = (("promote", "DRBD Primary"), ("mount", "mounted"), ("ip", "service address up"))


@dataclass(frozen=True)
class Phase:
    name: str
    seconds: float | None  # after the event; None = never reached

    def text(self) -> str:
        return f"{self.seconds:6.1f} s" if self.seconds is not None else "   never"


@dataclass(frozen=True)
class Measurement:
    mode: str  # graceful | hard | back
    source: str  # the node that served before
    target: str  # the node that took over
    stack: str
    event: str  # what the event was, in words
    phases: tuple[Phase, ...]
    rto: float | None  # event -> everything held and answering
    writes: dict[str, Any] | None
    log: tuple[tuple[float, str], ...] = ()  # the stack's log lines on the target, seconds after the event
    notes: tuple[str, ...] = field(default=())

    @property
    def complete(self) -> bool:
        return self.rto is not None

    @property
    def writes_ok(self) -> bool:
        w = self.writes
        return w is None or ("error" not in w and w.get("missing_count", 1) == 0)

    def to_json(self) -> dict[str, Any]:
        return {"mode": self.mode, "source": self.source, "target": self.target, "event": self.event,
                "phases": {p.name: p.seconds for p in self.phases}, "rto": self.rto, "writes": self.writes,
                "notes": list(self.notes)}


def measure(raw: dict[str, Any], *, mode: str, source: str, target: str, stack: str, detect: str,
            services: list[tuple[str, str, tuple[str, ...]]], judge: ServiceJudge) -> Measurement:
    """Phases from the watcher's raw result. ``services``: (name, condition, args) in chain order."""
    notes: list[str] = []
    if mode == "hard":
        event_t = raw.get("last_seen")
        event = f"{source}'s last sign of life (its last acknowledged write or ping reply)"
    else:
        event_t = raw.get("event_go")
        event = f"{source} asked to hand everything over"
    if event_t is None:
        return Measurement(mode, source, target, stack, event, (), None, raw.get("records"),
                           notes=("the watcher never saw the event: nothing to measure",))

    def after(t: float | None) -> float | None:
        return round(t - event_t, 2) if t is not None and t >= event_t else None

    log = tuple((round(t - event_t, 2), line) for t, line in raw.get("log", []) if t >= event_t - 1)
    hit = next((t for t, line in log if t >= 0 and re.search(detect, line)), None)
    phases = [Phase("detection", hit)]
    first = raw.get("first", {})
    phases += [Phase(label, after(first.get(key))) for key, label in PHASES]
    for name, until, args in services:
        ok_t = next((t for t, rc, out in raw.get("services", {}).get(name, []) if judge(until, args, rc, out)),
                    None)
        phases.append(Phase(f"{name} answering", after(ok_t)))
    done = [p.seconds for p in phases[1:]]
    rto = max(done) if done and all(s is not None for s in done) else None  # type: ignore[type-var]
    if raw.get("timed_out"):
        notes.append("the watcher gave up before every phase was reached")
    return Measurement(mode, source, target, stack, event, tuple(phases), rto, raw.get("records"), log,
                       tuple(notes))


def phase_label(key: str) -> str:
    """The watcher's phase key ("promote", "service:apache2", "detection") as the result table names it."""
    if key.startswith("service:"):
        return f"{key.split(':', 1)[1]} answering"
    return dict(PHASES).get(key, key)


def live_lines(text: str, shown: int, target: str) -> tuple[list[str], int]:
    """The phases the watcher appended to its progress file since the first ``shown`` lines, as lines for
    the admin (seconds after the event, as the watcher saw them), and how many lines are now shown. A line
    still being written (no newline yet) waits for the next poll."""
    done = text.split("\n")[:-1]
    out = []
    for raw in done[shown:]:
        try:
            d = json.loads(raw)
            secs = float(d["t"]) - float(d["event"])
        except (ValueError, KeyError, TypeError):
            continue  # a torn line is never shown; the result table has every phase anyway
        out.append(f"{phase_label(str(d.get('phase', '?')))}: {secs:.1f} s after the event, seen on {target}")
    return out, len(done)


def writes_text(m: Measurement) -> str:
    w = m.writes
    if w is None:
        return "no writer in this drill"
    if "error" in w:
        return f"the records could not be read on {m.target}: {w['error']}"
    if w["missing_count"]:
        return (f"{w['missing_count']} of {w['acked']} acknowledged writes are MISSING on {m.target} "
                f"(first: {', '.join(map(str, w['missing'][:10]))})")
    return (f"{w['acked']} acknowledged writes, every one present on {m.target} "
            f"({w['present']} records on disk: the rest were written but not yet acknowledged at the cut)")


def report(m: Measurement, *, settings: str, final: list[str]) -> str:
    """One drill as a Markdown section (appended to the report the admin keeps)."""
    when = time.strftime("%Y-%m-%d %H:%M:%S")
    lines = [f"## {when}: {m.mode} failover {m.source} -> {m.target} ({m.stack}; {settings})", "",
             f"Event: {m.event}.", "", "| phase | seconds after the event |", "| --- | --- |"]
    lines += [f"| {p.name} | {p.seconds if p.seconds is not None else 'never'} |" for p in m.phases]
    lines += ["", f"RTO: {m.rto:.1f} s (everything held and answering)." if m.rto is not None
              else "RTO: not reached: the takeover did not complete.",
              f"Writes in flight: {writes_text(m)}."]
    lines += [f"Final state: {f}." for f in final]
    lines += [f"Note: {n}." for n in m.notes]
    steps = [f"    {t:6.1f} s  {line}" for t, line in m.log if t >= 0][:40]
    if steps:
        lines += ["", f"{m.stack}'s log on {m.target} (seconds after the event):", "", *steps]
    return "\n".join(lines) + "\n\n"


def summary(m: Measurement) -> str:
    """The drill in a few lines, for the terminal."""
    out = [f"{m.mode} failover {m.source} -> {m.target}: " + (f"RTO {m.rto:.1f} s" if m.rto is not None
                                                              else "NOT COMPLETE")]
    out += [f"  {p.name:<28} {p.text()}" for p in m.phases]
    out.append(f"  writes in flight: {writes_text(m)}")
    out += [f"  note: {n}" for n in m.notes]
    return "\n".join(out)
