"""Errors the admin sees as one plain sentence (never a traceback)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


class WizardError(Exception):
    """A problem with a plain-English message that names the problem and the fix.

    The CLI prints ``str(err)`` and exits with ``exit_code``; nothing else is shown.
    """

    exit_code = 1

    def __init__(self, message: str, *, exit_code: int | None = None) -> None:
        super().__init__(message)
        if exit_code is not None:
            self.exit_code = exit_code


class AnswersError(WizardError):
    """The answers file is unreadable or invalid. Carries every problem found."""

    exit_code = 2

    def __init__(self, problems: list[str], source: str = "answers") -> None:
        self.problems = list(problems)
        self.source = source
        lines = "\n".join(f"  - {p}" for p in self.problems)
        noun = "problem" if len(self.problems) == 1 else "problems"
        super().__init__(f"{source}: {len(self.problems)} {noun}:\n{lines}")


class UnreachableError(WizardError):
    """The peer cannot be reached over SSH."""

    exit_code = 3


class StepFailed(WizardError):
    """A step's command failed; the message quotes the tool and gives the fix."""

    exit_code = 4


class ConfirmationRequired(WizardError):
    """A destructive action was not confirmed (typed, or ``--confirm`` when headless)."""

    exit_code = 5


@dataclass(frozen=True)
class Problem:
    path: str  # the file as it will be on the node, e.g. /etc/drbd.d/r0.res
    message: str
    line: int | None = None
    node: str = ""  # "" = the same on both nodes
    fatal: bool = True  # False: a note, e.g. a check that could not run here

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{self.node + ': ' if self.node else ''}{where}: {self.message}"


class ConfigCheckFailed(WizardError):
    exit_code = 6

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(f"the planned configuration files are wrong; nothing was written:\n{lines}")
