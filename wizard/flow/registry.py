"""The registries the engine needs, filled explicitly from each part's own table (no import side effect)."""

from __future__ import annotations

from wizard.core.conditions import GENERIC, Conditions
from wizard.drbd.conditions import CONDITIONS as DRBD
from wizard.heartbeat.conditions import CONDITIONS as HEARTBEAT
from wizard.pacemaker.conditions import CONDITIONS as PACEMAKER
from wizard.services.conditions import CONDITIONS as SERVICES


def conditions() -> Conditions:
    """Every named condition a plan's waits and checks may use: the core's and each part's."""
    return Conditions(GENERIC, DRBD, SERVICES, HEARTBEAT, PACEMAKER)
