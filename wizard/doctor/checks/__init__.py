"""The check families: each module holds pure functions ``Pair -> list[Finding]`` listed in its ``CHECKS``."""

from __future__ import annotations

from wizard.doctor.checks import boot, drbd_config, drbd_state, heartbeat, pairing, services
from wizard.doctor.finding import FAMILIES, Finding
from wizard.doctor.pair import Pair

MODULES = (pairing, drbd_config, drbd_state, heartbeat, services, boot)


def run_checks(pair: Pair) -> list[Finding]:
    """Every finding of every family, grouped in ``FAMILIES`` order."""
    found = [f for m in MODULES for check in m.CHECKS for f in check(pair)]
    return sorted(found, key=lambda f: FAMILIES.index(f.family))
