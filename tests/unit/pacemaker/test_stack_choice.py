"""cluster.stack: what "auto" picks from the nodes' facts (a table), and the answers' rules for the new keys."""

from __future__ import annotations

import pytest

from wizard.nodes.facts import NodeFacts, unreached
from wizard.pacemaker.stack import heartbeat_availability, resolve_stack

NAMES = ("node1", "node2")


def facts(node: str, *, installed: bool = False, offered: bool | None = None, db: bool = True) -> NodeFacts:
    """A reached node: heartbeat installed or not; offered by its repositories (None: apt cannot tell)."""
    return NodeFacts(node, package_db="dpkg" if db else None, packages={"heartbeat": "1:3.0.6"} if installed else {},
                     candidates=None if offered is None else {"heartbeat": "1:3.0.6" if offered else None})


INSTALLED, OFFERED, ABSENT, UNKNOWN = (facts("x", installed=True), facts("x", offered=True),
                                       facts("x", offered=False), facts("x"))

# (answer, node1's facts, node2's facts, stack, words the reason must hold)
TABLE = [
    ("heartbeat", ABSENT, ABSENT, "heartbeat", "in the answers"),
    ("pacemaker", INSTALLED, INSTALLED, "pacemaker", "in the answers"),
    ("auto", INSTALLED, INSTALLED, "heartbeat", "installed on both"),
    ("auto", INSTALLED, OFFERED, "heartbeat", "offered"),
    ("auto", OFFERED, OFFERED, "heartbeat", "offered"),
    ("auto", INSTALLED, ABSENT, "pacemaker", "neither installed on node2"),
    ("auto", ABSENT, ABSENT, "pacemaker", "node1 and node2"),
    ("auto", ABSENT, None, "pacemaker", "on node1"),  # one node known to lack it is enough
    ("auto", INSTALLED, UNKNOWN, "heartbeat", "assumed, node2"),
    ("auto", None, None, "heartbeat", "assumed, node1 and node2 not probed"),
    ("auto", unreached("node1", "offline"), INSTALLED, "heartbeat", "assumed, node1"),
]


@pytest.mark.parametrize(("answer", "one", "two", "stack", "why"), TABLE)
def test_auto_picks_heartbeat_where_it_is_there_or_installable(answer: str, one: NodeFacts | None,
                                                               two: NodeFacts | None, stack: str, why: str) -> None:
    given = {name: f for name, f in zip(NAMES, (one, two), strict=True) if f is not None}
    got, reason = resolve_stack(answer, given, NAMES)
    assert got == stack
    assert why in reason


def test_availability_reads_the_package_database_before_the_repositories() -> None:
    assert heartbeat_availability(INSTALLED) is True
    assert heartbeat_availability(OFFERED) is True
    assert heartbeat_availability(ABSENT) is False
    assert heartbeat_availability(UNKNOWN) is None
    assert heartbeat_availability(facts("x", installed=True, db=False, offered=False)) is False
    assert heartbeat_availability("not facts") is None
