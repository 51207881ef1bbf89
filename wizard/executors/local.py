"""The master itself: commands run through plumbum.local."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from plumbum import local
from plumbum.commands.processes import CommandNotFound, ProcessTimedOut

from wizard.executors.base import Executor, Result


class LocalExecutor(Executor):
    def __init__(self, node: str) -> None:
        self.node = node
        self.label = "this machine"

    def _exec(self, argv: Sequence[str], *, input: str | None, timeout: float,
              env: dict[str, str] | None) -> Result:
        try:
            cmd: Any = local[argv[0]][list(argv[1:])]
        except CommandNotFound:
            return Result(127, "", f"{argv[0]}: command not found")
        if env:
            cmd = cmd.with_env(**env)
        if input is not None:
            cmd = cmd << input
        try:
            rc, out, err = cmd.run(retcode=None, timeout=timeout)
        except ProcessTimedOut:
            return Result(124, "", f"{argv[0]} did not finish within {timeout:.0f} s")
        return Result(int(rc), out, err)

    def pty_argv(self, argv: Sequence[str]) -> list[str]:
        return list(argv)
