"""The failover drill on the Pacemaker stack: the log lines that show the node taking over reacted (the wording
of Corosync 3.1 and Pacemaker 2.1), the hand-over script run here with fake crm tools, who serves from real
crm_mon XML (tests/data/crm_mon/), and the stack chosen for the answers' cluster.stack."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest
from helpers.golden import context
from helpers.node_text import PRIMARY, SECONDARY

from wizard.executors.result import Result
from wizard.failover.drill import Drill
from wizard.failover.result import measure
from wizard.failover.stack import Target
from wizard.flow import registry
from wizard.flow.drill import drill_stack
from wizard.pacemaker import drill

SPEC = context("lab-pacemaker", "8.4").spec
CRM = Path(__file__).resolve().parents[2] / "data" / "crm_mon"

# As Pacemaker 2.1.5 and Corosync 3.1.7 write them (Pacemaker's own CTS waits for "Node %s state is now lost")
LOST = ("Dec 01 10:00:07.512 node2 pacemaker-controld  [812] (crm_update_peer_state_iter) 	notice: Node node1 "
        "state is now lost | nodeid=1 previous=member source=crm_reap_unseen_nodes")
TOKEN = ("Dec 01 10:00:04.871 node2 corosync notice  [TOTEM ] A processor failed, forming new configuration: "
         "token timed out (2200ms), waiting 2640ms for consensus.")
STANDBY_NEW = ("Dec 01 10:00:01.020 node2 pacemaker-based     [806] (log_info) 	info: ++ "
               "/cib/configuration/nodes/node[@id='1']/instance_attributes[@id='nodes-1']:  "
               "<nvpair id=\"nodes-1-standby\" name=\"standby\" value=\"on\"/>")
STANDBY_AGAIN = ("Dec 01 10:00:01.020 node2 pacemaker-based     [806] (log_info) 	info: +  /cib/configuration/nodes/"
                 "node[@id='1']/instance_attributes[@id='nodes-1']/nvpair[@id='nodes-1-standby']:  @value=on")
BACK_ONLINE = STANDBY_AGAIN.replace("@value=on", "@value=off")


@pytest.mark.parametrize(("line", "hit"), [(LOST, True), (TOKEN, True), (STANDBY_NEW, True), (STANDBY_AGAIN, True),
                                           (BACK_ONLINE, False),
                                           ("pacemaker-controld: State transition S_IDLE -> S_POLICY_ENGINE", False)])
def test_detect_matches_the_real_wording(line: str, hit: bool) -> None:
    assert bool(re.search(drill.DETECT, line)) is hit


def test_the_detection_phase_is_the_first_reaction_after_the_event() -> None:
    raw = {"last_seen": 100.0, "log": [[99.5, BACK_ONLINE], [104.9, TOKEN], [107.5, LOST]], "first": {}}
    m = measure(raw, mode="hard", source="node1", target="node2", stack="Pacemaker", detect=drill.DETECT,
                services=[], judge=lambda *a: True)
    assert m.stack == "Pacemaker" and m.phases[0].name == "detection" and m.phases[0].seconds == pytest.approx(4.9)


def _fake_tools(tmp: Path, me: str, located: str) -> dict[str, str]:
    bin_dir = tmp / "bin"
    bin_dir.mkdir()
    tools = {"crm": f'echo "crm $*" >> {tmp}/calls', "uname": f"echo {me}",
             "crm_resource": f"echo 'resource g_service is running on: {located}'", "sleep": "exit 0"}
    for name, body in tools.items():
        (bin_dir / name).write_text(f"#!/bin/sh\n{body}\n")
        (bin_dir / name).chmod(0o755)
    return {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}"}


@pytest.mark.parametrize(("auto_failback", "calls"), [
    (False, ["crm node online node2", "crm node standby node1", "crm node online node1"]),
    (True, ["crm node online node2", "crm node standby node1"]),  # no stickiness: node1 stays out
])
def test_the_hand_over_puts_the_serving_node_in_standby(tmp_path: Path, auto_failback: bool,
                                                        calls: list[str]) -> None:
    import dataclasses

    spec = dataclasses.replace(SPEC, heartbeat=dataclasses.replace(SPEC.heartbeat, auto_failback=auto_failback))
    argv = drill.standby_argv(spec)
    assert " ".join(argv[-2:]) == "crm node standby"  # what the drill says it runs
    r = subprocess.run(argv, env=_fake_tools(tmp_path, "node1", "node2"), capture_output=True, text=True,
                       timeout=30, check=False)
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "calls").read_text().splitlines() == calls


def test_the_hand_over_fails_in_words_when_the_group_does_not_move(tmp_path: Path) -> None:
    r = subprocess.run(drill.standby_argv(SPEC), env=_fake_tools(tmp_path, "node2", "node2"), capture_output=True,
                       text=True, timeout=30, check=False)
    assert r.returncode == 1 and "the group does not run on node1 after 100 s" in r.stderr


class NodeProbe:
    """A node whose probe prints its name, DRBD, mounts, addresses and a real crm_mon XML."""

    def __init__(self, node: str, drbd: str, mounted: bool, vip: bool, crm: str) -> None:
        self.node = node
        mounts = "/dev/drbd0 /replicated ext4 rw 0 0\n" if mounted else ""
        addr = "3: eth1    inet 10.99.0.100/24 scope global secondary eth1\n" if vip else ""
        self.out = (f"@@ha-wizard:node\n{node}\n@@ha-wizard:drbd\n{drbd}\n@@ha-wizard:mounts\n{mounts}"
                    f"@@ha-wizard:addr\n{addr}@@ha-wizard:crm\n{(CRM / crm).read_text()}rc=0\n")

    def probe(self, argv: list[str], *, timeout: float = 30.0) -> Result:
        return Result(0, self.out, "")


def test_roles_from_crm_mon_and_the_nodes() -> None:
    stack = drill.pacemaker_stack(SPEC, "8.4")
    assert stack.log == "/var/log/pacemaker/pacemaker.log" and stack.name == "Pacemaker"
    execs = {"node1": NodeProbe("node1", PRIMARY, True, True, "promoted-node1.xml"),
             "node2": NodeProbe("node2", SECONDARY, False, False, "promoted-node1.xml")}
    d = Drill(executors=execs, preferred="node1", addresses={}, here="node1",  # type: ignore[arg-type]
              target=Target(0, "/dev/drbd0", "/replicated", "10.99.0.100", "8.4", "r0"), stack=stack,
              conditions=registry.conditions(), say=lambda s: None)
    assert d.roles() == ("node1", "node2")
    after = {"node1": NodeProbe("node1", SECONDARY, False, False, "node1-standby.xml"),
             "node2": NodeProbe("node2", PRIMARY, True, True, "node1-standby.xml")}
    d2 = Drill(executors=after, preferred="node1", addresses={}, here="node1",  # type: ignore[arg-type]
               target=d.target, stack=stack, conditions=registry.conditions(), say=lambda s: None)
    ok, state = d2._eval("node2", stack.active)
    assert ok and "runs the group, DRBD Promoted" in state
    ok, state = d2._eval("node1", stack.standby)
    assert not ok and "Pacemaker: standby" in state  # in standby, DRBD stopped there: not yet a standby node


class Runs:
    def __init__(self, ok: bool) -> None:
        self.ok = ok

    def probe(self, argv: list[str], *, timeout: float = 30.0) -> Result:
        return Result(0 if self.ok else 3, "", "")


@pytest.mark.parametrize(("stack", "runs", "name"), [
    ("pacemaker", False, "Pacemaker"), ("heartbeat", True, "Heartbeat"), ("auto", True, "Pacemaker"),
    ("auto", False, "Heartbeat")])
def test_the_drill_follows_the_answers_stack(stack: str, runs: bool, name: str) -> None:
    import dataclasses

    spec = dataclasses.replace(SPEC, stack=stack)
    got, timing = drill_stack(spec, "8.4", Runs(runs))  # type: ignore[arg-type]
    assert got.name == name
    assert ("Corosync token 3600 ms, consensus 4320 ms" in timing) is (name == "Pacemaker")  # recommended
