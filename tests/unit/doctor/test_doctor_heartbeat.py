"""Heartbeat checks: names, media, udpport, authkeys, haresources and its scripts, timings, running."""

from __future__ import annotations

import pytest
from doctor_helpers import node, one, pair, problems, scripts, sec
from helpers.tutorial_pair import AUTHKEYS, AUTHKEYS_TEXT, HA_CF, HARESOURCES

from wizard.doctor.checks import heartbeat as hb
from wizard.doctor.pair import Intent

CF = "/etc/ha.d/ha.cf"
HR = "/etc/ha.d/haresources"


def both(path: str, text: str) -> tuple[object, object]:
    return node(1, files_={path: text}), node(2, files_={path: text})


def test_authkeys_mode_644() -> None:
    f = one(hb.authkeys(pair(node(1, modes={AUTHKEYS: 0o644}))), "heartbeat.authkeys-mode")
    assert f.node == "node1" and f.fix == f"on node1: chmod 600 {AUTHKEYS}"
    assert f.evidence == (f"node1$ stat -c %a {AUTHKEYS}: 644",)


def test_authkeys_differ_without_quoting_them() -> None:
    n2 = node(2, files_={AUTHKEYS: AUTHKEYS_TEXT.replace("vmrig-ha-secret", "another")})
    f = one(hb.authkeys(pair(n2=n2)), "heartbeat.authkeys-identical")
    assert "vmrig-ha-secret" not in str(f) and "another" not in str(f)
    assert "vmrig-ha-secret" in pair(n2=n2).secrets() and "another" in pair(n2=n2).secrets()


def test_node_name_typo_in_ha_cf() -> None:
    n1, n2 = both(CF, HA_CF.replace("node node2", "node nodo2"))
    f = one(hb.node_names(pair(n1, n2)), "heartbeat.node-names")
    assert f.node == "node2" and f.title == "ha.cf (both nodes) has no `node node2` line (it says `node nodo2`)"
    assert f.fix.startswith("on both nodes, change `node nodo2` (line 13 of /etc/ha.d/ha.cf) to `node node2`")
    assert "node2$ uname -n: node2" in f.evidence


def test_ucast_to_an_address_nobody_has() -> None:
    n1, n2 = both(CF, HA_CF.replace("ucast eth1 10.99.0.2", "ucast eth1 10.99.0.3"))
    found = hb.media(pair(n1, n2))
    f = one(found, "heartbeat.media")
    assert f.node == "node1" and "sends to an address neither node has" in f.title


def test_a_medium_on_a_missing_interface() -> None:
    n1, n2 = both(CF, HA_CF.replace("ucast eth1", "ucast eth9"))
    assert ("fail", "heartbeat.media", "node1") in problems(hb.media(pair(n1, n2)))


def test_bcast_on_the_link_reaches_the_peer() -> None:
    text = HA_CF.replace("ucast eth1 10.99.0.1\nucast eth1 10.99.0.2\n", "bcast eth1\n")
    n1, n2 = both(CF, text)
    found = hb.media(pair(n1, n2))
    assert problems(found) == [] and "bcast eth1" in found[0].title


def test_bcast_on_an_interface_without_the_peers_network() -> None:
    import ipaddress

    text = HA_CF.replace("ucast eth1 10.99.0.1\nucast eth1 10.99.0.2\n", "bcast eth0\n")
    lone = {"lo": (ipaddress.ip_interface("127.0.0.1/8"),), "eth0": (ipaddress.ip_interface("192.168.5.2/24"),),
            "eth1": (ipaddress.ip_interface("10.99.0.2/24"),)}
    n1, n2 = node(1, files_={CF: text}), node(2, files_={CF: text}, addresses=lone)
    found = problems(hb.media(pair(n1, n2)))
    assert found == [("fail", "heartbeat.media", "node1"), ("fail", "heartbeat.media", "node2")]


def test_udpport_differs() -> None:
    n2 = node(2, files_={CF: HA_CF.replace("udpport 694", "udpport 695")})
    assert ("fail", "heartbeat.udpport", "") in problems(hb.media(pair(n2=n2)))


def test_haresources_differ_and_a_missing_script() -> None:
    n2 = node(2, files_={HR: HARESOURCES.replace("apache2", "sendmail")}, out={"scripts": sec(scripts("apache2"))})
    found = hb.haresources(pair(n2=n2))
    assert ("fail", "heartbeat.haresources-identical", "") in problems(found)
    assert ("fail", "heartbeat.scripts", "node2") in problems(found)


def test_the_tutorials_datadisk() -> None:
    text = HARESOURCES.replace("drbddisk::r0", "datadisk::drbd0")
    n1 = node(1, files_={HR: text}, out={"scripts": sec(scripts("drbddisk"))})
    n2 = node(2, files_={HR: text}, out={"scripts": sec(scripts("drbddisk"))})
    found = hb.haresources(pair(n1, n2))
    assert any("datadisk" in f.title and f.status == "fail" for f in found)
    assert any(f.key == "heartbeat.scripts" and "drbddisk" in f.fix for f in found)


def test_ipaddr_is_fine_where_ifconfig_exists_only() -> None:
    assert problems(hb.haresources(pair())) == []
    n1 = node(1, out={"ifconfig": sec("", 1)})
    assert ("warn", "heartbeat.haresources", "node1") in problems(hb.haresources(pair(n1)))


def test_preferred_node_is_not_the_answers_master() -> None:
    found = hb.haresources(pair(intent=Intent("answers lab.toml", master="node2", names=("node1", "node2"))))
    f = one(found, "heartbeat.preferred")
    assert "owned by node1, but the answers' master is node2" in f.title


@pytest.mark.parametrize(("cf", "expected"), [
    ("keepalive 6\nwarntime 3\ndeadtime 5\ninitdead 10", ("fail", "heartbeat.timing", "node1")),
    ("keepalive 2\nwarntime 30\ndeadtime 120\ninitdead 120", ("warn", "heartbeat.timing", "node1")),  # the tutorial
    ("keepalive 1\nwarntime 5\ndeadtime 5\ninitdead 10", ("warn", "heartbeat.timing", "node1")),
    ("keepalive 500ms\nwarntime 3\ndeadtime 5\ninitdead 10", None),
])
def test_timings(cf: str, expected: tuple[str, str, str] | None) -> None:
    n1, n2 = both(CF, HA_CF.replace("keepalive 1\nwarntime 3\ndeadtime 5\ninitdead 10", cf))
    found = problems(hb.timing(pair(n1, n2)))
    assert found == ([expected] if expected else [])


def test_not_running_on_the_standby() -> None:
    f = one(hb.running(pair(n2=node(2, out={"active heartbeat": sec("inactive", 3)}))), "heartbeat.running")
    assert f.fix.startswith("on node2: systemctl start heartbeat")


def test_crm_on_and_nice_failback() -> None:
    n1, n2 = both(CF, HA_CF.replace("crm no", "crm yes").replace("auto_failback off", "nice_failback on"))
    found = problems(hb.ha_cf_rules(pair(n1, n2)))
    assert ("fail", "heartbeat.ha-cf", "") in found and ("warn", "heartbeat.ha-cf", "") in found


def test_no_ha_cf() -> None:
    assert ("fail", "heartbeat.files", "node2") in problems(hb.files_present(pair(n2=node(2, files_={CF: None}))))
