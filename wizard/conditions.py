"""Named conditions over a probe's output, used by ``WaitFor`` and ``Check`` actions.

Actions stay plain data (a name and string arguments); the logic lives here, as pure functions of the
probe's result, so it is table-tested without a host.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from wizard.executors.base import Result


@dataclass(frozen=True)
class Verdict:
    ok: bool
    state: str = ""
    percent: float | None = None
    speed_bytes_s: float | None = None
    eta_s: float | None = None
    fatal: str = ""  # a state that will never turn ok by waiting (e.g. StandAlone after split-brain)


Condition = Callable[..., Verdict]
CONDITIONS: dict[str, Condition] = {}


def condition(name: str) -> Callable[[Condition], Condition]:
    def deco(fn: Condition) -> Condition:
        CONDITIONS[name] = fn
        return fn

    return deco


def evaluate(name: str, result: Result, args: tuple[str, ...]) -> Verdict:
    try:
        fn = CONDITIONS[name]
    except KeyError:
        raise KeyError(f"unknown condition {name!r}") from None
    return fn(result, *args)


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


# The DRBD conditions live beside the /proc/drbd parser; importing registers them.
from wizard import drbd_conditions as _drbd_conditions  # noqa: E402,F401
from wizard import file_conditions as _file_conditions  # noqa: E402,F401
