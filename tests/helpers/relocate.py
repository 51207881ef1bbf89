"""A step moved under a temp dir, to run through the real engine on this machine: its files and the paths its
waits and checks read put under ``root``, owned by whoever runs the test; and that engine."""

from __future__ import annotations

import dataclasses
import grp
import os
import pwd
from collections.abc import Callable, Sequence
from pathlib import Path

from wizard.core.actions import Check, Run, Step, WaitFor, WriteFile
from wizard.core.engine import Engine
from wizard.core.events import Event, EventBus
from wizard.core.journal import Journal
from wizard.core.secrets import Redactor
from wizard.executors.local import LocalExecutor
from wizard.flow.registry import conditions


def relocate(step: Step, root: Path, prefixes: Sequence[str] = ("/etc/",),
             run: Callable[[Run], Run] | None = None) -> Step:
    """``prefixes``: the absolute paths moved; ``run``: how each Run is changed (None: kept as it is)."""
    user, group = pwd.getpwuid(os.getuid()).pw_name, grp.getgrgid(os.getgid()).gr_name

    def moved(argv: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(f"{root}{a}" if a.startswith(tuple(prefixes)) else a for a in argv)

    actions = []
    for a in step.actions:
        if isinstance(a, WriteFile):
            a = dataclasses.replace(a, path=f"{root}{a.path}", owner=user, group=group)
        elif isinstance(a, WaitFor):
            a = dataclasses.replace(a, probe=moved(a.probe))
        elif isinstance(a, Run) and run is not None:
            a = run(a)
        actions.append(a)
    checks = tuple(Check(moved(c.probe), c.until, c.args) for c in step.checks)
    return dataclasses.replace(step, actions=tuple(actions), checks=checks)


def engine_here(node: str, secrets: Sequence[str], journal_dir: Path) -> tuple[Engine, Journal, list[Event]]:
    """The real engine on this machine as ``node`` (nothing confirmed), its journal and the events it sends."""
    events: list[Event] = []
    bus = EventBus()
    bus.subscribe(events.append)
    journal = Journal.open(journal_dir)
    engine = Engine({node: LocalExecutor(node)}, journal, redactor=Redactor(secrets), confirm=lambda c, host: False,
                    bus=bus, conditions=conditions())
    return engine, journal, events
