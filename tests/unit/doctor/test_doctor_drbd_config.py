"""DRBD config checks, facts in, findings out: the tutorial's slips one at a time."""

from __future__ import annotations

import pytest
from doctor_helpers import lost, node, one, pair, problems, sec
from helpers.tutorial_pair import R0_RES, RES, SECRET

from wizard.doctor.checks import drbd_config as dc

# drbdadm 9.22's message for the tutorial's Listing 1 (no ';' after `device /dev/drbd0`), as the node prints it
MISSING_SEMICOLON = R0_RES.replace("device    /dev/drbd0;\n    disk      /dev/vdb1;\n    address   10.99.0.1",
                                   "device    /dev/drbd0\n    disk      /dev/vdb1;\n    address   10.99.0.1", 1)
DRBDADM_SAYS = "drbd.d/r0.res:7: Parse error: 'minor | ;' expected,\n\tbut got 'disk'\n"  # drbd-utils 9.22, 8.4


def on_both(text: str) -> tuple[object, object]:
    return node(1, files_={RES: text}), node(2, files_={RES: text})


def test_host_name_typo_names_the_section_and_the_rename() -> None:
    n1, n2 = on_both(R0_RES.replace("on node1 {", "on nodel {"))
    found = dc.hostnames(pair(n1, n2))
    f = one(found, "drbd.hostname")
    assert f.status == "fail" and f.node == "node1"
    assert f.title == "r0 has no `on node1` section in both nodes' copies (it says `on nodel`)"
    assert "change `on nodel` to `on node1` in /etc/drbd.d/r0.res (line 5)" in f.fix
    assert "drbdadm adjust r0" in f.fix
    assert "node1:/etc/drbd.d/r0.res:5: on nodel {" in f.evidence
    assert "node2:/etc/drbd.d/r0.res:5: on nodel {" in f.evidence
    assert "node1$ uname -n: node1" in f.evidence


def test_host_name_typo_found_in_one_file_only_names_that_file() -> None:
    found = dc.hostnames(pair(n2=node(2, files_={RES: R0_RES.replace("on node2 {", "on nodeZ {")})))
    f = one(found, "drbd.hostname")
    assert f.node == "node2" and f.title == "r0 has no `on node2` section in node2's copy (it says `on nodeZ`)"


def test_the_tutorials_wrong_address_on_both_nodes() -> None:
    n1, n2 = on_both(R0_RES.replace("10.99.0.1:7788", "10.99.0.3:7788"))
    f = one(dc.addresses(pair(n1, n2)), "drbd.address")
    assert f.node == "node1" and "10.99.0.3" in f.title
    assert "set `address 10.99.0.1:7788;` in /etc/drbd.d/r0.res (line 8)" in f.fix
    assert {e.split(":")[0] for e in f.evidence[:2]} == {"node1", "node2"}  # both copies quoted
    assert any("ip -br addr" in e and "eth1 10.99.0.1/24" in e for e in f.evidence)


def test_swapped_address_says_the_other_node_has_it() -> None:
    n1, n2 = on_both(R0_RES.replace("10.99.0.1:7788", "10.99.0.2:7788"))
    f = one(dc.addresses(pair(n1, n2)), "drbd.address")
    assert "(node2 has it)" in f.title


def test_missing_semicolon_is_drbdadms_message_with_the_hint() -> None:
    n1 = node(1, files_={RES: MISSING_SEMICOLON}, out={"drbdadm-parse": sec(DRBDADM_SAYS, 10)})
    n2 = node(2, files_={RES: MISSING_SEMICOLON}, out={"drbdadm-parse": sec(DRBDADM_SAYS, 10)})
    found = dc.parses(pair(n1, n2))
    assert problems(found) == [("fail", "drbd.parse", "")]  # the same file, the same words: one finding
    f = found[0]
    assert f.title == ("drbdadm 9.22.0 on both nodes rejects /etc/drbd.d/r0.res:7: Parse error: 'minor | ;' "
                       "expected, but got 'disk' (a ';' is missing after `device /dev/drbd0` on line 6)")
    assert [e.split("$")[0] for e in f.evidence[1:]] == ["node1", "node2"]
    assert "add the missing ';'" in f.fix and "drbdadm adjust r0" in f.fix
    assert f.evidence[0] == "node1:/etc/drbd.d/r0.res:7: disk      /dev/vdb1;"


