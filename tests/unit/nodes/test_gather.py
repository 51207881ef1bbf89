"""gather_node: the one-round-trip probe script (run for real with stand-in tools) and its parsing."""

from __future__ import annotations

import os
import stat
from collections.abc import Sequence
from pathlib import Path

import pytest
from helpers.nodes import DATA, FakeExecutor, lab_spec

from wizard.drbd.family import detect_family
from wizard.executors.base import Result
from wizard.executors.local import LocalExecutor
from wizard.nodes.gather import MARK, facts_from_sections, gather_all, gather_node, split_sections

LSBLK = (DATA / "lsblk-lab-node1.json").read_text()


class StubbedLocal(LocalExecutor):
    """This machine, with the tools in ``stubs`` found first on PATH; counts round trips."""

    def __init__(self, stubs: Path) -> None:
        super().__init__("node1")
        self.path = f"{stubs}:{os.environ['PATH']}"
        self.round_trips = 0

    def _exec(self, argv: Sequence[str], *, input: str | None, timeout: float,
              env: dict[str, str] | None) -> Result:
        self.round_trips += 1
        return super()._exec(argv, input=input, timeout=timeout, env={"PATH": self.path, **(env or {})})


def stub(d: Path, name: str, body: str) -> None:
    f = d / name
    f.write_text("#!/bin/sh\n" + body + "\n")
    f.chmod(f.stat().st_mode | stat.S_IXUSR)


def cat(d: Path, name: str, capture: str, rc: int = 0) -> None:
    stub(d, name, f"cat '{DATA / capture}'; exit {rc}")


@pytest.fixture
def tools(tmp_path: Path) -> Path:
    d = tmp_path / "bin"
    d.mkdir()
    stub(d, "uname", "echo node1")
    cat(d, "fdisk", "fdisk-2.38-lab-vdb.txt")
    cat(d, "lsblk", "lsblk-lab-node1.json")
    stub(d, "blkid", '[ "$1" = -p ] && { cat \'' + str(DATA / "blkid-p-export-ext3.txt") + "'; exit 0; }; exit 2")
    cat(d, "wipefs", "wipefs-J-ext3.json")
    cat(d, "dumpe2fs", "dumpe2fs-h-ext3-32M.txt")
    cat(d, "pvs", "pvs-noheadings.txt")
    cat(d, "ip", "ip-j-addr.json")
    cat(d, "drbdadm", "drbdadm-version-9.22-nomodule.txt")
    stub(d, "modinfo", "echo 8.4.11")
    cat(d, "dpkg-query", "dpkg-query-debian12.txt", rc=1)  # 1: one of the asked packages is missing
    for name in ("apt-get", "rpm", "dnf", "zypper", "yum"):
        stub(d, name, "exit 0")
    stub(d, "ls", "[ \"$1\" = /var/lib/apt/lists ] && echo deb.debian.org_dists_bookworm_main_binary-amd64_Packages")
    stub(d, "apt-cache", 'echo "sendmail:"; echo "  Installed: (none)"; echo "  Candidate: 8.17.1.9-2"')
    return d


def a_block_device() -> str:
    for name in sorted(os.listdir("/dev")):
        p = f"/dev/{name}"
        if name.startswith("loop") and os.path.exists(p) and stat.S_ISBLK(os.stat(p).st_mode):
            return p
    pytest.skip("no block device node in /dev to point the per-device probes at")


def test_one_round_trip_gathers_everything(tools: Path) -> None:
    ex = StubbedLocal(tools)
    dev = a_block_device()
    f = gather_node(ex, packages=["heartbeat"], devices=[dev])
    assert ex.round_trips == 1 and f.candidates is None  # nothing missing: apt is not asked
    f = gather_node(ex, packages=["sendmail"], devices=[dev])
    assert ex.round_trips == 3  # sendmail is missing: one more, to ask apt what its repositories offer
    assert f.candidates == {"sendmail": "8.17.1.9-2"} and f.not_offered(["sendmail"]) == []
    assert f.reached and f.hostname == "node1"
    assert f.size_of("/dev/vdb1") == 260096 * 512 and f.partition("/dev/vdb1") is not None
    assert f.blockdev("/dev/vda1") is not None and f.usage("/dev/vda1").state == "mounted"  # lsblk: on /
    assert f.pvs == {"/dev/sda6": "vg0", "/dev/vdc1": None}
    assert f.interface_with("10.99.0.1") == "eth1" and f.interface_with("192.168.1.5") == "eth0"
    assert (f.drbd.utils, f.drbd_module, f.drbd.kernel_module) == ("9.22.0", "8.4.11", "8.4.11")
    assert (f.package_db, f.package_manager) == ("dpkg", "apt-get")
    assert f.packages["heartbeat"] == "1:3.0.6-13+b2" and f.missing_packages(["heartbeat", "sendmail"]) == ["sendmail"]
    sig = f.signatures[dev]
    assert sig.kinds == ("ext3",) and sig.fs_bytes == 32768 * 1024 and sig.label == "data"
    assert f.fs_signature(dev) is not None
    assert f.unknown == {}, f.unknown


def test_missing_tools_become_unknown_not_a_crash(tools: Path) -> None:
    for name in ("fdisk", "lsblk", "blkid", "wipefs", "pvs", "drbdadm", "modinfo", "dpkg-query", "rpm"):
        stub(tools, name, "exit 127")
    stub(tools, "ip", '[ "$1" = -j ] && exit 255; echo "2: eth1    inet 10.99.0.1/24 scope global eth1"')
    f = gather_node(StubbedLocal(tools), devices=[a_block_device()])
    assert f.reached and f.disks.partitions == ()
    assert f.unknown["fdisk"] == "fdisk -l is not installed" and f.unknown["lsblk"] == "lsblk is not installed"
    assert "pvs" not in f.unknown  # no lvm2, no PV in use
    assert f.interface_with("10.99.0.1") == "eth1"  # `ip -o addr` for iproute2 without -j
    assert f.missing_packages(["heartbeat"]) is None  # the package database could not be read
    assert f.drbd.utils is None and f.drbd_module is None
    assert all(not s.known for s in f.signatures.values())


