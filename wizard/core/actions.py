"""Actions as data: what a step does, as plain values.

Describing, diffing, dry-running and executing are separate functions over these same values, so the plan
an admin reviews is exactly what runs. No step calls subprocess itself.
"""

from __future__ import annotations

import difflib
import shlex
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Confirm:
    """A destructive operation the admin must confirm by typing ``token`` (a device or node name).

    Headless, ``--confirm TOKEN`` gives the same consent explicitly.
    """

    token: str
    message: str  # plain words: what is destroyed or overwritten, and where


@dataclass(frozen=True)
class Prompt:
    """An interactive question a tool asks through its tty, and the answer to type.

    ``expect`` is matched exactly (no regex). When ``confirm`` is set, the answer is typed only after the
    admin confirmed; otherwise ``refuse`` is typed and the run ends as the tool decides.
    """

    expect: str
    answer: str
    confirm: Confirm | None = None
    refuse: str = "no"
    secret: bool = False  # the answer is a password: never echoed into logs


@dataclass(frozen=True)
class Run:
    """Run ``argv`` on the step's host. ``prompts`` (if any) are answered through a pty."""

    argv: tuple[str, ...]
    prompts: tuple[Prompt, ...] = ()
    ok_codes: tuple[int, ...] = (0,)
    timeout: float = 300.0
    input: str | None = None
    env: tuple[tuple[str, str], ...] = ()
    confirm: Confirm | None = None  # asked before the command runs at all
    # exit code -> what it means and how to get out of it, in plain words
    explain: tuple[tuple[int, str], ...] = ()

    def display(self) -> str:
        env = " ".join(f"{k}={shlex.quote(v)}" for k, v in self.env)
        cmd = shlex.join(self.argv)
        return f"{env} {cmd}" if env else cmd


@dataclass(frozen=True)
class WriteFile:
    """Write a whole file atomically. An existing, different file is diffed and backed up first."""

    path: str
    content: str
    mode: int = 0o644
    owner: str = "root"
    group: str = "root"
    secret: bool = False  # holds a secret: shown masked, never logged


@dataclass(frozen=True)
class EditBlock:
    """Keep the admin's file but own one marked block in it (/etc/hosts, /etc/fstab)."""

    path: str
    block: str  # lines without the markers
    marker: str = "ha-wizard"
    mode: int = 0o644


@dataclass(frozen=True)
class MakeDir:
    path: str
    mode: int = 0o755


@dataclass(frozen=True)
class Symlink:
    path: str
    target: str


@dataclass(frozen=True)
class WaitFor:
    """Poll a read-only probe until a named condition (see ``wizard.core.conditions``) holds.

    ``progress`` marks waits that report sync progress (shown as a live bar).
    """

    probe: tuple[str, ...]
    until: str
    args: tuple[str, ...] = ()
    timeout: float = 120.0
    interval: float = 0.5
    progress: bool = False
    what: str = ""  # plain words shown while waiting


@dataclass(frozen=True)
class NotImplementedYet:
    """A tutorial step whose automation is not built yet: reported, never faked."""

    what: str


Action = Run | WriteFile | EditBlock | MakeDir | Symlink | WaitFor | NotImplementedYet


@dataclass(frozen=True)
class Check:
    """A read-only test of the real system: ``probe`` output must satisfy condition ``until``."""

    probe: tuple[str, ...]
    until: str
    args: tuple[str, ...] = ()


@dataclass(frozen=True)
class Step:
    """One tutorial step on one host."""

    id: str  # unique in the plan, e.g. "create-md@server2"
    kind: str  # the tutorial step it belongs to, e.g. "create-md"
    title: str
    host: str  # node name
    actions: tuple[Action, ...]
    why: str = ""  # the explanation shown beside it
    checks: tuple[Check, ...] = field(default=())  # proofs that the step is already done

    @property
    def implemented(self) -> bool:
        return not any(isinstance(a, NotImplementedYet) for a in self.actions)

    @property
    def confirmations(self) -> tuple[Confirm, ...]:
        out: list[Confirm] = []
        for a in self.actions:
            if isinstance(a, Run):
                if a.confirm:
                    out.append(a.confirm)
                out.extend(p.confirm for p in a.prompts if p.confirm)
        return tuple(out)


def block_lines(block: str, marker: str) -> tuple[str, str]:
    return f"# BEGIN {marker} (managed by ha-wizard; edit the answers file instead)", f"# END {marker}"


def apply_block(existing: str | None, block: str, marker: str) -> str:
    """The file's new content with ``block`` placed between the markers (replacing an older block)."""
    begin, end = block_lines(block, marker)
    lines = (existing or "").splitlines()
    body = block.rstrip("\n").splitlines()
    if begin in lines and end in lines[lines.index(begin):]:
        i = lines.index(begin)
        j = lines.index(end, i)
        lines[i:j + 1] = [begin, *body, end]
    else:
        lines.extend([begin, *body, end])
    return "\n".join(lines) + "\n"


def diff(old: str | None, new: str, path: str) -> list[str]:
    if old is None:
        return [f"+{line}" for line in new.splitlines()]
    return [ln.rstrip("\n") for ln in difflib.unified_diff(
        old.splitlines(keepends=True), new.splitlines(keepends=True),
        fromfile=f"{path} (now)", tofile=f"{path} (planned)", n=2)]


def new_content(action: WriteFile | EditBlock, existing: str | None) -> str:
    if isinstance(action, WriteFile):
        return action.content
    return apply_block(existing, action.block, action.marker)
