"""What running a command on a node gives back, shared by every executor and the pty runner."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

Output = Callable[[str], None]


@dataclass(frozen=True)
class Result:
    rc: int
    out: str
    err: str = ""

    @property
    def ok(self) -> bool:
        return self.rc == 0

    @property
    def text(self) -> str:
        return self.out + (("\n" + self.err) if self.err else "")
