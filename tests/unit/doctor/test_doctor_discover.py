"""Working out the pair: from this node's files (with the tutorial's slips in them), from --peer, from answers."""

from __future__ import annotations

import pytest
from doctor_helpers import node
from helpers.nodes import lab_spec
from helpers.tutorial_pair import HA_CF, R0_RES, RES

from wizard.doctor.discover import CannotRead, from_answers, from_files


def test_from_this_nodes_files() -> None:
    intent, target = from_files(node(1))
    assert target.name == "node2" and intent.resource == "r0"
    assert target.hosts == (("10.99.0.2", "/etc/drbd.d/r0.res:14 (on node2)"), ("node2", "the peer's name node2 "
                                                                                      "(/etc/hosts or DNS)"))
    assert intent.source == "pair discovered from node1's /etc/drbd.conf, /etc/ha.d/ha.cf, /etc/ha.d/haresources"


def test_a_typo_in_this_nodes_own_on_name_still_finds_the_peer() -> None:
    n1 = node(1, files_={RES: R0_RES.replace("on node1 {", "on nodel {")})
    _, target = from_files(n1)
    assert target.name == "node2" and target.hosts[0][0] == "10.99.0.2"


def test_a_wrong_peer_address_falls_back_to_ha_cf_and_the_name() -> None:
    n1 = node(1, files_={RES: R0_RES.replace("10.99.0.2:7788", "10.99.0.9:7788")})
    _, target = from_files(n1)
    assert [h for h, _ in target.hosts] == ["10.99.0.9", "10.99.0.2", "node2"]


def test_peer_overrides_everything() -> None:
    _, target = from_files(node(1), "192.0.2.7")
    assert target.hosts == (("192.0.2.7", "--peer"),)


def test_a_node_without_pair_files_cannot_be_read() -> None:
    bare = node(1, files_={"/etc/drbd.conf": None, "/etc/ha.d/ha.cf": None})
    with pytest.raises(CannotRead, match="neither /etc/drbd.conf nor /etc/ha.d/ha.cf") as e:
        from_files(bare)
    assert e.value.exit_code == 2


def test_ha_cf_alone_is_enough() -> None:
    only_hb = node(1, files_={"/etc/drbd.conf": None})
    _, target = from_files(only_hb)
    assert target.name == "node2" and target.hosts[0] == ("10.99.0.2", "/etc/ha.d/ha.cf:9 (ucast)")
    assert HA_CF.splitlines()[8] == "ucast eth1 10.99.0.2"


def test_from_answers() -> None:
    intent, target = from_answers(lab_spec(), node(1))
    assert (intent.master, intent.names, intent.resource) == ("node1", ("node1", "node2"), "r0")
    assert target.hosts == (("10.99.0.2", "the answers' nodes[2]"),) and target.user == "root"


def test_from_answers_on_the_slave_reaches_the_master_by_its_address() -> None:
    _, target = from_answers(lab_spec(), node(2))
    assert target.name == "node1" and target.hosts[0][0] == "10.99.0.1"


def test_answers_of_another_pair() -> None:
    with pytest.raises(CannotRead, match="is neither node1 nor node2"):
        from_answers(lab_spec(), node(1, hostname="web7", addresses={}))


def test_the_tutorials_demo_answers_are_never_contacted() -> None:
    spec = lab_spec(lambda raw: raw["cluster"].update(demo=True))
    with pytest.raises(CannotRead, match="demo"):
        from_answers(spec, node(1))


def test_a_node_whose_uname_is_not_the_answers_name() -> None:
    from doctor_helpers import pair, problems

    from wizard.doctor.checks import pairing

    renamed = node(1, hostname="web7")
    intent, _ = from_answers(lab_spec(), renamed)  # found by its address 10.99.0.1
    found = pairing.names(pair(renamed, intent=intent))
    assert problems(found) == [("fail", "pair.names", "web7")]
    assert found[0].title.startswith("node1's `uname -n` is web7") and "hostnamectl set-hostname node1" in found[0].fix
