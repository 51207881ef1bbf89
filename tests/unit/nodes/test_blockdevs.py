"""lsblk/blkid/wipefs/mounts/swaps/pvs/mdstat/dumpe2fs parsers and usage(); pair_partitions() on the same samples."""

from __future__ import annotations

from pathlib import Path

import pytest

from wizard.disks.choice import pair_partitions
from wizard.nodes.blockdevs import (
    Partition,
    merge,
    parse_blkid_export,
    parse_dumpe2fs_size,
    parse_fdisk,
    parse_lsblk_json,
    parse_mdstat,
    parse_proc_mounts,
    parse_proc_swaps,
    parse_pvs,
    parse_wipefs,
    usage,
)

DATA = Path(__file__).resolve().parents[2] / "data" / "captures"


def read(name: str) -> str:
    return (DATA / name).read_text()


def test_lsblk_tree_is_flattened_with_parents_and_holders() -> None:
    devs = {d.path: d for d in parse_lsblk_json(read("lsblk-lab-node1.json"))}
    assert list(devs) == ["/dev/vda", "/dev/vda1", "/dev/vda2", "/dev/vda5", "/dev/vdb", "/dev/vdb1",
                          "/dev/drbd0", "/dev/vdc", "/dev/vdc1", "/dev/mapper/vg0-data", "/dev/sr0"]
    assert (devs["/dev/vda1"].size_bytes, devs["/dev/vda1"].fstype, devs["/dev/vda1"].mountpoint) == \
        (2045771776, "ext4", "/")
    assert devs["/dev/vdb1"].holders == ("/dev/drbd0",)  # drbd0 is built on vdb1
    assert devs["/dev/vdb"].holders == ()  # a partition is a child, not a holder
    assert devs["/dev/vdc1"].holders == ("/dev/mapper/vg0-data",)
    assert devs["/dev/drbd0"].pkname == "vdb1" and devs["/dev/drbd0"].mountpoint == "/replicated"
    assert devs["/dev/vda5"].mountpoint == "[SWAP]"


def test_lsblk_old_string_sizes_and_mountpoints_list() -> None:
    # util-linux < 2.33 printed numbers as strings and had no PATH column; 2.37+ may use MOUNTPOINTS
    text = ('{"blockdevices": [{"name": "sda", "size": "21474836480", "type": "disk", "mountpoint": null,'
            ' "children": [{"name": "sda1", "size": "1073741824", "type": "part", "fstype": "xfs",'
            ' "mountpoints": [null, "/boot"]}]}]}')
    sda, sda1 = parse_lsblk_json(text)
    assert (sda.path, sda.size_bytes, sda.pkname) == ("/dev/sda", 21474836480, None)
    assert (sda1.path, sda1.size_bytes, sda1.pkname, sda1.mountpoint) == ("/dev/sda1", 1073741824, "sda", "/boot")


def test_merge_takes_lsblk_facts() -> None:
    report = parse_fdisk(read("fdisk-2.38-multi.txt") + "\n" + read("fdisk-2.38-lab-vdb.txt"))
    merged = merge(report, parse_lsblk_json(read("lsblk-lab-node1.json")))
    vda1, vda2, vdb1 = merged.partition("/dev/vda1"), merged.partition("/dev/vda2"), merged.partition("/dev/vdb1")
    assert vda1 is not None and (vda1.fstype, vda1.mountpoint) == ("ext4", "/")
    assert vdb1 is not None and (vdb1.fstype, vdb1.holders) == ("drbd", ("/dev/drbd0",))
    assert vda2 is not None and vda2.size_bytes == 196608 * 512  # lsblk's "1024" for an extended is ignored
    xvda1 = merged.partition("/dev/xvda1")
    assert xvda1 is not None and xvda1.fstype is None  # not in lsblk: unchanged


def test_merge_prefers_the_kernels_size() -> None:
    # after repartitioning without a re-read, the kernel (lsblk) still uses the old size: that one counts
    report = parse_fdisk("/dev/sda5      7916    8853   7534453+  83  Linux\n")
    assert report.partitions[0].size_bytes == 7715280384
    lsblk = parse_lsblk_json('{"blockdevices": [{"name": "sda5", "path": "/dev/sda5", "size": 7714231808,'
                             ' "type": "part", "fstype": null, "mountpoint": null, "pkname": "sda"}]}')
    (p,) = merge(report, lsblk).partitions
    assert p.size_bytes == 7714231808


