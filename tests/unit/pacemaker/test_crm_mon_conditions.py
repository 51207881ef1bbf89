"""crm_mon's XML read (table), and the Pacemaker conditions the steps wait on: real Pacemaker 2.1.5 output, made
from the project's own CIB script by tests/data/crm_mon/make.sh (crmsh + crm_simulate + crm_mon on a CIB file)."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers.node_text import BARE, MOUNTED, NO_VIP, PRIMARY, SECONDARY, VIP

from wizard.executors.result import Result
from wizard.flow import registry
from wizard.pacemaker.conditions import pcmk_active, pcmk_cib_loaded, pcmk_online, pcmk_standby
from wizard.pacemaker.crm_mon import read_crm_mon

CRM = Path(__file__).resolve().parents[2] / "data" / "crm_mon"
ACTIVE = ("cl_drbd_r0", "0", "/dev/drbd0", "/replicated", "10.99.0.100")
STANDBY = ("cl_drbd_r0", "0", "/replicated", "10.99.0.100")


def xml(name: str) -> str:
    return (CRM / name).read_text()


def crm(name: str) -> Result:
    rc = 102 if name == "not-running.xml" else 0
    return Result(0, f"@@ha-wizard:crm\n{xml(name)}rc={rc}\n")


def node(drbd: str, mounts: str, addr: str, name: str, me: str = "node1") -> Result:
    return Result(0, f"@@ha-wizard:node\n{me}\n@@ha-wizard:drbd\n{drbd}\n@@ha-wizard:mounts\n{mounts}"
                     f"@@ha-wizard:addr\n{addr}@@ha-wizard:crm\n{xml(name)}rc=0\n")


@pytest.mark.parametrize(("name", "online", "promoted", "unpromoted", "group_on", "stonith"), [
    ("promoted-node1.xml", ("node1", "node2"), ("node1",), ("node2",), ("node1",), False),
    ("promoted-node2.xml", ("node2",), ("node2",), (), ("node2",), False),
    ("node1-lost.xml", ("node2",), (), ("node2",), (), False),
    ("node1-standby.xml", ("node1", "node2"), ("node2",), (), ("node2",), False),
    ("online-no-resources.xml", ("node1", "node2"), (), (), (), True),
    ("stonith-enabled.xml", ("node1", "node2"), ("node1",), ("node2",), ("node1",), True),
])
def test_read_real_crm_mon(name: str, online: tuple[str, ...], promoted: tuple[str, ...],
                           unpromoted: tuple[str, ...], group_on: tuple[str, ...], stonith: bool) -> None:
    c = read_crm_mon(xml(name), "cl_drbd_r0")
    assert not c.error
    assert (c.online, c.promoted, c.unpromoted, c.group_on, c.stonith_enabled) == \
           (online, promoted, unpromoted, group_on, stonith)


def test_words_for_a_node_and_for_stonith() -> None:
    c = read_crm_mon(xml("promoted-node1.xml"), "cl_drbd_r0")
    assert c.node_words("node1") == "online, runs the group, DRBD Promoted"
    assert c.node_words("node2") == "online, DRBD Unpromoted"
    assert c.stonith_words() == "STONITH DISABLED (stonith-enabled=false)"
    assert read_crm_mon(xml("node1-standby.xml"), "cl_drbd_r0").node_words("node1") == "standby"
    assert read_crm_mon(xml("node1-lost.xml"), "cl_drbd_r0").node_words("node1") == "offline"
    assert read_crm_mon(xml("stonith-enabled.xml"), "cl_drbd_r0").stonith_words() == "STONITH enabled"


@pytest.mark.parametrize("text", [xml("not-running.xml"), "", "crm_mon: command not found\n", "<pacemaker-result"])
def test_no_cluster_is_an_error_in_words(text: str) -> None:
    c = read_crm_mon(text, "cl_drbd_r0")
    assert c.error and not c.running and c.node_words("node1") == "Pacemaker not running"
    if text.startswith("<pacemaker-result api"):
        assert "Connection to cluster failed" in c.error


@pytest.mark.parametrize(("name", "nodes", "ok"), [
    ("online-no-resources.xml", ("node1", "node2"), True),
    ("promoted-node1.xml", ("node1", "node2"), True),
    ("node1-lost.xml", ("node1", "node2"), False),
    ("not-running.xml", ("node1", "node2"), False),
])
def test_online(name: str, nodes: tuple[str, ...], ok: bool) -> None:
    v = pcmk_online(crm(name), "cl_drbd_r0", *nodes)
    assert v.ok is ok and not v.fatal
    if name == "node1-lost.xml":
        assert v.state == "online: node2; not yet: node1"


def test_a_foreign_node_in_the_cluster_is_fatal() -> None:
    """Debian's default corosync.conf still in use names another node: waiting would never help."""
    v = pcmk_online(crm("promoted-node1.xml"), "cl_drbd_r0", "alpha", "bravo")
    assert not v.ok and "other nodes (node1, node2)" in v.fatal


@pytest.mark.parametrize(("name", "ok"), [("promoted-node1.xml", True), ("node1-lost.xml", True),
                                          ("online-no-resources.xml", False), ("not-running.xml", False)])
def test_cib_loaded(name: str, ok: bool) -> None:
    v = pcmk_cib_loaded(crm(name), "cl_drbd_r0", "g_service")
    assert v.ok is ok
    if name == "online-no-resources.xml":
        assert v.state == "not in the CIB: cl_drbd_r0, g_service"


@pytest.mark.parametrize(("drbd", "mounts", "addr", "name", "ok", "says"), [
    (PRIMARY, MOUNTED, VIP, "promoted-node1.xml", True, "Pacemaker: online, runs the group, DRBD Promoted"),
    (PRIMARY, MOUNTED, NO_VIP, "promoted-node1.xml", False, "10.99.0.100 absent"),
    (PRIMARY, BARE, VIP, "promoted-node1.xml", False, "/replicated not mounted"),
    (SECONDARY, BARE, NO_VIP, "online-no-resources.xml", False, "DRBD Secondary"),
    # the node looks right, but Pacemaker does not run it here: not the pair the wizard set up
    (PRIMARY, MOUNTED, VIP, "promoted-node2.xml", False, "Pacemaker: offline"),
])
def test_active(drbd: str, mounts: str, addr: str, name: str, ok: bool, says: str) -> None:
    v = pcmk_active(node(drbd, mounts, addr, name), *ACTIVE)
    assert v.ok is ok and says in v.state


@pytest.mark.parametrize(("drbd", "mounts", "addr", "name", "ok", "fatal"), [
    (SECONDARY, BARE, NO_VIP, "promoted-node1.xml", True, False),
    (SECONDARY, BARE, VIP, "promoted-node1.xml", False, False),
    (SECONDARY, BARE, NO_VIP, "node1-standby.xml", False, False),  # node2 promoted: not standing by
    (PRIMARY, MOUNTED, NO_VIP, "promoted-node1.xml", False, True),  # holds the disk behind Pacemaker's back
])
def test_standby(drbd: str, mounts: str, addr: str, name: str, ok: bool, fatal: bool) -> None:
    v = pcmk_standby(node(drbd, mounts, addr, name, "node2"), *STANDBY)
    assert v.ok is ok and bool(v.fatal) is fatal
    assert "Pacemaker: online" in v.state


def test_the_engine_knows_the_pacemaker_conditions() -> None:
    names = registry.conditions().names()
    assert {"pcmk-online", "pcmk-cib-loaded", "pcmk-active", "pcmk-standby"} <= set(names)
