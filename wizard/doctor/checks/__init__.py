"""The check families: each module holds pure functions ``Pair -> list[Finding]`` listed in its ``CHECKS``."""

from __future__ import annotations

from wizard.doctor.checks import boot, drbd_config, drbd_state, heartbeat, pacemaker, pairing, services
from wizard.doctor.finding import FAMILIES, Finding
from wizard.doctor.pair import Pair

MODULES = (pairing, drbd_config, drbd_state, heartbeat, pacemaker, services, boot)
# The cluster manager's family runs for the stack the pair has (``Pair.stack``), never the other one's.
ONLY_ON = {heartbeat: "heartbeat", pacemaker: "pacemaker"}


def run_checks(pair: Pair) -> list[Finding]:
    """Every finding of every family, grouped in ``FAMILIES`` order."""
    stack = pair.stack
    found = [f for m in MODULES if ONLY_ON.get(m, stack) == stack for check in m.CHECKS for f in check(pair)]
    return sorted(found, key=lambda f: FAMILIES.index(f.family))
