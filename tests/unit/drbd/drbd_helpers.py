"""Helpers for the DRBD bring-up tests: the real lab captures split into samples, a tiny engine harness
that runs steps on this machine with a scripted confirmer, and an executor with canned answers."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from wizard.core.actions import Confirm, Step
from wizard.core.engine import Engine
from wizard.core.events import EventBus
from wizard.core.journal import Journal
from wizard.core.secrets import Redactor
from wizard.executors.base import Executor, Result
from wizard.executors.local import LocalExecutor
from wizard.flow.registry import conditions

DATA = Path(__file__).resolve().parents[2] / "data" / "captures"
FAKE_DRBDMETA = Path(__file__).resolve().parent / "fake_drbdmeta.sh"


def samples(name: str) -> list[tuple[str, str]]:
    """(title, /proc/drbd text) for each ``### title`` block of a capture."""
    out: list[tuple[str, str]] = []
    for block in re.split(r"^### ", (DATA / name).read_text(), flags=re.M)[1:]:
        title, _, body = block.partition("\n")
        if body.strip():
            out.append((title.strip(), body))
    return out


@dataclass
class Harness:
    """Runs steps on this machine; ``yes`` decides each confirmation, ``asked`` records them."""

    tmp: Path
    yes: Callable[[Confirm], bool] = lambda c: True
    asked: list[Confirm] = field(default_factory=list)
    outputs: list[str] = field(default_factory=list)

    def engine(self, ex: Executor | None = None, node: str = "node1") -> Engine:
        def confirm(c: Confirm, host: str) -> bool:
            self.asked.append(c)
            return self.yes(c)

        bus = EventBus()
        bus.subscribe(lambda ev: self.outputs.append(getattr(ev, "text", "")))
        return Engine({node: ex or LocalExecutor(node)}, Journal.open(self.tmp / "journal"),
                      redactor=Redactor(), confirm=confirm, bus=bus, conditions=conditions())

    def run(self, step: Step, ex: Executor | None = None) -> None:
        self.engine(ex, step.host).run([step])


class Canned(Executor):
    """An executor whose probes answer from a table (argv prefix or command name -> Result)."""

    def __init__(self, answers: dict[str, Result], node: str = "node1") -> None:
        self.node = node
        self.label = "canned"
        self.answers = answers
        self.seen: list[list[str]] = []

    def _exec(self, argv, *, input, timeout, env):  # type: ignore[no-untyped-def]
        self.seen.append(list(argv))
        joined = " ".join(argv)
        for key, res in self.answers.items():
            if key in joined:
                return res
        return Result(127, "", f"{argv[0]}: not canned")

    def pty_argv(self, argv):  # type: ignore[no-untyped-def]
        return list(argv)
