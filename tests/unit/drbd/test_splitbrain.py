"""Split-brain: detected only when the pair is apart and the kernel said so; the victim is the node that
was not serving; the recovery's commands in each DRBD syntax, behind the victim's typed name."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from wizard.core.actions import Run
from wizard.core.answers import load_answers
from wizard.drbd.splitbrain import NodeSide, SplitBrain, assess, discard_argv, recovery_steps
from wizard.drbd.state import DrbdDevice
from wizard.flow.recovery import BAN_SCRIPT, HEARTBEAT_HOLD, LIFT_SCRIPT, stack_hold

ROOT = Path(__file__).resolve().parents[3]


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
                           hold=HEARTBEAT_HOLD)
    assert [s.host for s in steps] == ["node2", "node1", "node2"]
    assert [c.token for c in steps[0].confirmations] == ["node2"]
    runs = [a.argv for a in steps[0].actions if isinstance(a, Run)]
    assert runs[-1] == ("drbdadm", "connect", "--discard-my-data", "r0")


DRBD_PART = [("sh", "-c", 'mountpoint -q "$1" && umount "$1"; exit 0', "sh", "/srv/ha"),
             ("drbdadm", "secondary", "data"), ("drbdadm", "disconnect", "data"),
             ("drbdadm", "connect", "--discard-my-data", "data")]


def argvs(step) -> list[tuple[str, ...]]:  # type: ignore[no-untyped-def]
    return [a.argv for a in step.actions if isinstance(a, Run)]


def steps_for(stack: str) -> list:  # type: ignore[type-arg]
    spec, _ = load_answers(ROOT / "tests" / "data" / "answers" / "pacemaker-ipmi.toml")
    sb = SplitBrain("beta", "alpha", "it was not serving")
    return recovery_steps(sb, family="8.4", resource=spec.drbd.resource, minor=spec.drbd.minor,
                          mount_point=spec.storage.mount_point, hold=stack_hold(stack, spec, "beta"))


def test_heartbeat_is_stopped_on_the_victim_and_started_after_the_resync() -> None:
    victim, survivor, rejoin = steps_for("heartbeat")
    assert argvs(victim) == [("systemctl", "stop", "heartbeat.service"), *DRBD_PART]
    assert victim.actions[0].confirm is not None and victim.actions[0].confirm.token == "beta"
    assert survivor.host == "alpha" and [a.until for a in survivor.actions if not isinstance(a, Run)] == \
        ["drbd-synced"]
    assert rejoin.host == "beta" and argvs(rejoin) == [("systemctl", "start", "heartbeat.service")]


def test_pacemaker_bans_the_victims_promotion_around_the_recovery_never_heartbeat() -> None:
    """Pacemaker keeps running on the victim (its DRBD stays up, only demoted); the ban is lifted and the clone's
    old failures cleared only after the resync."""
    victim, survivor, rejoin = steps_for("pacemaker")
    everything = [" ".join(a) for step in (victim, survivor, rejoin) for a in argvs(step)]
    assert not any("heartbeat" in a or "pacemaker.service" in a or "standby" in a for a in everything)
    assert argvs(victim) == [("sh", "-c", BAN_SCRIPT, "sh", "sb_recovery_beta", "cl_drbd_data", "beta"),
                             ("crm_resource", "--wait"), *DRBD_PART]
    assert victim.actions[0].confirm is not None and victim.actions[0].confirm.token == "beta"
    assert [a.confirm for a in victim.actions[1:]] == [None] * 5  # asked once, before anything changes
    assert argvs(survivor) == argvs(steps_for("heartbeat")[1])  # the survivor's part is DRBD's only
    assert argvs(rejoin) == [("sh", "-c", LIFT_SCRIPT, "sh", "sb_recovery_beta"),
                             ("crm", "resource", "cleanup", "cl_drbd_data")]


@pytest.fixture
def fake_crm(tmp_path: Path):  # type: ignore[no-untyped-def]
    """cibadmin and crm stand-ins: cibadmin finds the constraint when $HAS exists; crm logs its words (and
    the file it loads)."""
    bin_ = tmp_path / "bin"
    bin_.mkdir()
    log = tmp_path / "log"
    (bin_ / "cibadmin").write_text(f'#!/bin/sh\necho "cibadmin $*" >> {log}\n[ -n "$HAS" ]\n')
    (bin_ / "crm").write_text(f'#!/bin/sh\necho "crm $*" >> {log}\n'
                              f'[ "$2" = load ] && cat "$4" >> {log}\nexit 0\n')
    for f in bin_.iterdir():
        f.chmod(0o755)

    def run(script: str, *args: str, has: bool) -> list[str]:
        log.write_text("")
        env = {"PATH": f"{bin_}:/usr/bin:/bin", "HAS": "1" if has else ""}
        r = subprocess.run(["sh", "-c", script, "sh", *args], env=env, capture_output=True, text=True, timeout=10)
        assert r.returncode == 0, r.stderr
        return log.read_text().splitlines()

    return run


@pytest.mark.skipif(os.name != "posix", reason="sh")
def test_the_ban_goes_in_once_as_a_crm_file_and_is_lifted_once(fake_crm) -> None:  # type: ignore[no-untyped-def]
    lines = fake_crm(BAN_SCRIPT, "sb_recovery_beta", "cl_drbd_data", "beta", has=False)
    assert lines[0] == "cibadmin --query --xpath //rsc_location[@id='sb_recovery_beta']"
    assert lines[1].startswith("crm configure load update ")
    assert lines[2] == "location sb_recovery_beta cl_drbd_data role=Promoted -inf: beta"
    assert fake_crm(BAN_SCRIPT, "sb_recovery_beta", "cl_drbd_data", "beta", has=True) == lines[:1]  # a re-run
    assert fake_crm(LIFT_SCRIPT, "sb_recovery_beta", has=True)[1:] == ["crm configure delete sb_recovery_beta"]
    assert fake_crm(LIFT_SCRIPT, "sb_recovery_beta", has=False)[1:] == []  # already gone: nothing to do
