"""`status` and `status --watch` on the Pacemaker stack (table): both nodes' probe outputs with real crm_mon XML
(tests/data/crm_mon/) in; the Pacemaker row, where the group runs, STONITH disabled named, out."""

from __future__ import annotations

import subprocess
from pathlib import Path

from helpers.node_text import PRIMARY, SECONDARY

from wizard.cli.commands.status import _crm_state
from wizard.executors.result import Result
from wizard.flow import registry
from wizard.flow.watch import watched_of
from wizard.heartbeat.pair_state import Watched, node_state, pair_probe, pair_state, rows, text

CRM = Path(__file__).resolve().parents[2] / "data" / "crm_mon"
LAB = Path(__file__).resolve().parents[2] / "data" / "answers" / "lab-pacemaker.toml"
W = Watched("r0", 0, "/dev/drbd0", "/replicated", "10.99.0.100", "node1", (), "pacemaker", "cl_drbd_r0")
CONDITIONS = registry.conditions()


def out(drbd: str, mounted: bool, vip: bool, crm: str) -> Result:
    mounts = "/dev/drbd0 /replicated ext4 rw 0 0\n" if mounted else ""
    addr = "3: eth1    inet 10.99.0.100/24 scope global secondary eth1\n" if vip else ""
    return Result(0, f"@@ha-wizard:drbd\n{drbd}\n@@ha-wizard:mounts\n{mounts}@@ha-wizard:addr\n{addr}"
                     f"@@ha-wizard:crm\n{(CRM / crm).read_text()}rc=0\n", "")


def test_the_pair_on_pacemaker() -> None:
    a = node_state("node1", out(PRIMARY, True, True, "promoted-node1.xml"), W, CONDITIONS)
    b = node_state("node2", out(SECONDARY, False, False, "promoted-node1.xml"), W, CONDITIONS)
    ps = pair_state([a, b], W)
    assert ps.serving == ["node1"] and ps.vip_holders == ["node1"]
    table = dict((r[0], r[1:]) for r in rows(ps))
    assert table["Pacemaker"] == ("online, runs the group, DRBD Promoted", "online, DRBD Unpromoted")
    assert "Heartbeat" not in table
    assert any(w.startswith("STONITH is disabled (stonith-enabled=false)") for w in ps.warnings)
    shown = "\n".join(text(ps))
    assert "resources on node1; 10.99.0.100 on node1" in shown and "STONITH is disabled" in shown
    js = ps.to_json()
    assert js["resources_on"] == ["node1"] and js["nodes"]["node2"]["pacemaker"]["unpromoted"] == ["node2"]


def test_after_a_takeover_and_with_stonith_on() -> None:
    b = node_state("node2", out(PRIMARY, True, True, "promoted-node2.xml"), W, CONDITIONS)
    a = node_state("node1", Result(255, "", "ssh: connect to host 10.99.0.1 port 22: No route to host"), W,
                   CONDITIONS)
    ps = pair_state([a, b], W)
    assert ps.serving == ["node2"]
    assert dict((r[0], r[1:]) for r in rows(ps))["Pacemaker"][1] == "online, runs the group, DRBD Promoted"
    on = pair_state([node_state("node1", out(PRIMARY, True, True, "stonith-enabled.xml"), W, CONDITIONS),
                     node_state("node2", out(SECONDARY, False, False, "stonith-enabled.xml"), W, CONDITIONS)], W)
    assert not any("STONITH" in w for w in on.warnings)


def test_the_probe_runs_here_and_says_pacemaker_is_not_running() -> None:
    """The real probe on this machine (no cluster, no DRBD): every section present, crm_mon's refusal read."""
    argv = pair_probe((), "pacemaker")
    assert "crm_mon -1 --output-as=xml" in argv[2] and "cl_status" not in argv[2]
    r = subprocess.run(argv, capture_output=True, text=True, timeout=60, check=False)
    st = node_state("here", Result(r.returncode, r.stdout, r.stderr), W, CONDITIONS)
    assert st.crm is not None and not st.crm.running
    assert dict((x[0], x[1:]) for x in rows(pair_state([st, st], W)))["Pacemaker"][0].startswith("Pacemaker not")


class Node:
    def __init__(self, crm: str) -> None:
        self.crm = crm

    def probe(self, argv: list[str], *, timeout: float = 30.0) -> Result:
        return Result(0, f"@@ha-wizard:crm\n{(CRM / self.crm).read_text()}rc=0\n", "")


def test_plain_status_says_where_everything_runs() -> None:
    from wizard.core.answers import load_answers

    spec, _ = load_answers(LAB)
    said = _crm_state(Node("promoted-node1.xml"), spec)
    assert said["words"] == ("online: node1, node2; DRBD Promoted on node1; the group on node1; "
                             "STONITH DISABLED (stonith-enabled=false)")
    lost = _crm_state(Node("node1-lost.xml"), spec)
    assert lost["words"].startswith("online: node2; DRBD Promoted on no node; the group on no node")
    down = _crm_state(Node("not-running.xml"), spec)
    assert not down["running"] and down["words"].startswith("Pacemaker not running (")


def test_watched_of_the_answers_on_pacemaker() -> None:
    w = watched_of(LAB, "pacemaker")
    assert (w.stack, w.clone) == ("pacemaker", "cl_drbd_r0")
    assert watched_of(LAB).stack == "heartbeat"


def test_a_split_brain_on_pacemaker_names_the_recovery_and_no_heartbeat() -> None:
    """The banner is DRBD's (stack-neutral: recover-split-brain keeps Pacemaker out of the way itself)."""
    standalone = "version: 8.4.11 (api:1/proto:86-101)\n 0: cs:StandAlone ro:Primary/Unknown ds:UpToDate/DUnknown\n"
    klog = "@@ha-wizard:klog\n[ 812.1] block drbd0: Split-Brain detected but unresolved, dropping connection!\n"

    def node(name: str, vip: bool) -> object:
        r = out(standalone, True, vip, "promoted-node1.xml")
        return node_state(name, Result(0, r.out + klog, ""), W, CONDITIONS)

    ps = pair_state([node("node1", True), node("node2", False)], W)
    assert "node2's changes since the split would be DISCARDED" in ps.banner
    assert "`ha-wizard recover-split-brain` (it asks you to type node2)" in ps.banner
    shown = "\n".join(text(ps))
    assert "heartbeat" not in shown.lower() and "both nodes are DRBD Primary" in shown
