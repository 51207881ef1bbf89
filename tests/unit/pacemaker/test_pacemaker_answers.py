"""The Pacemaker answers ([cluster] stack and fencing, [stonith], the nodes' second_address and fence_target):
each mistake one plain line naming its key, and a Heartbeat pair's answers file unchanged by them."""

from __future__ import annotations

import copy
import tomllib
from pathlib import Path
from typing import Any

import pytest

from wizard.core.answers import dumps, load_answers, spec_to_dict
from wizard.core.spec import Stonith, spec_from_dict
from wizard.errors import AnswersError

ROOT = Path(__file__).resolve().parents[3]
LAB = ROOT / "tests" / "data" / "answers" / "lab-pacemaker.toml"
IPMI = ROOT / "tests" / "data" / "answers" / "pacemaker-ipmi.toml"


def raw(path: Path = LAB) -> dict[str, Any]:
    return tomllib.loads(path.read_text())


def with_(base: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """``section__key=value`` (``nodes0__key`` for a node; None deletes the key)."""
    out = copy.deepcopy(base)
    for name, value in changes.items():
        section, key = name.split("__")
        table = out["nodes"][int(section[-1])] if section.startswith("nodes") else out.setdefault(section, {})
        if value is None:
            table.pop(key, None)
        else:
            table[key] = value
    return out


def problems(answers: dict[str, Any]) -> list[str]:
    with pytest.raises(AnswersError) as e:
        spec_from_dict(answers)
    return e.value.problems


# (changes on the lab's Pacemaker answers, the one problem expected, its start)
CASES = [
    ({"cluster__stack": "corosync"}, "cluster.stack = 'corosync': choose one of heartbeat, pacemaker, auto"),
    ({"cluster__stack": "Pacemaker"}, "cluster.stack = 'Pacemaker': choose one of"),
    ({"cluster__stack": 1}, "cluster.stack = 1: expected a quoted string"),
    ({"cluster__fencing": "none"}, "cluster.fencing = 'none': choose one of stonith, none-confirmed"),
    ({"cluster__fencing": True}, "cluster.fencing = True: expected a quoted string"),
    ({"nodes0__second_address": "10.98.0.1"}, "nodes: second_address is given for one node only"),
    ({"nodes0__second_address": "10.98.0.300", "nodes1__second_address": "10.98.0.2"},
     "nodes[1].second_address = '10.98.0.300': not a valid IP address"),
    ({"nodes0__second_address": "10.98.0.1", "nodes1__second_address": "10.98.0.1"},
     "nodes: the second_address '10.98.0.1' is used twice"),
    ({"nodes0__second_address": "10.99.0.1", "nodes1__second_address": "10.98.0.2"},
     "nodes: node1's second_address equals its address"),
    ({"nodes0__second_address": "10.98.0.1", "nodes1__second_address": "2001:db8::2"},
     "nodes: the second_addresses are IPv4 and IPv6: a Corosync link joins the nodes over one IP family"),
    ({"nodes0__fence_target": "vm one"}, "nodes[1].fence_target = 'vm one': a BMC's address or a VM's name"),
    ({"nodes1__fence_target": "$(reboot)"}, "nodes[2].fence_target = '$(reboot)': a BMC's address or a VM's"),
    ({"stonith__agent": "fence_xvm", "cluster__fencing": "stonith"},
     "stonith.agent = 'fence_xvm': choose one of fence_ipmilan, fence_virsh"),
    ({"stonith__agent": "fence_virsh"}, 'stonith.agent = "fence_virsh": cluster.fencing = "none-confirmed" turns '
                                        "STONITH off"),
    ({"stonith__login": "ad min"}, "stonith.login = 'ad min': a name like admin"),
    # masked: a wrong password_script is often the password itself, typed where its script belongs
    ({"stonith__password_script": "bmc.sh"}, "stonith.password_script = ********: one absolute path"),
    ({"stonith__hypervisor": "host;reboot"}, "stonith.hypervisor = 'host;reboot'"),
    ({"stonith__secret": "x"}, "stonith.secret: unknown key"),
    ({"drbd__fencing": "dopd"}, 'drbd.fencing = "dopd": dopd is Heartbeat\'s'),
]


@pytest.mark.parametrize(("changes", "expected"), CASES, ids=[str(c[0]) for c in CASES])
def test_each_mistake_is_one_line_naming_its_key(changes: dict[str, Any], expected: str) -> None:
    found = problems(with_(raw(), **changes))
    assert len(found) == 1, found
    assert found[0].startswith(expected), found
    assert "\n" not in found[0]


def test_an_agent_names_every_answer_it_lacks() -> None:
    virsh = with_(raw(), cluster__fencing="stonith", stonith__agent="fence_virsh")
    assert problems(virsh) == [
        "stonith.hypervisor is missing: fence_virsh needs it (docs/pacemaker.md, Fencing)",
        "stonith.login is missing: fence_virsh needs it (docs/pacemaker.md, Fencing)",
        "stonith.identity_file is missing: fence_virsh needs it (docs/pacemaker.md, Fencing)",
        "nodes[1].fence_target is missing: fence_virsh needs its VM's name on the hypervisor",
        "nodes[2].fence_target is missing: fence_virsh needs its VM's name on the hypervisor"]
    ipmi = with_(raw(IPMI), stonith__password_script=None, nodes1__fence_target=None)
    assert problems(ipmi) == ["stonith.password_script is missing: fence_ipmilan needs it (docs/pacemaker.md, "
                              "Fencing)", "nodes[2].fence_target is missing: fence_ipmilan needs its BMC's address"]


def test_heartbeat_answers_may_hold_unfinished_pacemaker_keys() -> None:
    """Only Pacemaker reads them: a Heartbeat pair is not stopped by a half-filled [stonith]."""
    spec, _ = spec_from_dict(with_(raw(), cluster__stack="heartbeat", cluster__fencing="stonith",
                                   stonith__agent="fence_ipmilan", drbd__fencing="dopd"))
    assert spec.stack == "heartbeat" and spec.stonith.agent == "fence_ipmilan"


def test_defaults_are_todays_heartbeat_pair() -> None:
    spec, _ = load_answers(ROOT / "examples" / "lab.toml")
    assert (spec.stack, spec.fencing, spec.stonith) == ("heartbeat", "stonith", Stonith())
    assert all(n.second_address == "" and n.fence_target == "" for n in spec.nodes)


@pytest.mark.parametrize(("path", "before"), [("examples/lab.toml", "6939658178843f07"),
                                              ("examples/tutorial.toml", "fa5c7a4707b24bdc")])
def test_a_heartbeat_pairs_digest_is_what_it_was_before_the_pacemaker_keys(path: str, before: str) -> None:
    """The journal keeps the answers' digest: a resume after the upgrade must not report changed answers."""
    spec, _ = load_answers(ROOT / path)
    assert spec.digest() == before
    assert spec_from_dict(with_(raw(ROOT / path), cluster__stack="auto"))[0].digest() != before


def test_a_heartbeat_pairs_saved_answers_hold_no_pacemaker_key() -> None:
    spec, _ = load_answers(ROOT / "examples" / "tutorial.toml")
    saved = tomllib.loads(dumps(spec_to_dict(spec)))
    assert set(saved["cluster"]) == {"master", "demo"} and "stonith" not in saved
    assert all(set(n).isdisjoint({"second_address", "fence_target"}) for n in saved["nodes"])


@pytest.mark.parametrize("path", [LAB, IPMI], ids=["lab-pacemaker", "pacemaker-ipmi"])
def test_pacemaker_answers_survive_a_save_and_load(path: Path, tmp_path: Path) -> None:
    spec, _ = load_answers(path)
    again = tmp_path / "again.toml"
    again.write_text(dumps(spec_to_dict(spec)))
    assert load_answers(again)[0] == spec


def test_a_wrong_password_script_is_never_echoed() -> None:
    found = problems(with_(raw(IPMI), stonith__password_script="S3cret-bmc-pw"))
    assert found[0].startswith("stonith.password_script = ********: one absolute path like /replicated")
    assert not any("S3cret" in p for p in found), found


@pytest.mark.parametrize(("changes", "expected"), [
    ({}, "Fencing: STONITH on through fence_ipmilan (alpha's BMC 10.30.0.1, beta's BMC bmc-beta.example.com)."),
    ({"cluster__fencing": "none-confirmed", "stonith__agent": ""},
     'Fencing: STONITH off (cluster.fencing = "none-confirmed"): a broken link can lead to a split brain.'),
    ({"stonith__agent": ""},
     "Fencing: STONITH on, but no fence agent chosen yet: the plan is NOT READY until [stonith] is given."),
], ids=["ipmilan", "off", "not-chosen"])
def test_the_fencing_summary_says_the_state_in_one_line(changes: dict[str, Any], expected: str) -> None:
    from wizard.pacemaker.cib import fencing_summary

    spec, _ = spec_from_dict(with_(raw(IPMI), **changes))
    assert fencing_summary(spec) == expected
