"""Heartbeat's three files: what is rendered, and the rules Heartbeat enforces when it starts."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from helpers.golden import KNOWN, context

from wizard.core.actions import WriteFile
from wizard.core.plan import PlanContext
from wizard.heartbeat import render
from wizard.heartbeat.confcheck import check_authkeys, check_ha_cf, check_haresources, check_heartbeat, check_identical

# Copies of the working Heartbeat 3.0.6 files from the lab (lab-prototype/guest/ha.d).
DATA = Path(__file__).resolve().parents[2] / "data" / "answers"
# The tutorial's Listing 3, as printed.
LISTING3 = """debugfile /var/log/ha-debug
logfile /var/log/ha-log
logfacility     local0
keepalive 2
deadtime 120
initdead 120
serial  /dev/ttyS1
baud 9600
udpport 694
udp     eth0
nice_failback on
node server1
node server2
"""
MEDIA = ("serial", "bcast", "ucast", "mcast")


def _hb(ctx: PlanContext, **hb: object) -> PlanContext:
    spec = dataclasses.replace(ctx.spec, heartbeat=dataclasses.replace(ctx.spec.heartbeat, **hb))
    return dataclasses.replace(ctx, spec=spec)


def _directives(text: str) -> list[str]:
    return [ln.split()[0] for ln in text.splitlines() if ln.strip() and not ln.startswith("#")]


@pytest.mark.parametrize(("media", "serial", "want_media"), [
    ("ucast", "", ["ucast", "ucast"]),
    ("ucast", "/dev/ttyS1", ["serial", "ucast", "ucast"]),
    ("bcast", "", ["bcast"]),
    ("bcast", "/dev/ttyS0", ["serial", "bcast"]),
])
def test_ha_cf_puts_udpport_and_baud_before_the_media(media: str, serial: str, want_media: list[str]) -> None:
    ctx = _hb(context("tutorial", "8.4"), media=media, serial=serial)
    words = _directives(render.ha_cf(ctx))
    assert [w for w in words if w in MEDIA] == want_media
    first_media = min(words.index(m) for m in want_media)
    assert words.index("udpport") < first_media
    assert ("baud" in words) == bool(serial)
    if serial:
        assert words.index("baud") < first_media
    assert check_ha_cf(render.ha_cf(ctx), ["server1", "server2"], ["192.168.1.1", "192.168.1.2"]) == []


def test_ha_cf_for_the_tutorial() -> None:
    text = render.ha_cf(context("tutorial", "8.4"))
    lines = [ln for ln in text.splitlines() if not ln.startswith("#")]
    assert lines == ["logfile /var/log/ha-log", "logfacility local0", "keepalive 2", "warntime 60", "deadtime 120",
                     "initdead 120", "udpport 694", "baud 9600", "serial /dev/ttyS1", "ucast eth0 192.168.1.1",
                     "ucast eth0 192.168.1.2", "auto_failback off", "crm no", "node server1", "node server2"]
    assert "nice_failback" not in text


@pytest.mark.parametrize(("value", "line"), [(False, "auto_failback off"), (True, "auto_failback on")])
def test_auto_failback(value: bool, line: str) -> None:
    assert line in render.ha_cf(_hb(context("lab", "8.4"), auto_failback=value)).splitlines()


def test_dopd_lines_only_with_dopd_fencing() -> None:
    assert "dopd" not in render.ha_cf(context("lab", "8.4"))
    lines = render.ha_cf(context("lab-dopd", "8.4")).splitlines()
    assert "respawn hacluster /usr/libexec/heartbeat/dopd" in lines
    assert "apiauth dopd gid=haclient uid=hacluster" in lines


@pytest.mark.parametrize(("answers", "agents", "line"), [
    ("tutorial", "lean", "server1 drbddisk::drbd0 ha-wizard-mount::/dev/drbd0::/replicated::ext3 "
                         "ha-wizard-ip::192.168.1.5/24/eth0 sendmail"),
    ("tutorial", "stock", "server1 drbddisk::drbd0 Filesystem::/dev/drbd0::/replicated::ext3 "
                          "IPaddr2::192.168.1.5/24/eth0 sendmail"),
    ("lab", "lean", "node1 drbddisk::r0 ha-wizard-mount::/dev/drbd0::/replicated::ext4 "
                    "ha-wizard-ip::10.99.0.100/24/eth1"),
    ("lab", "stock", "node1 drbddisk::r0 Filesystem::/dev/drbd0::/replicated::ext4 IPaddr2::10.99.0.100/24/eth1"),
    ("lab-dopd", "lean", "node1 drbddisk::r0 ha-wizard-mount::/dev/drbd1::/srv/ha::xfs "
                         "ha-wizard-ip::10.99.0.100/24/eth1 apache2 postgresql"),
])
def test_haresources_line(answers: str, agents: str, line: str) -> None:
    ctx = with_agents(context(answers, "8.4"), agents)
    text = render.haresources(ctx)
    assert [ln for ln in text.splitlines() if not ln.startswith("#")] == [line]
    names = [n.name for n in ctx.spec.nodes]
    assert check_haresources(text, names, ctx.spec.master) == []


def with_agents(ctx: PlanContext, agents: str) -> PlanContext:
    spec = dataclasses.replace(ctx.spec, heartbeat=dataclasses.replace(ctx.spec.heartbeat, agents=agents))
    return dataclasses.replace(ctx, spec=spec)


def test_lean_agents_are_written_beside_the_files_and_stock_ones_are_not() -> None:
    ctx = context("lab", "8.4")
    written = {f.path: f for f in render.heartbeat_files(ctx, "node1")}
    for name in ("ha-wizard-mount", "ha-wizard-ip"):
        script = written[f"/etc/ha.d/resource.d/{name}"]
        assert script.mode == 0o755 and script.content.startswith("#!/bin/sh\n") and not script.secret
    stock = render.heartbeat_files(with_agents(ctx, "stock"), "node1")
    assert [f.path for f in stock] == ["/etc/ha.d/ha.cf", "/etc/ha.d/haresources", "/etc/ha.d/authkeys"]


def test_authkeys_and_modes() -> None:
    files = {f.path: f for f in render.heartbeat_files(context("tutorial", "8.4"), "server2")}
    ak = files["/etc/ha.d/authkeys"]
    assert ak.content == f"auth 1\n1 sha1 {KNOWN.authkey}\n"
    assert (ak.mode, ak.secret) == (0o600, True)
    assert (files["/etc/ha.d/ha.cf"].mode, files["/etc/ha.d/ha.cf"].secret) == (0o644, False)
    assert check_authkeys(ak.content, ak.mode) == []


def test_tutorial_listing3_breaks_heartbeats_rules() -> None:
    problems = check_ha_cf(LISTING3, ["server1", "server2"])
    got = {(p.line, p.message.split(" ")[0]) for p in problems}
    assert (8, "`baud") in got and (9, "`udpport") in got  # after `serial` on line 7
    assert (11, "nice_failback") in got
    assert any(p.line is None and "auto_failback" in p.message for p in problems)
    assert "move udpport above the media lines" in next(p.message for p in problems if p.line == 9)


def test_the_labs_working_ha_cf_passes() -> None:
    text = (DATA / "lab-ha.cf").read_text()
    assert check_ha_cf(text, ["node1", "node2"], ["10.99.0.1", "10.99.0.2"]) == []
    assert check_authkeys((DATA / "lab-authkeys").read_text(), 0o600) == []


@pytest.mark.parametrize(("text", "names", "needle"), [
    ("node server1\nucast eth0 192.168.1.2\nauto_failback off\n", ["server1", "server2"], "no `node server2`"),
    ("node server1 server3\nbcast eth0\nauto_failback off\n", ["server1", "server2"], "`node server3` is not"),
    ("node a\nnode b\nauto_failback off\n", ["a", "b"], "no media line"),
    ("node a\nnode b\nucast eth0 10.0.0.2\nauto_failback off\n", ["a", "b"], "no ucast line sends to 10.0.0.1"),
    ("node a\nnode b\nbcast eth0\nauto_failback off\ncrm yes\n", ["a", "b"], "ignores haresources"),
    ("node a\nnode b\nucast eth0\nauto_failback off\n", ["a", "b"], "ucast needs an interface and an address"),
])
def test_ha_cf_rules(text: str, names: list[str], needle: str) -> None:
    problems = check_ha_cf(text, names, ["10.0.0.1", "10.0.0.2"] if names == ["a", "b"] else [])
    assert any(needle in p.message for p in problems), problems


@pytest.mark.parametrize(("text", "mode", "needle"), [
    ("auth 1\n1 sha1 k3y-k3y-k3y-k3y\n", 0o644, "mode 644"),
    ("1 sha1 k3y-k3y-k3y-k3y\n", 0o600, "must start with `auth N`"),
    ("auth 1\n1 crc\n", 0o600, "crc signs nothing"),
    ("auth 2\n1 sha1 k3y-k3y-k3y-k3y\n", 0o600, "`auth 2` names no key line"),
    ("auth 16\n16 sha1 k3y-k3y-k3y-k3y\n", 0o600, "from 1 to 15"),
    ("auth 1\n1 sha1\n", 0o600, "needs exactly one key"),
    ("auth 1\n1 sha256 k3y-k3y-k3y-k3y\n", 0o600, "use sha1"),
])
def test_authkeys_rules_never_quote_the_key(text: str, mode: int, needle: str) -> None:
    problems = check_authkeys(text, mode)
    assert any(needle in p.message for p in problems), problems
    assert all("k3y" not in str(p) for p in problems)


@pytest.mark.parametrize(("text", "needle", "fatal"), [
    ("server1 IPaddr::192.168.1.5/24 datadisk::drbd0 sendmail\n", "datadisk:: is not a Heartbeat resource script",
     True),
    ("server1 IPaddr::192.168.1.5/24 drbddisk::drbd0 sendmail\n", "IPaddr needs ifconfig", False),
    ("server3 IPaddr2::192.168.1.5/24/eth0 drbddisk::drbd0\n", "'server3' is not a node", True),
    ("server2 IPaddr2::192.168.1.5/24/eth0 drbddisk::drbd0\n", "the answers' master is server1", True),
    ("server1 drbddisk::drbd0 Filesystem::/dev/drbd0\n", "write Filesystem::DEVICE::MOUNTPOINT::FSTYPE", True),
    ("server1 drbddisk::drbd0\nserver2 drbddisk::drbd1\n", "2 resource lines", True),
])
def test_haresources_rules(text: str, needle: str, fatal: bool) -> None:
    problems = check_haresources(text, ["server1", "server2"], "server1")
    hit = [p for p in problems if needle in p.message]
    assert hit and hit[0].fatal is fatal, problems


def test_a_continued_haresources_line_is_one_group() -> None:
    text = "server1 IPaddr2::192.168.1.5/24/eth0 \\\n  drbddisk::drbd0 sendmail\n"
    assert check_haresources(text, ["server1", "server2"], "server1") == []


def _files(ctx: PlanContext) -> dict[str, dict[str, WriteFile]]:
    return {n.name: {f.path: f for f in render.heartbeat_files(ctx, n.name)} for n in ctx.spec.nodes}


def test_files_must_be_identical_on_both_nodes() -> None:
    ctx = context("tutorial", "8.4")
    files = _files(ctx)
    assert check_identical(files, ["server1", "server2"]) == []
    files["server2"]["/etc/ha.d/ha.cf"] = WriteFile("/etc/ha.d/ha.cf", "node server2\n")
    del files["server2"]["/etc/ha.d/authkeys"]
    got = {p.path: p.message for p in check_identical(files, ["server1", "server2"])}
    assert "differs between server1 and server2" in got["/etc/ha.d/ha.cf"]
    assert "server2 would not have it" in got["/etc/ha.d/authkeys"]


def test_uname_must_equal_the_node_name() -> None:
    ctx = context("tutorial", "8.4")
    assert check_heartbeat(ctx, _files(ctx), uname_by_node={"server1": "server1", "server2": "server2"}) == []
    problems = check_heartbeat(ctx, _files(ctx), uname_by_node={"server1": "server1", "server2": "debian"})
    assert [(p.node, "'debian'" in p.message) for p in problems] == [("server2", True)]


def test_dopd_with_a_single_link_gets_a_note() -> None:
    one = context("lab-dopd", "8.4")  # bcast on eth1 only
    notes = check_heartbeat(one, _files(one))
    assert [(n.fatal, "single Heartbeat link" in n.message) for n in notes] == [(False, True), (False, True)]
    two = _hb(one, serial="/dev/ttyS0")
    assert check_heartbeat(two, _files(two)) == []
