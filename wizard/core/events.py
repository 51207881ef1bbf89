"""Progress events published by the engine. The CLI renders them with rich; the TUI subscribes from a
worker thread and forwards them with ``call_from_thread``. Nothing here knows about either."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class StepStarted:
    step_id: str
    title: str
    host: str


@dataclass(frozen=True)
class StepFinished:
    step_id: str
    status: str  # done | skipped | failed | not-implemented | dry-run
    detail: str = ""


@dataclass(frozen=True)
class Output:
    step_id: str
    host: str
    text: str  # already redacted


@dataclass(frozen=True)
class WaitProgress:
    """A wait in progress. ``percent`` is None when the wait has no measurable progress."""

    step_id: str
    host: str
    what: str
    elapsed: float
    timeout: float
    percent: float | None = None
    speed_bytes_s: float | None = None
    eta_s: float | None = None
    state: str = ""


Event = StepStarted | StepFinished | Output | WaitProgress
Listener = Callable[[Event], None]


class EventBus:
    def __init__(self) -> None:
        self._listeners: list[Listener] = []
        self._lock = threading.Lock()

    def subscribe(self, fn: Listener) -> Callable[[], None]:
        with self._lock:
            self._listeners.append(fn)

        def unsubscribe() -> None:
            with self._lock:
                if fn in self._listeners:
                    self._listeners.remove(fn)

        return unsubscribe

    def publish(self, event: Any) -> None:
        with self._lock:
            listeners = list(self._listeners)
        for fn in listeners:
            fn(event)
