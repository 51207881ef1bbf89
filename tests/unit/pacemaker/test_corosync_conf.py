"""corosync.conf and its authkey: what is rendered from the answers, the rules Corosync enforces (pure), and
Corosync's own parser (`corosync -t`) on every golden file and on broken ones."""

from __future__ import annotations

import dataclasses

import pytest
from helpers.golden import KNOWN, PACEMAKER_SETS, context, stored

from wizard.core.plan import PlanContext
from wizard.core.secrets import Redactor, Secrets
from wizard.flow.tutorial import node_files
from wizard.pacemaker import render
from wizard.pacemaker.confcheck import (
    check_authkey,
    check_corosync_conf,
    corosync_tool,
    parse_corosync,
    run_corosync_check,
)
from wizard.pacemaker.render import AUTHKEY, COROSYNC_CONF


def ctx(answers: str = "lab-pacemaker") -> PlanContext:
    return context(answers, "8.4")


def keys(text: str) -> dict[str, str]:
    return {k: v for k, v, _ in parse_corosync(text)}


def test_one_link_knet_two_nodes_and_the_profiles_timing() -> None:
    got = keys(render.corosync_conf(ctx()))
    assert got["totem.transport"] == "knet" and got["totem.cluster_name"] == "ha-mail"
    assert (got["totem.crypto_cipher"], got["totem.crypto_hash"]) == ("aes256", "sha256")
    assert (got["totem.token"], got["totem.consensus"], got["totem.token_warning"]) == ("3600", "4320", "50")
    assert (got["quorum.provider"], got["quorum.two_node"]) == ("corosync_votequorum", "1")
    assert got["logging.logfile"] == "/var/log/corosync/corosync.log" and got["logging.to_logfile"] == "yes"
    assert "totem.link_mode" not in got
    text = render.corosync_conf(ctx())
    assert "ring1_addr" not in text
    assert text.count("ring0_addr: 10.99.0.") == 2


def test_a_second_link_when_both_nodes_give_its_address() -> None:
    c = ctx("pacemaker-ipmi")
    text = render.corosync_conf(c)
    assert keys(text)["totem.link_mode"] == "passive"
    for n in c.spec.nodes:
        block = text.split(f"name: {n.name}\n", 1)[1].split("}", 1)[0]
        assert f"ring0_addr: {n.address}\n" in block and f"ring1_addr: {n.second_address}\n" in block


def test_the_cluster_name_is_short_and_plain() -> None:
    c = ctx()
    long = dataclasses.replace(c, spec=dataclasses.replace(
        c.spec, service=dataclasses.replace(c.spec.service, hostname="a-very-long-service-name")))
    assert render.cluster_name(long) == "ha-a-very-long"  # 15 characters, no trailing '-'


def test_the_authkey_is_derived_root_only_and_never_shown() -> None:
    c = ctx()
    files = {f.path: f for f in node_files(c, "node1")}
    key = files[AUTHKEY]
    assert key.mode == 0o400 and key.secret
    assert len(key.content) == 256 and int(key.content, 16) > 0
    assert key.content == KNOWN.corosync_key
    assert key.content not in (KNOWN.shared_secret, KNOWN.authkey)
    assert Redactor(KNOWN.values())(f"key {key.content}") == "key ********"
    assert "corosync_key" not in repr(KNOWN) and key.content not in repr(KNOWN)
    # the same on both nodes, and only on the master the CIB script
    other = {f.path: f for f in node_files(c, "node2")}
    assert other[AUTHKEY] == key and other[COROSYNC_CONF] == files[COROSYNC_CONF]
    assert render.cib_script_path(c) in files and render.cib_script_path(c) not in other
    # another pair's secrets, another key; no secrets, no key
    assert Secrets("s" * 32, "a" * 32).corosync_key != key.content
    assert Secrets("", "").corosync_key == ""


