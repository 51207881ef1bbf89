"""Preflight as a table: facts (and the reach probe) in, check lines out."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from helpers.nodes import ROOT, VDB1, FakeExecutor, both, lab_spec, node_facts

from wizard.core.actions import Run
from wizard.core.answers import load_answers
from wizard.errors import WizardError
from wizard.executors.base import Result
from wizard.nodes.facts import Signatures, unreached
from wizard.nodes.parse import Versions
from wizard.preflight.reach import Reach
from wizard.preflight.report import (
    CheckLine,
    PreflightFailed,
    evaluate,
    install_actions,
    install_steps,
    preflight,
    render,
    require_ok,
)

OK_REACH = Reach("10.99.0.2", 7788, "refused", "Connection refused", True, "eth1", "10.99.0.1")


def lines(facts: dict[str, Any] | None = None, reach: Reach = OK_REACH, spec: Any = None) -> list[CheckLine]:
    return evaluate(spec or lab_spec(), both() if facts is None else facts, reach)


def by_key(ls: list[CheckLine], key: str, node: str = "") -> list[CheckLine]:
    return [ln for ln in ls if ln.key == key and (not node or ln.node == node)]


def fails(ls: list[CheckLine]) -> list[str]:
    return [ln.what for ln in ls if ln.status == "fail"]


def test_healthy_lab_has_no_fail_and_no_warning() -> None:
    ls = lines()
    assert [ln for ln in ls if ln.status != "pass"] == []
    keys = {ln.key for ln in ls}
    assert {"hostname", "address", "drbd-module", "packages", "version:drbd-utils", "version:heartbeat",
            "version:drbd-module", "disk", "disk-size", "route", "drbd-port", "heartbeat-udp"} <= keys
    require_ok(ls)  # no raise


def test_wrong_hostname_says_exactly_what_to_change() -> None:
    spec = lab_spec(lambda raw: raw["nodes"][1].update(name="server2"))
    facts = {"node1": node_facts(1), "server2": node_facts(2, node="server2")}
    (line,) = by_key(lines(facts, spec=spec), "hostname", "server2")
    assert line.status == "fail"
    assert line.what == "server2: `uname -n` says 'node2' but the answers call it 'server2'"
    assert 'change nodes[2].name to "node2"' in line.fix and "hostnamectl set-hostname server2" in line.fix


def test_wrong_master_name_also_names_cluster_master() -> None:
    spec = lab_spec(lambda raw: (raw["nodes"][0].update(name="server1"), raw["cluster"].update(master="server1")))
    facts = {"server1": node_facts(1, node="server1"), "node2": node_facts(2)}
    (line,) = by_key(lines(facts, spec=spec), "hostname", "server1")
    assert line.status == "fail" and 'cluster.master = "node1"' in line.fix and "run ha-wizard on server1" in line.fix


@pytest.mark.parametrize(
    ("node1_addrs", "expected"),
    [
        ({"eth1": "10.99.0.7/24"}, "node1: no interface has 10.99.0.1 (it has eth1 10.99.0.7/24)"),
        ({"eth1": "10.99.0.2/24"},
         "node1: holds 10.99.0.2, the address the answers give node2; 10.99.0.1 is not on it"),
    ],
)
def test_replication_address_on_the_right_node(node1_addrs: dict[str, str], expected: str) -> None:
    import ipaddress

    addrs = {k: (ipaddress.ip_interface(v),) for k, v in node1_addrs.items()}
    facts = {"node1": node_facts(1, addresses=addrs), "node2": node_facts(2)}
    (line,) = by_key(lines(facts), "address", "node1")
    assert (line.status, line.what) == ("fail", expected)


def test_interfaces_named_in_the_answers_must_exist() -> None:
    spec = lab_spec(lambda raw: raw["heartbeat"].update(interface="eth9"))
    (line,) = by_key(lines(spec=spec), "heartbeat-interface", "node2")
    assert line.status == "fail" and "no interface eth9 (heartbeat.interface)" in line.what


def test_missing_package_is_planned_first_not_refused() -> None:
    spec = lab_spec(lambda raw: raw["recipes"].update(enabled=["bind9"]))
    ls = lines(spec=spec)
    (line,) = by_key(ls, "packages", "node2")
    assert line.status == "warn"
    assert line.what == "node2: not installed: bind9: the plan installs them first (install@node2)"
    assert "DEBIAN_FRONTEND=noninteractive apt-get install -y bind9" in line.fix
    require_ok(ls)  # nothing blocks the setup: apply installs it


def test_missing_package_with_dnf_and_unknown_manager() -> None:
    spec = lab_spec(lambda raw: raw["recipes"].update(enabled=["bind9"]))
    facts = {"node1": node_facts(1, package_manager="dnf", package_db="rpm"),
             "node2": node_facts(2, package_manager=None)}
    ls = lines(facts, spec=spec)
    assert "dnf install -y bind9" in by_key(ls, "packages", "node1")[0].fix
    (no_manager,) = by_key(ls, "packages", "node2")
    assert no_manager.status == "fail" and "no package manager" in no_manager.fix
    unknown_db = lines({"node1": node_facts(1), "node2": node_facts(2, package_db=None)})
    assert by_key(unknown_db, "packages", "node2")[0].status == "warn"


@pytest.mark.parametrize(
    ("candidates", "status", "words"),
    [
        ({"bind9": None, "heartbeat": "1:3.0.6-13+b2"}, "fail",
         "node2: no package repository known to node2 offers bind9"),
        ({"heartbeat": "1:3.0.6-13+b2"}, "fail", "offers bind9"),  # apt does not know the name at all
        ({"bind9": "1:9.18.28-1~deb12u2"}, "warn", "the plan installs them first"),
        (None, "warn", "the plan installs them first"),  # apt never updated: the install step tells
    ],
)
def test_a_package_no_repository_offers_is_refused(candidates: Any, status: str, words: str) -> None:
    spec = lab_spec(lambda raw: raw["recipes"].update(enabled=["bind9"]))
    facts = {"node1": node_facts(1, packages={**node_facts(1).packages, "bind9": "1:9.18.28-1~deb12u2"}),
             "node2": node_facts(2, candidates=candidates)}
    ls = lines(facts, spec=spec)
    (line,) = by_key(ls, "packages", "node2")
    assert line.status == status and words in line.what
    if status == "fail":
        assert "leave the recipe that needs it out of [recipes] enabled" in line.fix
        with pytest.raises(PreflightFailed, match="no package repository known to node2 offers bind9"):
            require_ok(ls)


@pytest.mark.parametrize(
    ("manager", "argvs"),
    [
        ("apt-get", [("apt-get", "update"), ("apt-get", "install", "-y", "heartbeat", "bind9")]),
        ("dnf", [("dnf", "install", "-y", "heartbeat", "bind9")]),
        ("yum", [("yum", "install", "-y", "heartbeat", "bind9")]),
        ("zypper", [("zypper", "--non-interactive", "install", "heartbeat", "bind9")]),
    ],
)
def test_install_actions(manager: str, argvs: list[tuple[str, ...]]) -> None:
    runs = install_actions("node2", ["heartbeat", "bind9"], manager)
    assert all(isinstance(r, Run) for r in runs) and [r.argv for r in runs] == argvs
    assert install_actions("node2", [], manager) == []


def test_install_actions_without_a_manager_is_one_sentence() -> None:
    with pytest.raises(WizardError, match="no package manager .* found on node2: install heartbeat by hand"):
        install_actions("node2", ["heartbeat"], None)


@pytest.mark.parametrize(
    ("node1", "node2", "expected"),
    [
        ({}, {}, []),
        ({}, {"packages": {"drbd-utils": "9.22.0-1"}}, [("install@node2", ("heartbeat",))]),
        ({"packages": {}}, {"packages": {"heartbeat": "1:3.0.6-13+b2"}},
         [("install@node1", ("drbd-utils", "heartbeat")), ("install@node2", ("drbd-utils",))]),
        ({"packages": {}, "package_manager": None}, {}, []),  # no manager: the preflight refuses instead
        ({"packages": {}, "package_db": None}, {}, []),  # the package database unread: a warning, no step
        ({}, {"packages": {}, "reached": False}, []),
    ],
)
def test_install_steps_facts_in_steps_out(node1: dict[str, Any], node2: dict[str, Any],
                                          expected: list[tuple[str, tuple[str, ...]]]) -> None:
    steps = install_steps(lab_spec(), {"node1": node_facts(1, **node1), "node2": node_facts(2, **node2)})
    assert [(s.id, s.actions[-1].argv[3:]) for s in steps] == expected  # type: ignore[union-attr]
    for s in steps:
        update, install = s.actions
        assert isinstance(install, Run) and install.argv[:3] == ("apt-get", "install", "-y")
        assert dict(install.env) == dict(update.env) == {"DEBIAN_FRONTEND": "noninteractive"}  # type: ignore[union-attr]
        assert s.kind == "install" and s.host == s.id.split("@")[1]
        (check,) = s.checks  # resume proves it on the host: dpkg-query, never the journal
        assert check.probe[:2] == ("dpkg-query", "-W") and check.probe[4:] == install.argv[3:]


@pytest.mark.parametrize(
    ("dpkg", "done"),
    [
        ("drbd-utils\tinstalled\t9.22.0-1\nheartbeat\tinstalled\t1:3.0.6-13+b2\n", True),
        ("drbd-utils\tinstalled\t9.22.0-1\nheartbeat\tconfig-files\t1:3.0.6-13+b2\n", False),
        ("drbd-utils\tinstalled\t9.22.0-1\n", False),
        ("", False),
    ],
)
def test_an_install_step_is_done_only_when_dpkg_lists_every_package(dpkg: str, done: bool) -> None:
    from wizard.flow.registry import conditions

    (step,) = install_steps(lab_spec(), {"node1": node_facts(1), "node2": node_facts(2, packages={})})
    (check,) = step.checks
    assert conditions().evaluate(check.until, Result(0 if done else 1, dpkg, ""), check.args).ok is done


def test_rpm_nodes_prove_it_with_rpm() -> None:
    (step,) = install_steps(lab_spec(), {"node1": node_facts(1), "node2": node_facts(
        2, packages={}, package_db="rpm", package_manager="dnf")})
    assert step.checks[0].probe == ("rpm", "-q", "drbd-utils", "heartbeat") and step.checks[0].until == "exit-zero"
    assert [a.argv for a in step.actions] == [("dnf", "install", "-y", "drbd-utils", "heartbeat")]  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("pkg", "v2", "status"),
    [("drbd-utils", "9.21.0-1", "fail"), ("heartbeat", "1:3.0.6-14", "fail"), ("sendmail", "8.17.1.9-3", "warn")],
)
def test_versions_must_match_on_both_nodes(pkg: str, v2: str, status: str) -> None:
    spec = lab_spec(lambda raw: raw["recipes"].update(enabled=["sendmail"]))
    facts = both()
    facts["node2"] = dataclasses.replace(facts["node2"], packages={**facts["node2"].packages, pkg: v2})
    (line,) = by_key(lines(facts, spec=spec), f"version:{pkg}")
    assert line.status == status and line.what.endswith(f"on node1 but {v2} on node2")


@pytest.mark.parametrize(("k2", "status"), [("8.4.11", "pass"), ("8.4.10", "warn"), ("9.2.12", "fail")])
def test_drbd_module_versions(k2: str, status: str) -> None:
    facts = both()
    facts["node2"] = dataclasses.replace(facts["node2"], drbd=Versions(k2, "9.22.0", 1), drbd_module=k2)
    assert by_key(lines(facts), "version:drbd-module")[0].status == status


def test_no_drbd_module() -> None:
    facts = {"node1": node_facts(1), "node2": node_facts(2, drbd=Versions(None, "9.22.0", None), drbd_module=None)}
    (line,) = by_key(lines(facts), "drbd-module", "node2")
    assert line.status == "fail" and "modprobe drbd" in line.fix


def test_serial_port_checked_when_heartbeat_uses_one() -> None:
    spec = lab_spec(lambda raw: raw["heartbeat"].update(serial="/dev/ttyS1"))
    (line,) = by_key(lines(spec=spec), "serial", "node1")
    assert line.status == "fail" and "found: /dev/ttyS0" in line.what
    assert by_key(lines(), "serial") == []  # no serial link in the answers: nothing to check


def test_peer_not_contacted_is_a_fail() -> None:
    facts = {"node1": node_facts(1), "node2": unreached("node2", "cannot reach node2 at root@10.99.0.2")}
    ls = lines(facts)
    (line,) = by_key(ls, "contact", "node2")
    assert line.status == "fail" and "ssh-copy-id -p 22 root@10.99.0.2" in line.fix
    assert by_key(ls, "disk", "node2")[0].status == "fail"
    assert by_key(ls, "version:heartbeat") == []  # nothing to compare with


def test_same_machine_twice() -> None:
    facts = {"node1": node_facts(1), "node2": node_facts(2, machine_id=f"{1:032x}", hostname="node1")}
    assert "they are one machine" in by_key(lines(facts), "same-machine")[0].what


def test_disk_lines() -> None:
    facts = both()
    facts["node2"] = dataclasses.replace(facts["node2"],
                                         signatures={"/dev/vdb1": Signatures(("ext3",), True, 32 << 20, "data")})
    ls = lines(facts)
    (line,) = by_key(ls, "disk", "node2")
    assert line.status == "warn" and "--confirm node2:/dev/vdb1" in line.what
    facts["node2"] = dataclasses.replace(facts["node2"], signatures={"/dev/vdb1": Signatures(("ext4",), True, VDB1)})
    (line,) = by_key(lines(facts), "disk", "node2")
    assert line.status == "fail" and "exit code 40" in line.what
    assert "external meta-data" in line.fix and "shrink the filesystem" in line.fix and "wipe" in line.fix


@pytest.mark.parametrize(
    ("reach", "status", "words"),
    [
        (OK_REACH, "pass", "nothing listens yet"),
        (dataclasses.replace(OK_REACH, tcp="open"), "pass", "already listens"),
        (dataclasses.replace(OK_REACH, tcp="timeout"), "warn", "blocked by a firewall?"),
        (dataclasses.replace(OK_REACH, tcp="unreachable", tcp_detail="No route to host"), "fail", "No route to host"),
        (dataclasses.replace(OK_REACH, tcp="unknown"), "warn", "not checked (bash or timeout missing"),
    ],
)
def test_drbd_port_states(reach: Reach, status: str, words: str) -> None:
    (line,) = by_key(lines(reach=reach), "drbd-port")
    assert line.status == status and words in line.what


def test_udp_says_what_it_can_prove() -> None:
    (ok,) = by_key(lines(), "heartbeat-udp")
    assert ok.status == "pass" and "answers ping" in ok.what and "cannot be tested" in ok.what
    (no,) = by_key(lines(reach=dataclasses.replace(OK_REACH, ping=False)), "heartbeat-udp")
    assert no.status == "warn" and "UDP 20805" in no.fix  # derived from the node names


def test_route_checks() -> None:
    (local,) = by_key(lines(reach=dataclasses.replace(OK_REACH, route_local=True)), "route")
    assert local.status == "fail" and "address of node1 itself" in local.what
    (other,) = by_key(lines(reach=dataclasses.replace(OK_REACH, route_src="10.0.2.15", route_dev="eth0")), "route")
    assert other.status == "warn" and "not from its replication address 10.99.0.1" in other.what


def test_demo_answers_contact_nothing_and_say_so() -> None:
    spec, _ = load_answers(ROOT / "examples" / "tutorial.toml")
    master = FakeExecutor("server1", lambda argv: Result(0, ""))
    peer = FakeExecutor("server2")
    peer.reachable = False  # type: ignore[attr-defined]  # as the dry-run executor of an uncontacted node
    ls = preflight((spec, {"server1": master, "server2": peer}))
    assert peer.calls == []
    assert not any("192.168.1.2" in " ".join(c) for c in master.calls)  # no probe towards the peer
    for key in ("drbd-port", "heartbeat-udp"):
        (line,) = by_key(ls, key)
        assert line.status == "warn" and line.what.endswith("not checked (demo answers)")
    assert by_key(ls, "contact", "server2")[0].what.startswith("server2: not checked (demo answers)")
    assert by_key(ls, "disk", "server2")[0].what == "/dev/sda5 on server2: not checked (demo answers)"


def test_require_ok_names_every_failure() -> None:
    spec = lab_spec(lambda raw: raw["nodes"][1].update(name="server2"))
    facts = {"node1": node_facts(1), "server2": node_facts(2, node="server2", drbd_module=None,
                                                            drbd=Versions(None, None, None))}
    ls = evaluate(spec, facts, OK_REACH)
    with pytest.raises(PreflightFailed) as e:
        require_ok(ls)
    assert e.value.exit_code == 6 and len(e.value.lines) == 2
    assert "`uname -n` says 'node2'" in str(e.value) and "no DRBD kernel module" in str(e.value)
    assert "\n" not in str(e.value)
    text = render(ls)
    assert "✗ server2: `uname -n` says 'node2'" in text and "    fix: either change nodes[2].name" in text


def test_parse_probe_output() -> None:
    from wizard.preflight.reach import parse_probe

    r = parse_probe("10.99.0.2", 7788, "@@route 10.99.0.2 dev eth1 src 10.99.0.1 uid 0 \n"
                    "@@tcp 1 bash: connect: Connection refused bash: line 1: /dev/tcp/10.99.0.2/7788: "
                    "Connection refused \n@@ping 0\n")
    assert (r.route_dev, r.route_src, r.route_local, r.tcp, r.ping) == ("eth1", "10.99.0.1", False, "refused", True)
    assert parse_probe("a", 1, "@@route local 127.0.0.1 dev lo src 127.0.0.1\n@@tcp 0 \n").tcp == "open"
    assert parse_probe("a", 1, "@@tcp 124 \n@@ping 1\n").tcp == "timeout"
    down = parse_probe("a", 1, "@@route RTNETLINK answers: Network is unreachable\n@@tcp 1 bash: connect: "
                       "Network is unreachable\n")
    assert (down.tcp, down.route_error) == ("unreachable", "RTNETLINK answers: Network is unreachable")
    assert parse_probe("a", 1, "").tcp == "unknown" and parse_probe("a", 1, "").ping is None
    (line,) = by_key(lines(reach=down), "route")
    assert line.status == "fail" and "no route to 10.99.0.2" in line.what


def test_probe_skipped_for_demo_and_for_loopback_only(monkeypatch: pytest.MonkeyPatch) -> None:
    from wizard.executors.local import LocalExecutor
    from wizard.preflight.reach import probe_peer, skip_reason

    spec = lab_spec()
    monkeypatch.setenv("HA_WIZARD_LOOPBACK_ONLY", "1")
    local = LocalExecutor("node1")
    assert skip_reason(spec, local, None).startswith("HA_WIZARD_LOOPBACK_ONLY=1")
    fake = FakeExecutor("node1")  # not this machine? only a machine id different from ours proves it
    assert probe_peer(spec, fake, node_facts(1, machine_id=None)).skipped
    assert not probe_peer(spec, fake, node_facts(1, machine_id="f" * 32)).skipped
    assert len(fake.calls) == 1 and fake.calls[0][-4:] == ["10.99.0.2", "7788", "3", "2"]
    loop = lab_spec(lambda raw: (raw["nodes"][1].update(address="127.0.0.1"),
                                 raw["service"].update(vip="127.0.0.100", netmask=8),
                                 raw["nodes"][0].update(address="127.0.0.2")))
    assert skip_reason(loop, local, None) == ""
    assert skip_reason(spec, None, None) == "node1 was not reached"


def test_a_missing_device_names_its_answers_key() -> None:
    spec = lab_spec()
    spec = dataclasses.replace(spec, nodes=(spec.nodes[0], dataclasses.replace(spec.nodes[1], disk="/dev/vdb7")))
    (line,) = by_key(lines(spec=spec), "disk", "node2")
    assert line.status == "fail"
    assert "/dev/vdb7 (nodes[2].disk in the answers) does not exist on node2" in line.what
    assert line.fix.startswith("correct nodes[2].disk in the answers")
