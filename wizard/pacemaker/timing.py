"""Corosync's totem timing, derived from the Heartbeat timing profile, so both stacks notice a dead peer
after about the same silence (the benchmark compares their takeovers with detection matched).

Heartbeat declares its peer dead after ``deadtime`` seconds without a beat. Corosync needs two timeouts in a
row: ``token`` (no token for that long: the peer is suspected, "A processor failed") and then ``consensus``
(waiting for the nodes still there to agree on the new membership); only then is the peer out and Pacemaker
acts. ``consensus`` must be at least 1.2 x token (corosync.conf(5)), so:

    token + consensus = 2.2 x token <= deadtime  ->  token = deadtime / 2.2, rounded down to 100 ms

The other numbers have no exact twin: ``warntime`` becomes token_warning, the same share of the timeout
(Corosync logs a late token at that share); ``keepalive`` has no line, knet pings each link every token / 4
and calls a link down after token / 2 (its defaults); ``initdead`` has none either, two_node's implied
wait_for_all makes a booting node wait until it has seen its peer once. Pure arithmetic, table-tested.
"""

from __future__ import annotations

from dataclasses import dataclass

from wizard.core.spec import Heartbeat

# corosync.conf(5): consensus must be at least 1.2 x token; kept as a fraction so the arithmetic is exact
CONSENSUS_NUM, CONSENSUS_DEN = 6, 5
STEP_MS = 100
MIN_TOKEN_MS = 1000  # Corosync 1's default and the lowest the lab reference tried (2026-11-30)
KNET_PONG_COUNT = 2  # knet's default: ping interval = token / (2 x pong count), timeout = token / pong count


@dataclass(frozen=True)
class Totem:
    token: int  # ms
    consensus: int  # ms
    token_warning: int  # percent of token
    deadtime: int  # s, the Heartbeat deadtime it came from
    profile: str

    @property
    def detection_ms(self) -> int:
        """How long after the last token the peer leaves the membership (token, then consensus)."""
        return self.token + self.consensus

    @property
    def knet_ping_interval(self) -> int:
        return self.token // (KNET_PONG_COUNT * 2)

    @property
    def knet_ping_timeout(self) -> int:
        return self.token // KNET_PONG_COUNT


def token_for(deadtime_s: int) -> int:
    """The largest token (a multiple of 100 ms) whose token + consensus fits in ``deadtime_s``."""
    budget = deadtime_s * 1000 * CONSENSUS_DEN // (CONSENSUS_DEN + CONSENSUS_NUM)
    return max(MIN_TOKEN_MS, budget // STEP_MS * STEP_MS)


def totem(hb: Heartbeat) -> Totem:
    token = token_for(hb.deadtime)
    warning = min(99, max(1, round(100 * hb.warntime / hb.deadtime))) if hb.deadtime else 75
    return Totem(token=token, consensus=token * CONSENSUS_NUM // CONSENSUS_DEN, token_warning=warning,
                 deadtime=hb.deadtime, profile=hb.profile)