# --- the rules, pure -----------------------------------------------------------------------------
GOOD = render.corosync_conf(ctx())
NAMES, ADDRS = ["node1", "node2"], ["10.99.0.1", "10.99.0.2"]
BROKEN = [
    ("transport: knet", "transport: udpu", "totem.transport is udpu, expected knet"),
    ("two_node: 1", "two_node: 0", "quorum.two_node is 0, expected 1"),
    ("    two_node: 1\n", "", "quorum.two_node is missing"),
    ("crypto_hash: sha256", "crypto_hash: none", "totem.crypto_hash is none"),
    ("consensus: 4320", "consensus: 4000", "consensus 4000 is below 1.2 x token (3600)"),
    ("nodeid: 2", "nodeid: 1", "every node needs its own nodeid"),
    ("name: node2", "name: server2", "the nodelist names node1, server2"),
    ("ring0_addr: 10.99.0.2", "ring0_addr: 10.99.0.7", "node2's ring0_addr is 10.99.0.7"),
    ("        ring0_addr: 10.99.0.1\n", "        ring0_addr: 10.99.0.1\n        ring1_addr: 10.98.0.1\n",
     "the nodes do not have the same links"),
]


def test_the_rendered_file_keeps_the_rules() -> None:
    assert check_corosync_conf(GOOD, NAMES, ADDRS) == []


@pytest.mark.parametrize(("old", "new", "said"), BROKEN, ids=[b[2][:40] for b in BROKEN])
def test_each_broken_rule_is_named(old: str, new: str, said: str) -> None:
    assert old in GOOD
    found = check_corosync_conf(GOOD.replace(old, new, 1), NAMES, ADDRS)
    assert [p for p in found if said in p.message and p.fatal], found


def test_a_short_or_readable_key_is_refused() -> None:
    assert check_authkey("x" * 256, 0o400) == []
    assert [p.message for p in check_authkey("x" * 64, 0o400)] == ["64 bytes: Corosync needs at least 128 (1024 bits)"]
    assert "mode 644" in check_authkey("x" * 256, 0o644)[0].message


# --- Corosync's own parser ------------------------------------------------------------------------
def _need_corosync() -> None:
    if corosync_tool() is None:
        pytest.skip("corosync is not installed here: scripts/setup --test installs it")


@pytest.mark.parametrize("answers", PACEMAKER_SETS)
def test_every_golden_corosync_conf_passes_corosync_t_on_each_node(answers: str) -> None:
    _need_corosync()
    c = context(answers, "8.4")
    files = stored(answers, "8.4")
    conf, key = files["etc/corosync/corosync.conf"], files["etc/corosync/authkey"]
    assert check_corosync_conf(conf, [n.name for n in c.spec.nodes], [n.address for n in c.spec.nodes]) == []
    for n in c.spec.nodes:
        assert run_corosync_check(conf, key, [a for a in (n.address, n.second_address) if a]) == []


# What corosync -t itself refuses: (change, words of its message, the line it names or None)
REFUSED = [
    ("token: 3600", "token: 36x0", 'Value of key "totem.token" is expected to be integer', 16),
    ("transport: knet", "transport: kent", "Invalid transport type", None),
    ("nodeid: 2", "nodeid: 1", "Nodeid 1 appears twice", None),
    ("crypto_hash: sha256", "crypto_hash: none", "crypto_cipher requires crypto_hash", None),
    ("        ring0_addr: 10.99.0.1\n", "        ring0_addr: 10.99.0.1\n        ring1_addr: 10.98.0.1\n",
     "Not all nodes have the same number of links", None),
    ("quorum {\n", "quorum {\n    {\n", "", None),
]


@pytest.mark.parametrize(("old", "new", "said", "line"), REFUSED, ids=[r[1][:24] for r in REFUSED])
def test_corosync_t_names_what_it_refuses(old: str, new: str, said: str, line: int | None) -> None:
    _need_corosync()
    assert old in GOOD
    found = run_corosync_check(GOOD.replace(old, new, 1), KNOWN.corosync_key, ["10.99.0.1"])
    assert found and all(p.fatal and p.path == COROSYNC_CONF for p in found), found
    assert any(said in p.message for p in found), found
    if line:
        assert any(p.line == line for p in found), found
        assert GOOD.splitlines()[line - 1].strip() == old


def test_corosync_t_checks_the_key_and_finds_the_node_by_its_address() -> None:
    _need_corosync()
    short = run_corosync_check(GOOD, "x" * 64, ["10.99.0.1"])
    assert any("minimum 1024 bits" in p.message for p in short), short
    stranger = run_corosync_check(GOOD, KNOWN.corosync_key, ["10.99.0.9"])
    assert any("No valid name found for local host" in p.message for p in stranger), stranger
