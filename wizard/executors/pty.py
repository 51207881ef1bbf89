"""Answering a tool's interactive questions through a pseudo-terminal (pexpect).

drbd-utils refuses piped answers ("stdin not a TTY, not waiting for confirmation"), so prompts are
answered on a real pty; for a peer the pty is ``ssh -tt``. Patterns are matched exactly, EOF and TIMEOUT
always end the loop, and what is typed never reaches a log: the transcript keeps the tool's output only.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol, TypeVar

import pexpect

from wizard.executors.result import Output, Result


class Question(Protocol):
    """What a prompt must offer the pty runner: the exact text to wait for (``wizard.core.actions.Prompt``)."""

    @property
    def expect(self) -> str: ...


Q = TypeVar("Q", bound=Question)


def run_in_pty(argv: Sequence[str], prompts: Sequence[Q], *, answer: Callable[[Q], str],
               timeout: float, on_output: Output | None = None) -> Result:
    """Run argv in a pty. ``answer(prompt)`` returns the text to type (the answer, or the refusal)."""
    child = pexpect.spawn(argv[0], list(argv[1:]), encoding="utf-8", codec_errors="replace",
                          timeout=timeout, echo=False, dimensions=(24, 200))
    transcript: list[str] = []
    echo: list[str] = []  # the last reply, which a remote tty (ssh -tt) echoes back once

    def take(chunk: str) -> None:
        chunk = chunk.replace("\r\n", "\n").replace("\r", "")
        if echo:
            reply = echo.pop()
            stripped = chunk.lstrip(" ")
            if stripped.startswith(reply + "\n"):
                chunk = stripped[len(reply) + 1:]
        if chunk:
            transcript.append(chunk)
            if on_output:
                on_output(chunk)

    patterns: list[object] = [p.expect for p in prompts] + [pexpect.EOF, pexpect.TIMEOUT]
    timed_out = False
    try:
        while True:
            i = child.expect_exact(patterns)
            take((child.before or "") + (child.after if isinstance(child.after, str) else ""))
            if i < len(prompts):
                reply = answer(prompts[i])
                echo[:] = [reply]
                try:
                    child.sendline(reply)
                except OSError:  # the other side is gone (the tool died, or the SSH link under it)
                    break
                continue
            if patterns[i] is pexpect.TIMEOUT:
                timed_out = True
            break
    finally:
        child.close(force=True)
    out = "".join(transcript)
    if timed_out:
        return Result(124, out, f"{argv[0]} waited longer than {timeout:.0f} s for input and was stopped")
    rc = child.exitstatus if child.exitstatus is not None else 128 + (child.signalstatus or 0)
    return Result(int(rc), out)
