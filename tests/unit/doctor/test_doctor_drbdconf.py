"""The tolerant reader of DRBD's files: includes, common options, the tutorial's Listing 1 with its slips."""

from __future__ import annotations

from pathlib import Path

from helpers.tutorial_pair import R0_RES

from wizard.doctor.drbdconf import parse_address, read_config
from wizard.drbd.render import debian_file

LISTING_1 = Path(__file__).resolve().parents[2] / "data" / "doctor" / "tutorial-listing1.conf"


def debian(res: str) -> dict[str, str]:
    return {"/etc/drbd.conf": debian_file("drbd.conf"), "/etc/drbd.d/global_common.conf":
            debian_file("global_common.conf"), "/etc/drbd.d/r0.res": res, "/etc/drbd.d/r0.res.orig": "junk {"}


def test_debians_layout_follows_the_includes() -> None:
    cfg = read_config(debian(R0_RES))
    assert cfg is not None
    assert cfg.files == ("/etc/drbd.conf", "/etc/drbd.d/global_common.conf", "/etc/drbd.d/r0.res")
    (res,) = cfg.resources
    assert [(h.name, h.address, h.port, h.address_line) for h in res.hosts] == [
        ("node1", "10.99.0.1", 7788, 8), ("node2", "10.99.0.2", 7788, 14)]
    assert res.option("shared-secret").value == "vmrigsecret"  # type: ignore[union-attr]
    assert res.option("resync-rate").where == "/etc/drbd.d/r0.res:4"  # type: ignore[union-attr]
    assert cfg.secrets == ("vmrigsecret",) and cfg.unterminated == ()


def test_the_tutorials_listing_1_with_its_typos() -> None:
    cfg = read_config({"/etc/drbd.conf": LISTING_1.read_text()})
    assert cfg is not None
    (res,) = cfg.resources
    server1 = res.host("server1")
    assert server1 is not None and (server1.device, server1.disk, server1.address) == (
        "/dev/drbd0", "/dev/sda5", "192.168.1.3")
    assert res.option("rate").value == "10M" and res.option("rate").section == "syncer"  # type: ignore[union-attr]
    assert res.option("shared-secret").value == "FooFunFactory"  # type: ignore[union-attr]
    assert [(line, text) for _, line, text in cfg.unterminated] == [(57, "device /dev/drbd0 disk /dev/sda5")]


def test_common_options_are_inherited_and_overridden() -> None:
    files = {"/etc/drbd.conf": 'common { net { protocol A; shared-secret "s1"; } }\n'
             "resource r0 { net { protocol C; } on a { address 10.0.0.1:7788; } }\n"}
    cfg = read_config(files)
    assert cfg is not None
    res = cfg.resources[0]
    assert res.option("protocol").value == "C" and res.option("shared-secret").value == "s1"  # type: ignore[union-attr]


def test_a_missing_include_and_no_drbd_conf() -> None:
    cfg = read_config({"/etc/drbd.conf": 'include "/etc/drbd.d/gone.res";\n'})
    assert cfg is not None and cfg.missing == ("/etc/drbd.d/gone.res",)
    assert read_config({"/etc/drbd.d/r0.res": R0_RES}) is None


def test_addresses_in_every_spelling() -> None:
    assert parse_address(["10.0.0.1:7788"]) == ("10.0.0.1", 7788)
    assert parse_address(["ipv4", "10.0.0.1:7789"]) == ("10.0.0.1", 7789)
    assert parse_address(["ipv6", "[fd00::1]:7788"]) == ("fd00::1", 7788)
    assert parse_address(["10.0.0.1"]) == ("10.0.0.1", None)
    assert parse_address([]) == ("", None)
