"""Who holds the resources, from a node's real state (table): ha-active, ha-standby, ha-running."""

from __future__ import annotations

import pytest
from helpers.node_text import BARE, MOUNTED, NO_VIP, PRIMARY, SECONDARY, VIP

from wizard.executors.result import Result
from wizard.heartbeat.conditions import ha_active, ha_running, ha_standby

RUNNING = "Heartbeat is running on this machine.\nrc=0\n"
STOPPED = "Heartbeat is stopped on this machine.\nrc=2\n"


def probe(drbd: str, mounts: str, addr: str, hb: str, rsc: str) -> Result:
    return Result(0, f"@@ha-wizard:drbd\n{drbd}\n@@ha-wizard:mounts\n{mounts}@@ha-wizard:addr\n{addr}"
                     f"@@ha-wizard:hb\n{hb}@@ha-wizard:rsc\n{rsc}")


ACTIVE = ("0", "/dev/drbd0", "/replicated", "10.99.0.100")
STANDBY = ("0", "/replicated", "10.99.0.100")


@pytest.mark.parametrize(("drbd", "mounts", "addr", "hb", "rsc", "ok", "says"), [
    (PRIMARY, MOUNTED, VIP, RUNNING, "all\nrc=0\n", True, "Heartbeat running, holds all"),
    (PRIMARY, MOUNTED, VIP, RUNNING, "foreign\nrc=0\n", True, "holds foreign"),
    (PRIMARY, MOUNTED, NO_VIP, RUNNING, "all\nrc=0\n", False, "10.99.0.100 absent"),
    (PRIMARY, BARE, VIP, RUNNING, "all\nrc=0\n", False, "/replicated not mounted"),
    (SECONDARY, BARE, VIP, RUNNING, "all\nrc=0\n", False, "DRBD Secondary"),
    (PRIMARY, MOUNTED, VIP, STOPPED, "x\nrc=2\n", False, "Heartbeat not running"),
    (PRIMARY, MOUNTED, VIP, RUNNING, "transition\nrc=0\n", False, "holds transition"),
])
def test_active(drbd: str, mounts: str, addr: str, hb: str, rsc: str, ok: bool, says: str) -> None:
    v = ha_active(probe(drbd, mounts, addr, hb, rsc), *ACTIVE)
    assert v.ok is ok and says in v.state, v.state


def test_standby_holds_nothing() -> None:
    assert ha_standby(probe(SECONDARY, BARE, NO_VIP, RUNNING, "none\nrc=0\n"), *STANDBY).ok
    v = ha_standby(probe(SECONDARY, BARE, VIP, RUNNING, "none\nrc=0\n"), *STANDBY)
    assert not v.ok and "10.99.0.100 present" in v.state
    v = ha_standby(probe(PRIMARY, MOUNTED, NO_VIP, RUNNING, "none\nrc=0\n"), *STANDBY)
    assert not v.ok and v.fatal  # a standby that mounted the disk: both nodes would write it


def test_running() -> None:
    assert ha_running(probe(SECONDARY, BARE, NO_VIP, RUNNING, "none\nrc=0\n")).ok
    assert not ha_running(probe(SECONDARY, BARE, NO_VIP, STOPPED, "\nrc=2\n")).ok
