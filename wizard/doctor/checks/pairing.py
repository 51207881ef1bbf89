"""The pair itself: both nodes read, and (with --answers) called by the names the answers give them."""

from __future__ import annotations

from wizard.doctor.finding import Finding, ok
from wizard.doctor.pair import Pair, said

FAMILY = "Pair"


def reached(pair: Pair) -> list[Finding]:
    if pair.peer.reached:
        return [ok(FAMILY, "pair.reached", f"read {pair.local.name} ({pair.local.label}) and {pair.peer.name} "
                   f"({pair.peer.label}); {pair.intent.source}")]
    return [Finding(FAMILY, "fail", "pair.reached", f"could not read the peer {pair.peer.facts.node}",
                    (f"{pair.local.name}$ ssh {pair.peer.facts.node}: {pair.peer.facts.why_not}",),
                    "every check that compares the two nodes is skipped; only this node's findings are shown",
                    "make the peer reachable over SSH as root from this node (ssh-copy-id root@PEER), or give its "
                    "address: ha-wizard doctor --peer HOST")]


def names(pair: Pair) -> list[Finding]:
    """With answers: each node's `uname -n` is the name the answers give it."""
    if not pair.intent.names:
        return []
    out = []
    for n in pair.nodes:
        called = pair.intent.me if n is pair.local else n.facts.node
        if n.name not in pair.intent.names:
            out.append(Finding(FAMILY, "fail", "pair.names", f"{called}'s `uname -n` is {n.name}, a name the "
                               f"answers do not use ({', '.join(pair.intent.names)})",
                               (said(n, "uname -n", n.name),),
                               "DRBD's `on` sections and Heartbeat's `node` lines must be the `uname -n` names",
                               f"rename the node (hostnamectl set-hostname {called}) or correct the answers",
                               n.name))
    return out


CHECKS = (reached, names)
