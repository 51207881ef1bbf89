"""A whole hand-over drill on this machine: both "nodes" are this machine (local executors), the stack is a
pair of state files, and the watcher and writer really run. What cannot run here (DRBD, Heartbeat) never
reaches its phases; everything around them does: roles, arming, the writer's acknowledgements, the event,
the stack's log line, the result read back, the final state and the report kept."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from wizard.core.actions import Check
from wizard.core.conditions import GENERIC, Conditions
from wizard.drbd.conditions import CONDITIONS as DRBD
from wizard.errors import ConfirmationRequired, WizardError
from wizard.executors.local import LocalExecutor
from wizard.executors.result import Result
from wizard.failover.drill import Drill
from wizard.failover.stack import Stack, Target

SYNCED = "version: 8.4.11\n 0: cs:Connected ro:Secondary/Primary ds:UpToDate/UpToDate C r-----\n"


def pair(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Drill, dict[str, Path]]:
    states = {n: tmp_path / f"{n}.state" for n in ("node1", "node2")}
    states["node1"].write_text("serving\n")
    states["node2"].write_text("standby\n")
    proc = tmp_path / "proc-drbd"
    proc.write_text(SYNCED)
    log = tmp_path / "ha-log"
    log.write_text("")
    # the hand-over: the serving node's state flips, the other's too, and the stack logs it
    flip = ("sh", "-c", f'echo standby > {states["node1"]}; echo serving > {states["node2"]}; '
                        f'echo "info: node1 wants to go standby [all]" >> {log}')
    execs = {n: LocalExecutor(n) for n in states}
    stack = Stack(name="Fake", log=str(log), detect="standby", standby_argv=flip,
                  probe=("node-state",), active=("output-contains", ("serving",)),
                  standby=("output-contains", ("standby",)))
    drill = Drill(executors=execs, preferred="node1", addresses={"node1": "127.0.0.1", "node2": "127.0.0.1"},
                  here="node1", target=Target(0, "/dev/nonexistent", str(tmp_path / "mnt"), "192.0.2.1", "8.4", "r0"),
                  stack=stack, conditions=Conditions(GENERIC, DRBD),
                  services=[("web", Check(("echo", "HTTP/1.1 200"), "output-contains", ("HTTP/1.",)))],
                  state_dir=str(tmp_path / "state"), settings="fake", say=lambda s: None, watch_s=5.0)

    def probe(self: LocalExecutor, argv: list[str], *, timeout: float = 30.0) -> Result:
        """Each node's state is its own file; DRBD's state comes from the fake /proc/drbd."""
        if list(argv) == ["cat", "/proc/drbd"]:
            argv = ["cat", str(proc)]
        elif list(argv) == ["node-state"]:
            argv = ["cat", str(states[self.node])]
        return LocalExecutor._exec(self, argv, input=None, timeout=timeout, env=None)

    monkeypatch.setattr(LocalExecutor, "probe", probe)
    return drill, states


def test_a_hand_over_is_measured_and_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    drill, states = pair(tmp_path, monkeypatch)
    said: list[tuple[float, str]] = []
    drill.say = lambda text: said.append((time.time(), text))
    m = drill.run("graceful", confirm=lambda c, host: c.token == "node1")  # the writer: test_scripts_here.py
    assert m is not None and (m.source, m.target) == ("node1", "node2")
    assert m.phases[0].name == "detection" and m.phases[0].seconds is not None  # the stack's log line
    assert [p.seconds for p in m.phases[1:4]] == [None, None, None]  # no DRBD, mount or address here
    # the detection was said as the watcher saw it, seconds before its result (it waited for the phases DRBD
    # cannot reach here), and with the time the result table gives it
    result = next((tmp_path / "state" / "drills").glob("*.json"))
    live = [(t, text) for t, text in said if text.endswith("after the event, seen on node2")]
    assert [text.split(":")[0] for _, text in live] == ["detection"], said
    assert live[0][0] < result.stat().st_mtime - 2.0
    assert abs(float(live[0][1].split()[1]) - (m.phases[0].seconds or 0.0)) < 0.2
    assert said.index(live[0]) < next(i for i, (_, text) in enumerate(said) if "RTO" in text or "NOT COMPLETE" in text)
    report = (tmp_path / "state" / "failover-report.md").read_text()
    assert "graceful failover node1 -> node2 (Fake; fake)" in report and "node2 SERVES" in report
    saved = json.loads(next((tmp_path / "state" / "drills").glob("*.measure.json")).read_text())
    assert saved["source"] == "node1" and saved["mode"] == "graceful"
    # now node2 serves: a second hand-over the other way is --back; a back to node2 is refused
    with pytest.raises(WizardError, match="nothing to fail back"):
        states["node1"].write_text("serving\n")
        states["node2"].write_text("standby\n")
        drill.run("back", confirm=lambda c, host: True)


def test_a_drill_is_refused_without_the_serving_nodes_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Consent names the node that gives the service up; anything else stops before the watcher is armed."""
    drill, _ = pair(tmp_path, monkeypatch)
    for confirm in (None, lambda c, host: c.token == "node2"):
        with pytest.raises(ConfirmationRequired) as e:
            drill.run("hard", confirm=confirm)
        assert "pass --confirm node1 when running headless" in str(e.value)
        assert "away from node1" in str(e.value) and e.value.exit_code == 5
    assert not (tmp_path / "state" / "drills").exists()  # nothing armed, nothing recorded
