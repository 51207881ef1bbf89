"""Corosync's token and consensus from Heartbeat's deadtime: a table, and the rule for every deadtime."""

from __future__ import annotations

import pytest

from wizard.core.spec import PROFILES, TIMING, Heartbeat
from wizard.pacemaker.timing import Totem, token_for, totem


def heartbeat(keepalive: int, warntime: int, deadtime: int, initdead: int, profile: str = "custom") -> Heartbeat:
    return Heartbeat(keepalive, warntime, deadtime, initdead, 694, "ucast", "eth0", "", "", 19200, False, profile)


# profile (or custom timing) -> token, consensus, token_warning, detection (ms)
TABLE = [
    ("recommended", PROFILES["recommended"], 3600, 4320, 50, 7920),
    ("tutorial", PROFILES["tutorial"], 54500, 65400, 50, 119900),
    ("lab answers (deadtime 5)", (1, 3, 5, 10), 2200, 2640, 60, 4840),
    ("smallest custom (keepalive 1, deadtime 4)", (1, 2, 4, 8), 1800, 2160, 50, 3960),
    ("deadtime 30", (2, 10, 30, 60), 13600, 16320, 33, 29920),
]


@pytest.mark.parametrize(("name", "timing", "token", "consensus", "warning", "detection"), TABLE,
                         ids=[row[0] for row in TABLE])
def test_token_and_consensus_follow_the_deadtime(name: str, timing: tuple[int, int, int, int], token: int,
                                                 consensus: int, warning: int, detection: int) -> None:
    t = totem(heartbeat(*timing))
    assert (t.token, t.consensus, t.token_warning, t.detection_ms) == (token, consensus, warning, detection)
    assert t.deadtime == timing[TIMING.index("deadtime")]


@pytest.mark.parametrize("deadtime", [*range(4, 200), 599, 600, 3600, 86400])
def test_detection_fits_the_deadtime_and_consensus_is_corosyncs_minimum(deadtime: int) -> None:
    token = token_for(deadtime)
    t = totem(heartbeat(1, 2, deadtime, 2 * deadtime))
    assert t.token == token and token % 100 == 0
    assert t.detection_ms <= deadtime * 1000
    assert t.consensus * 5 >= t.token * 6  # corosync.conf(5): consensus >= 1.2 x token
    # the largest such token: 100 ms more would not fit
    assert (token + 100) * 22 > deadtime * 1000 * 10


def test_knet_pings_are_the_tokens_defaults() -> None:
    t = Totem(token=3600, consensus=4320, token_warning=50, deadtime=8, profile="recommended")
    assert (t.knet_ping_interval, t.knet_ping_timeout) == (900, 1800)