def test_validates_names_before_they_reach_a_shell() -> None:
    with pytest.raises(ValueError):
        gather_node(FakeExecutor("n"), packages=["x; rm -rf /"])
    with pytest.raises(ValueError):
        gather_node(FakeExecutor("n"), devices=["/dev/sda1 $(reboot)"])


def test_unreached_and_lost_nodes() -> None:
    ex = FakeExecutor("node2")
    ex.reachable = False  # type: ignore[attr-defined]
    ex.why_offline = "demo"  # type: ignore[attr-defined]
    f = gather_node(ex)
    assert (f.reached, f.why_not, ex.calls) == (False, "demo", [])
    from wizard.errors import UnreachableError

    def lost(argv: Sequence[str]) -> Result:
        raise UnreachableError("lost the SSH connection to node2")

    assert gather_node(FakeExecutor("node2", lost)).why_not == "lost the SSH connection to node2"
    failed = gather_node(FakeExecutor("node2", lambda argv: Result(126, "", "sh: permission denied")))
    assert (failed.reached, failed.why_not) == (False, "sh: permission denied")


def test_split_sections_keeps_text_and_exit_codes() -> None:
    out = (f"\n{MARK} begin uname\nnode1\n\n{MARK} end uname 0\n"
           f"\n{MARK} begin ip\n\n{MARK} end ip 255\n\n{MARK} begin ip-o\nx\ny\n\n{MARK} end ip-o 0\n"
           f"\n{MARK} begin cut\nno end")
    sec = split_sections(out)
    assert set(sec) == {"uname", "ip", "ip-o"}
    assert (sec["uname"].out, sec["uname"].rc, sec["ip"].rc, sec["ip-o"].out) == ("node1\n", 0, 255, "x\ny\n")


def test_facts_from_sections_merges_lsblk_and_holders() -> None:
    from wizard.nodes.gather import Section

    fdisk = (DATA / "fdisk-2.38-multi.txt").read_text() + "\n" + (DATA / "fdisk-2.38-lab-vdb.txt").read_text()
    f = facts_from_sections("node1", {
        "uname": Section("node1\n", 0), "fdisk": Section(fdisk, 0), "lsblk": Section(LSBLK, 0),
        "holders": Section("vdb1: drbd0\nvdc1: dm-0\n", 0), "mdstat": Section("", 1),
        "swaps": Section((DATA / "proc-swaps-node1.txt").read_text(), 0),
        "serial": Section((DATA / "serial-proc-tty-driver.txt").read_text(), 0),
        "procdrbd": Section("version: 8.4.11 (api:1/proto:86-101)\n", 0),
    }, ["drbd-utils"])
    assert f.holders_of("/dev/vdb1") == ("/dev/drbd0",) and f.usage("/dev/vdc1").state == "held"
    assert f.usage("/dev/vda5").state == "swap" and f.serial_ports == ("/dev/ttyS0",)
    assert f.drbd_loaded and f.drbd.kernel_module == "8.4.11" and f.drbd.api == 1
    assert f.md_members == {}  # no /proc/mdstat: no md driver, no member


def test_gather_all_asks_both_nodes_for_the_recipes_packages_and_the_disks() -> None:
    spec = lab_spec(lambda raw: raw["recipes"].update(enabled=["bind9"]))
    a, b = FakeExecutor("node1"), FakeExecutor("node2")
    facts = gather_all(spec, {"node1": a, "node2": b})
    assert set(facts) == {"node1", "node2"}
    for ex in (a, b):
        (argv,) = ex.calls
        assert argv[:2] == ["sh", "-c"] and argv[4:] == ["drbd-utils heartbeat bind9", "/dev/vdb1"]


def test_detect_family_from_facts_without_probing() -> None:
    from wizard.nodes.facts import NodeFacts
    from wizard.nodes.parse import Versions

    spec = lab_spec()
    ex = FakeExecutor("node1")
    facts = {"node1": NodeFacts("node1", drbd=Versions("8.4.11", None, 1)),
             "node2": NodeFacts("node2", drbd=Versions("9.2.4", None, 2))}
    family, source = detect_family(spec, {"node1": ex}, facts)
    assert family == "8.4" and "MISMATCH" in source and ex.calls == []


def test_apt_candidates_parsed_from_the_policy() -> None:
    from wizard.nodes.parse import parse_apt_candidates

    text = ("3\napache2:\n  Installed: (none)\n  Candidate: 2.4.62-1~deb12u2\n  Version table:\n"
            "     2.4.62-1~deb12u2 500\n        500 http://deb.debian.org/debian bookworm/main amd64 Packages\n"
            "mail-transport-agent:\n  Installed: (none)\n  Candidate: (none)\n  Version table:\n"
            "libc6:amd64:\n  Installed: 2.36-9\n  Candidate: 2.36-9\n")
    assert parse_apt_candidates(text) == {"apache2": "2.4.62-1~deb12u2", "mail-transport-agent": None,
                                          "libc6": "2.36-9"}
    assert parse_apt_candidates("0\n") is None  # apt never updated: nothing can be told
    assert parse_apt_candidates("3\n") == {}  # apt knows none of the names: none is offered