def test_blkid_export_real_captures() -> None:
    (ext3,) = parse_blkid_export(read("blkid-p-export-ext3.txt"))
    assert (ext3["TYPE"], ext3["LABEL"], ext3["BLOCK_SIZE"], ext3["USAGE"]) == ("ext3", "data", "1024", "filesystem")
    (drbd,) = parse_blkid_export(read("blkid-p-export-drbd.txt"))
    assert (drbd["TYPE"], drbd["VERSION"], drbd["USAGE"]) == ("drbd", "v08", "raid")
    two = parse_blkid_export(read("blkid-export-two.txt"))
    assert [(e["DEVNAME"], e["TYPE"]) for e in two] == [("ext3.img", "ext3"), ("swap.img", "swap")]


def test_blkid_export_unescapes() -> None:
    (e,) = parse_blkid_export("DEVNAME=/dev/sdb1\nLABEL=my\\ data\nTYPE=ext4\n")
    assert e["LABEL"] == "my data"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("wipefs-J-ext3.json", [("ext3.img", 0x438, "ext3", "368812bb-13c3-4735-b506-c0be93daa5af", "data")]),
        ("wipefs-J-drbd.json", [("md63.img", 0x3EFF03C, "drbd", None, None)]),
        ("wipefs-table.txt", [("ext3.img", 0x438, "ext3", "368812bb-13c3-4735-b506-c0be93daa5af", "data"),
                              ("swap.img", 0xFF6, "swap", "f1510b20-394a-4b99-ad0c-2274842e4f94", "sw")]),
        ("wipefs-table-blank-columns.txt", [  # partition-table signatures have no UUID or LABEL
            ("dos.img", 0x1FE, "dos", None, None), ("gpt.img", 0x200, "gpt", None, None),
            ("gpt.img", 0x3FFFE00, "gpt", None, None), ("gpt.img", 0x1FE, "PMBR", None, None),
            ("swap.img", 0xFF6, "swap", "f1510b20-394a-4b99-ad0c-2274842e4f94", "sw")]),
    ],
)
def test_wipefs(name: str, expected: list[tuple[str, int, str, str | None, str | None]]) -> None:
    assert [(s.device, s.offset, s.type, s.uuid, s.label) for s in parse_wipefs(read(name))] == expected


def test_wipefs_nothing_found_and_old_format() -> None:
    assert parse_wipefs("") == [] and parse_wipefs('{"signatures": []}') == []
    old = ("offset               type\n" + "-" * 64 + "\n0x438                ext4   [filesystem]\n"
           "                     LABEL: data\n                     UUID:  3688-12bb\n\n")
    assert [(s.offset, s.type, s.uuid, s.label) for s in parse_wipefs(old)] == [(0x438, "ext4", "3688-12bb", "data")]


def test_proc_mounts_and_octal_escapes() -> None:
    mounts = parse_proc_mounts(read("proc-mounts-node1.txt"))
    by_dev = {m.device: m for m in mounts}
    assert by_dev["/dev/drbd0"].mountpoint == "/replicated" and by_dev["/dev/drbd0"].fstype == "ext3"
    assert by_dev["/dev/sdb1"].mountpoint == "/mnt/my data"
    assert by_dev["/dev/vda1"].options == "rw,relatime,errors=remount-ro"
    assert len(mounts) == 9


def test_proc_swaps() -> None:
    swaps = parse_proc_swaps(read("proc-swaps-node1.txt"))
    assert [(s.device, s.kind, s.size_kib, s.used_kib) for s in swaps] == [
        ("/dev/vda5", "partition", 97276, 0), ("/swapfile", "file", 1048572, 0)]
    assert parse_proc_swaps("Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n") == []


def test_pvs_and_mdstat() -> None:
    assert parse_pvs(read("pvs-noheadings.txt")) == {"/dev/sda6": "vg0", "/dev/vdc1": None}
    assert parse_pvs("") == {}
    assert parse_mdstat(read("mdstat-two-arrays.txt")) == {
        "/dev/sdb2": "md0", "/dev/sda2": "md0", "/dev/sdc1": "md127"}
    assert parse_mdstat("Personalities : \nunused devices: <none>\n") == {}


@pytest.mark.parametrize(
    ("name", "expected"),
    [("dumpe2fs-h-ext3-32M.txt", 32768 * 1024), ("dumpe2fs-h-ext4-full.txt", 64512 * 1024), ("", None)],
)
def test_dumpe2fs_size(name: str, expected: int | None) -> None:
    assert parse_dumpe2fs_size(read(name) if name else "dumpe2fs: Bad magic number in super-block") == expected


# --- usage -----------------------------------------------------------------------------------------

