"""Named conditions over a probe's output, used by ``WaitFor`` and ``Check`` actions, and their registry.

Actions stay plain data (a name and string arguments); the logic lives in pure functions of the probe's
result, so it is table-tested without a host. Each domain keeps its own table of conditions
(``wizard.drbd.conditions.CONDITIONS`` ...); the registry an engine uses is filled explicitly from those
tables (``wizard.flow.registry``), never by the side effect of an import.

The generic conditions live here: exit codes, output, mounts, and the sha256 a written file must have.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from wizard.core.actions import Check, WaitFor, WriteFile
from wizard.executors.result import Result


@dataclass(frozen=True)
class Verdict:
    ok: bool
    state: str = ""
    percent: float | None = None
    speed_bytes_s: float | None = None
    eta_s: float | None = None
    fatal: str = ""  # a state that will never turn ok by waiting (e.g. StandAlone after split-brain)


Condition = Callable[..., Verdict]


def collector(table: dict[str, Condition]) -> Callable[[str], Callable[[Condition], Condition]]:
    """A decorator that puts a condition into a domain's own ``table`` under ``name``."""

    def condition(name: str) -> Callable[[Condition], Condition]:
        def deco(fn: Condition) -> Condition:
            if name in table:
                raise ValueError(f"condition {name!r} defined twice")
            table[name] = fn
            return fn

        return deco

    return condition


class Conditions:
    """The conditions an engine can evaluate: the union of the tables it was given."""

    def __init__(self, *tables: Mapping[str, Condition]) -> None:
        self._fns: dict[str, Condition] = {}
        for t in tables:
            self.add(t)

    def add(self, table: Mapping[str, Condition]) -> None:
        clash = sorted(set(table) & set(self._fns))
        if clash:
            raise ValueError(f"conditions defined by two domains: {', '.join(clash)}")
        self._fns.update(table)

    def __contains__(self, name: object) -> bool:
        return name in self._fns

    def names(self) -> list[str]:
        return sorted(self._fns)

    def evaluate(self, name: str, result: Result, args: tuple[str, ...]) -> Verdict:
        try:
            fn = self._fns[name]
        except KeyError:
            raise KeyError(f"unknown condition {name!r}") from None
        return fn(result, *args)


GENERIC: dict[str, Condition] = {}
condition = collector(GENERIC)


@condition("exit-zero")
def exit_zero(r: Result) -> Verdict:
    return Verdict(r.rc == 0, state=f"exit {r.rc}")


@condition("output-contains")
def output_contains(r: Result, needle: str) -> Verdict:
    return Verdict(r.rc == 0 and needle in r.out, state=r.out.strip()[:80])


@condition("mounted")
def mounted(r: Result, device: str, mount_point: str) -> Verdict:
    """Probe: cat /proc/mounts."""
    for line in r.out.splitlines():
        parts = line.split()
        if len(parts) >= 2 and parts[1] == mount_point:
            return Verdict(parts[0] == device, state=f"{parts[0]} on {mount_point}")
    return Verdict(False, state=f"{mount_point} not mounted")


@condition("not-mounted")
def not_mounted(r: Result, mount_point: str) -> Verdict:
    v = mounted(r, "", mount_point)
    return Verdict("not mounted" in v.state, state=v.state)


# --- files: the sha256 a written file must have ----------------------------------------------------
# Probe: ``sha256sum PATH...``; args: the expected hex digests, one per path, in the same order. Files that
# must be identical on both nodes are checked against the one digest of the rendered content, so passing
# on both nodes proves them byte-identical. A digest reveals nothing of a 192-bit secret inside the file.
def sha256_hex(content: str) -> str:
    """The digest ``sha256sum`` prints for a file holding ``content`` (as the executors write it, UTF-8)."""
    return hashlib.sha256(content.encode("utf-8")).hexdigest()


@condition("sha256")
def sha256(r: Result, *expected: str) -> Verdict:
    lines = [ln for ln in r.out.splitlines() if ln.strip()]
    got: list[tuple[str, str]] = []
    for ln in lines:
        digest, _, path = ln.partition(" ")
        got.append((digest.lstrip("\\").lower(), path.lstrip(" *")))
    if r.rc != 0 or len(got) != len(expected):
        missing = (r.err.strip().splitlines() or ["sha256sum failed"])[0]
        return Verdict(False, state=f"cannot read every file: {missing}"[:160])
    wrong = [path for (digest, path), want in zip(got, expected, strict=True) if digest != want.lower()]
    if wrong:
        return Verdict(False, state="content differs from the planned file: " + ", ".join(wrong))
    return Verdict(True, state=f"{len(got)} file(s) as planned")


def checksum_checks(files: list[WriteFile]) -> tuple[Check, ...]:
    """Checks that prove written files hold the planned content (a step with them is skipped on resume)."""
    return tuple(Check(("sha256sum", f.path), "sha256", (sha256_hex(f.content),)) for f in files)


def verify_written(files: list[WriteFile]) -> WaitFor:
    """Read back what was written: sha256 of every file, against the rendered content."""
    return WaitFor(("sha256sum", *(f.path for f in files)), "sha256", tuple(sha256_hex(f.content) for f in files),
                   timeout=10, interval=1, what="the written files, checked by sha256 (the same on both nodes)")
