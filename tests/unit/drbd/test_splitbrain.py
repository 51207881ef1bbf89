"""Split-brain: detected only when the pair is apart and the kernel said so; the victim is the node that
was not serving; the recovery's commands in each DRBD syntax, behind the victim's typed name."""

from __future__ import annotations

from wizard.core.actions import Run
from wizard.drbd.splitbrain import NodeSide, assess, discard_argv, recovery_steps
from wizard.drbd.state import DrbdDevice


def dev(cs: str, role: str) -> DrbdDevice:
    return DrbdDevice(0, cs, (role, "Unknown"), ("UpToDate", "DUnknown"))


def test_victim_is_the_node_not_serving() -> None:
    a = NodeSide("node1", dev("StandAlone", "Primary"), True, True)
    b = NodeSide("node2", dev("StandAlone", "Primary"), True, False)
    sb = assess(a, b, "node1")
    assert sb is not None and (sb.victim, sb.survivor) == ("node2", "node1")
    assert "node2's changes since the split would be DISCARDED" in sb.sentence("r0")
    # served by node2 after a failover: node1's changes go
    sb = assess(NodeSide("node1", a.device, True, False), NodeSide("node2", b.device, False, True), "node1")
    assert sb is not None and sb.victim == "node1"


def test_nothing_without_the_kernels_word_or_while_connected() -> None:
    apart = dev("StandAlone", "Primary")
    assert assess(NodeSide("node1", apart, False, True), NodeSide("node2", apart, False, False), "node1") is None
    up = dev("Connected", "Primary")
    assert assess(NodeSide("node1", up, True, True), NodeSide("node2", up, True, False), "node1") is None


def test_neither_serving_discards_the_peer() -> None:
    apart = dev("StandAlone", "Secondary")
    sb = assess(NodeSide("node1", apart, True, False), NodeSide("node2", apart, True, False), "node1")
    assert sb is not None and sb.victim == "node2" and "neither holds" in sb.why


def test_recovery_commands_and_consent() -> None:
    assert discard_argv("8.3", "r0") == ("drbdadm", "--", "--discard-my-data", "connect", "r0")
    assert discard_argv("8.4", "r0") == ("drbdadm", "connect", "--discard-my-data", "r0")
    assert discard_argv("9", "r0") == ("drbdadm", "connect", "--discard-my-data", "r0")
    sb = assess(NodeSide("node1", dev("StandAlone", "Primary"), True, True),
                NodeSide("node2", dev("StandAlone", "Primary"), True, False), "node1")
    assert sb is not None
    steps = recovery_steps(sb, family="8.4", resource="r0", minor=0, mount_point="/replicated",
                           stop_stack=("systemctl", "stop", "heartbeat"),
                           start_stack=("systemctl", "start", "heartbeat"))
    assert [s.host for s in steps] == ["node2", "node1", "node2"]
    assert [c.token for c in steps[0].confirmations] == ["node2"]
    runs = [a.argv for a in steps[0].actions if isinstance(a, Run)]
    assert runs[-1] == ("drbdadm", "connect", "--discard-my-data", "r0")