MOUNTS = parse_proc_mounts((DATA / "proc-mounts-node1.txt").read_text())
SWAPS = parse_proc_swaps((DATA / "proc-swaps-node1.txt").read_text())
PVS = parse_pvs((DATA / "pvs-noheadings.txt").read_text())
MD = parse_mdstat((DATA / "mdstat-two-arrays.txt").read_text())


@pytest.mark.parametrize(
    ("device", "holders", "signatures", "state", "detail", "reason"),
    [
        ("/dev/sda5", (), ("ext4",), "mounted", "/home",
         "/dev/sda5 is mounted on /home: unmount it or pick another partition"),
        ("/dev/vda5", (), ("swap",), "swap", None,
         "/dev/vda5 is in use as swap: run 'swapoff /dev/vda5', remove it from /etc/fstab, or pick another "
         "partition"),
        ("/dev/sda6", (), (), "lvm-pv", "vg0",
         "/dev/sda6 is an LVM physical volume in volume group vg0: move its data off (pvmove), remove it "
         "(vgreduce/pvremove) or pick another partition"),
        ("/dev/vdc1", (), (), "lvm-pv", None,
         "/dev/vdc1 is an LVM physical volume: move its data off (pvmove), remove it (vgreduce/pvremove) or "
         "pick another partition"),
        ("/dev/sdc1", (), (), "md-member", "md127",
         "/dev/sdc1 is a member of RAID array md127: remove it from the array or pick another partition"),
        ("/dev/vdb1", ("/dev/drbd0",), ("drbd",), "held", "/dev/drbd0",
         "/dev/vdb1 is in use by /dev/drbd0: stop that device (e.g. 'drbdadm down', 'dmsetup remove') or pick "
         "another partition"),
        ("/dev/vdd1", (), ("drbd",), "has-signature", "drbd",
         "/dev/vdd1 contains DRBD meta-data from an earlier setup: setting up DRBD would destroy it; wipe it "
         "knowingly (wipefs -a) or pick another partition"),
        ("/dev/vdd2", (), ("ext3",), "has-signature", "ext3",
         "/dev/vdd2 contains an existing ext3 signature: setting up DRBD would destroy it; wipe it knowingly "
         "(wipefs -a) or pick another partition"),
        ("/dev/vdd3", (), (), "free", None, "/dev/vdd3 is free"),
    ],
)
def test_usage(device: str, holders: tuple[str, ...], signatures: tuple[str, ...], state: str,
               detail: str | None, reason: str) -> None:
    u = usage(device, mounts=MOUNTS, swaps=SWAPS, pvs=PVS, md_members=MD, holders=holders, signatures=signatures)
    assert (u.device, u.state, u.detail, u.reason) == (device, state, detail, reason)
    assert u.free is (state == "free")


def test_usage_pvs_as_plain_list() -> None:
    assert usage("/dev/sdx1", pvs=["/dev/sdx1"]).state == "lvm-pv"


# --- pairing ------------------------------------------------------------------------------------------


def _part(device: str, size: int, extended: bool = False) -> Partition:
    return Partition(device, device.rstrip("0123456789"), size, "Linux", "83", False, 0, 0, "sectors", None,
                     extended)


def test_pair_lab_vdb_with_itself_is_equal() -> None:
    (vdb1,) = parse_fdisk(read("fdisk-2.38-lab-vdb.txt")).partitions
    (pairing,) = pair_partitions([vdb1], [vdb1])
    assert pairing.equal and pairing.wasted_bytes == 0
    assert pairing.usable_bytes == 133128192  # drbdmeta's bm_offset for a 133169152-byte device


def test_pair_prefers_equal_size_then_same_name() -> None:
    local = [_part("/dev/sda3", 10 * 2**30, extended=True), _part("/dev/sda5", 66060288),
             _part("/dev/sda6", 134217728), _part("/dev/sda7", 4096)]
    peer = [_part("/dev/sdb5", 134217728), _part("/dev/sda5", 66060288 + 1048576), _part("/dev/sdb6", 66060288)]
    pairs = pair_partitions(local, peer)
    assert [(p.local.device, p.peer.device, p.equal) for p in pairs] == [
        ("/dev/sda5", "/dev/sdb6", True), ("/dev/sda6", "/dev/sdb5", True)]
    assert pairs[0].usable_bytes == 66019328  # the lab capture's "64472 kB left usable"


def test_pair_unequal_same_name_uses_smaller_side() -> None:
    (p,) = pair_partitions([_part("/dev/sda5", 7715280384)], [_part("/dev/sda5", 66060288)])
    assert not p.equal and p.wasted_bytes == 7715280384 - 66060288
    assert p.usable_bytes == 66019328
