"""Which cluster manager a plan is for: the answers' cluster.stack, with "auto" resolved from the nodes' facts.

"auto" keeps the tutorial's Heartbeat wherever the nodes have it or their repositories offer it, and picks
Pacemaker only when a node shows it can get no Heartbeat at all (a distribution that dropped it). When the
nodes were not probed (an offline plan, a dry run without the peer) or could not tell, Heartbeat is assumed:
the preflight then says plainly if it cannot be installed. A pure function of the facts.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from wizard.nodes.facts import NodeFacts

HEARTBEAT_PACKAGE = "heartbeat"


def heartbeat_availability(nf: object) -> bool | None:
    """True: installed or offered by the node's repositories; False: neither (known); None: cannot tell."""
    if not isinstance(nf, NodeFacts) or not nf.reached:
        return None
    if nf.package_db is not None and "packages" not in nf.unknown and HEARTBEAT_PACKAGE in nf.packages:
        return True
    if nf.candidates is None:
        return None
    return nf.candidates.get(HEARTBEAT_PACKAGE) is not None


def resolve_stack(answer: str, facts: Mapping[str, object], names: Sequence[str]) -> tuple[str, str]:
    """(stack, why): "heartbeat" or "pacemaker", and where that came from, in a few words for the plan."""
    if answer in ("heartbeat", "pacemaker"):
        return answer, "cluster.stack in the answers"
    seen = {n: heartbeat_availability(facts.get(n)) for n in names}
    lacking = [n for n, ok in seen.items() if ok is False]
    if lacking:
        return "pacemaker", (f"auto: heartbeat is neither installed on {' and '.join(lacking)} nor offered by "
                             "its repositories")
    if seen and all(ok for ok in seen.values()):
        return "heartbeat", "auto: heartbeat is installed on both nodes or offered by their repositories"
    unknown = [n for n, ok in seen.items() if ok is None]
    return "heartbeat", f"auto: assumed, {' and '.join(unknown)} not probed or could not tell"