def test_the_reader_still_sees_hosts_past_a_missing_semicolon() -> None:
    n1, n2 = on_both(MISSING_SEMICOLON)
    p = pair(n1, n2)
    assert problems(dc.hostnames(p) + dc.addresses(p)) == []
    host = p.own_host(p.local)
    assert host is not None and (host.device, host.disk) == ("/dev/drbd0", "/dev/vdb1")


def test_drbdadms_own_address_complaint_goes_to_the_address_finding() -> None:
    text = R0_RES.replace("10.99.0.1:7788", "10.99.0.3:7788")
    said = "drbd.d/r0.res:8: in resource r0, on node1:\n\tIP 10.99.0.3 not found on this host.\n"
    p = pair(node(1, files_={RES: text}, out={"drbdadm-parse": sec(said, 10)}), node(2, files_={RES: text}))
    assert problems(dc.parses(p)) == []
    f = one(dc.addresses(p), "drbd.address")
    assert f.evidence[-1] == ("node1$ drbdadm dump all: drbd.d/r0.res:8: in resource r0, on node1: IP 10.99.0.3 not "
                              "found on this host.")


def test_no_drbdadm_on_a_node() -> None:
    f = one(dc.parses(pair(n2=node(2, out={"drbdadm-parse": sec("", 127)}))), "drbd.parse")
    assert f.node == "node2" and "apt-get install drbd-utils" in f.fix


def test_different_secrets_are_named_without_showing_them() -> None:
    n2 = node(2, files_={RES: R0_RES.replace(SECRET, "othersecret")})
    found = dc.secret(pair(n2=n2)) + dc.identical(pair(n2=n2))
    f = one(found, "drbd.secret")
    assert "differs between node1 and node2" in f.title and "same shared-secret" in f.fix
    assert one(found, "drbd.identical").title == ("/etc/drbd.d/r0.res differs between node1 and node2 (first at line "
                                                  "3, in a secret: not shown)")
    secrets = pair(n2=n2).secrets()
    assert SECRET in secrets and "othersecret" in secrets  # the report masks both


def test_no_secret_at_all_is_a_warning() -> None:
    text = R0_RES.replace(f'net {{ cram-hmac-alg sha1; shared-secret "{SECRET}"; }}', "")
    n1, n2 = on_both(text)
    assert problems(dc.secret(pair(n1, n2))) == [("warn", "drbd.secret", "")]


def test_a_file_on_one_node_only() -> None:
    n2 = node(2, files_={"/etc/drbd.d/r1.res": "resource r1 { }\n"})
    f = one(dc.identical(pair(n2=n2)), "drbd.identical")
    assert "is on node2 but not on node1" in f.title


def test_no_drbd_conf_on_a_node() -> None:
    f = one(dc.present(pair(n2=node(2, files_={"/etc/drbd.conf": None}))), "drbd.config")
    assert f.node == "node2" and "has no /etc/drbd.conf" in f.title


@pytest.mark.parametrize(("speed", "status"), [("100", "warn"), ("1000", "ok"), ("-1", "ok")])
def test_resync_rate_against_the_link(speed: str, status: str) -> None:
    out = {"link-speeds": sec(f"eth1 {speed}")}
    found = dc.link(pair(node(1, out=out), node(2, out=out)))
    (f,) = [f for f in found if f.key == "drbd.rate"]
    assert f.status == status
    if status == "warn":
        assert "100M is more than eth1 carries (100 Mb/s, about 11M)" in f.title
        assert "resync-rate 3M" in f.fix


def test_protocol_and_timeouts() -> None:
    text = R0_RES.replace("protocol C;", "protocol A;").replace(
        "net {", "net { timeout 120; connect-int 10; ping-int 10;")
    n1, n2 = on_both(text)
    found = dc.link(pair(n1, n2))
    assert ("warn", "drbd.protocol", "node1") in problems(found)
    assert ("fail", "drbd.timeouts", "node1") in problems(found)


def test_checks_that_compare_skip_an_unread_peer() -> None:
    p = pair(n2=lost())
    assert dc.identical(p) == [] and problems(dc.secret(p)) == []
