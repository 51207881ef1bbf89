"""Dry-run: read-only probes go through to the real node (when reachable); every change is recorded.

Like subiquity's dry-run runner, this is a separate executor rather than flags sprinkled through the
steps, so a step cannot forget to honour dry-run.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from wizard.executors.base import Executor, Output, Result
from wizard.executors.pty import Q


@dataclass(frozen=True)
class Recorded:
    op: str  # run | write | mkdir | symlink | backup
    detail: str


class DryRunExecutor(Executor):
    mutates = False

    def __init__(self, node: str, inner: Executor | None, why_offline: str = "") -> None:
        self.node = node
        self.inner = inner
        self.label = inner.label if inner else f"not contacted: {why_offline or 'unreachable'}"
        self.why_offline = why_offline
        self.recorded: list[Recorded] = []

    @property
    def reachable(self) -> bool:
        return self.inner is not None

    def _exec(self, argv: Sequence[str], *, input: str | None, timeout: float,
              env: dict[str, str] | None) -> Result:
        raise AssertionError("dry-run never executes a changing command")  # run() is overridden

    def pty_argv(self, argv: Sequence[str]) -> list[str]:
        return list(argv)

    def probe(self, argv: Sequence[str], *, timeout: float = 30.0) -> Result:
        if self.inner is None:
            return Result(255, "", f"{self.node} not contacted ({self.why_offline or 'unreachable'})")
        return self.inner.probe(argv, timeout=timeout)

    def run(self, argv: Sequence[str], *, input: str | None = None, timeout: float = 300.0,
            env: dict[str, str] | None = None) -> Result:
        self.recorded.append(Recorded("run", " ".join(argv)))
        return Result(0, "")

    def run_prompted(self, argv: Sequence[str], prompts: Sequence[Q], *,
                     answer: Callable[[Q], str], timeout: float = 300.0,
                     on_output: Output | None = None, env: dict[str, str] | None = None) -> Result:
        self.recorded.append(Recorded("run", " ".join(argv)))
        return Result(0, "")

    def write_file(self, path: str, content: str, *, mode: int = 0o644, owner: str = "root",
                   group: str = "root") -> None:
        self.recorded.append(Recorded("write", f"{path} mode {mode:o}"))

    def make_dir(self, path: str, mode: int = 0o755) -> None:
        self.recorded.append(Recorded("mkdir", path))

    def symlink(self, path: str, target: str) -> None:
        self.recorded.append(Recorded("symlink", f"{path} -> {target}"))

    def backup(self, path: str, suffix: str) -> str:
        dest = f"{path}.ha-wizard-{suffix}.bak"
        self.recorded.append(Recorded("backup", f"{path} -> {dest}"))
        return dest

    def close(self) -> None:
        if self.inner is not None:
            self.inner.close()
