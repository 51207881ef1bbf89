"""parse_fdisk over real ``fdisk -l`` captures (util-linux 2.38 on this machine) and era reconstructions.

Expected sizes are written as the arithmetic read off the text (Sectors x sector size, or
Blocks x 1024 + 512 for a "+"), not copied from the parser.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from wizard.nodes.blockdevs import Partition, parse_fdisk

DATA = Path(__file__).resolve().parents[2] / "data" / "captures"

# (device, disk, size_bytes, type, type_id, boot, start, end, units, blocks, extended)
Row = tuple[str, str, int, str, str | None, bool, int, int, str, int | None, bool]
# (device, size_bytes, label, model, sector_size)
DiskRow = tuple[str, int, str | None, str | None, int]

CASES: list[tuple[str, list[DiskRow], list[Row]]] = [
    ("fdisk-2.38-lab-vdb.txt",
     [("/dev/vdb", 134217728, "dos", None, 512)],
     [("/dev/vdb1", "/dev/vdb", 260096 * 512, "Linux", "83", False, 2048, 262143, "sectors", None, False)]),
    ("fdisk-2.38-dos-extended.txt",
     [("/dev/sda", 268435456, "dos", None, 512)],
     [("/dev/sda1", "/dev/sda", 65536 * 512, "Linux", "83", True, 2048, 67583, "sectors", None, False),
      ("/dev/sda2", "/dev/sda", 40960 * 512, "Linux swap / Solaris", "82", False, 67584, 108543, "sectors",
       None, False),
      ("/dev/sda3", "/dev/sda", 415744 * 512, "Extended", "5", False, 108544, 524287, "sectors", None, True),
      ("/dev/sda5", "/dev/sda", 32768 * 512, "Linux", "83", False, 110592, 143359, "sectors", None, False),
      ("/dev/sda6", "/dev/sda", 129024 * 512, "Linux LVM", "8e", False, 145408, 274431, "sectors", None,
       False)]),
    ("fdisk-2.38-image-file.txt",  # fdisk on an image file names rows after the file
     [("dos.img", 268435456, "dos", None, 512)],
     [("dos.img1", "dos.img", 65536 * 512, "Linux", "83", True, 2048, 67583, "sectors", None, False),
      ("dos.img2", "dos.img", 40960 * 512, "Linux swap / Solaris", "82", False, 67584, 108543, "sectors",
       None, False),
      ("dos.img3", "dos.img", 415744 * 512, "Extended", "5", False, 108544, 524287, "sectors", None, True),
      ("dos.img5", "dos.img", 32768 * 512, "Linux", "83", False, 110592, 143359, "sectors", None, False),
      ("dos.img6", "dos.img", 129024 * 512, "Linux LVM", "8e", False, 145408, 274431, "sectors", None,
       False)]),
    ("fdisk-2.38-gpt-nvme.txt",
     [("/dev/nvme0n1", 536870912, "gpt", None, 512)],
     [("/dev/nvme0n1p1", "/dev/nvme0n1", 204800 * 512, "EFI System", None, False, 2048, 206847, "sectors",
       None, False),
      ("/dev/nvme0n1p2", "/dev/nvme0n1", 409600 * 512, "Linux filesystem", None, False, 206848, 616447,
       "sectors", None, False),
      ("/dev/nvme0n1p3", "/dev/nvme0n1", 131072 * 512, "Linux swap", None, False, 616448, 747519, "sectors",
       None, False),
      ("/dev/nvme0n1p4", "/dev/nvme0n1", 129024 * 512, "Linux LVM", None, False, 747520, 876543, "sectors",
       None, False),
      ("/dev/nvme0n1p5", "/dev/nvme0n1", 169984 * 512, "Linux RAID", None, False, 876544, 1046527, "sectors",
       None, False)]),
    ("fdisk-2.38-multi.txt",
     [("/dev/vda", 2147483648, "dos", None, 512), ("/dev/xvda", 1073741824, "dos", None, 512),
      ("/dev/md0", 104857600, None, None, 512), ("/dev/mapper/vg0-data", 100663296, None, None, 512),
      ("/dev/loop0", 67108864, None, None, 512)],
     [("/dev/vda1", "/dev/vda", 3995648 * 512, "Linux", "83", True, 2048, 3997695, "sectors", None, False),
      ("/dev/vda2", "/dev/vda", 196608 * 512, "Extended", "5", False, 3997696, 4194303, "sectors", None, True),
      ("/dev/vda5", "/dev/vda", 194560 * 512, "Linux swap / Solaris", "82", False, 3999744, 4194303,
       "sectors", None, False),
      ("/dev/xvda1", "/dev/xvda", 2095104 * 512, "Linux", "83", False, 2048, 2097151, "sectors", None,
       False)]),
    ("fdisk-2.38-extended-f-85.txt",  # the other two extended ids: f (W95, LBA) and 85 (Linux)
     [("/dev/sdd", 67108864, "dos", None, 512), ("/dev/sde", 67108864, "dos", None, 512)],
     [("/dev/sdd1", "/dev/sdd", 129024 * 512, "W95 Ext'd (LBA)", "f", False, 2048, 131071, "sectors", None,
       True),
      ("/dev/sdd5", "/dev/sdd", 32768 * 512, "Linux", "83", False, 4096, 36863, "sectors", None, False),
      ("/dev/sde1", "/dev/sde", 8192 * 512, "Linux", "83", True, 2048, 10239, "sectors", None, False),
      ("/dev/sde2", "/dev/sde", 120832 * 512, "Linux extended", "85", False, 10240, 131071, "sectors", None,
       True),
      ("/dev/sde5", "/dev/sde", 16384 * 512, "Linux raid autodetect", "fd", False, 12288, 28671, "sectors",
       None, False)]),
    ("fdisk-2.38-not-in-order.txt",  # ends with the "not in disk order" note and no newline
     [("/dev/sdb", 67108864, "dos", None, 512)],
     [("/dev/sdb1", "/dev/sdb", 32768 * 512, "Linux", "83", False, 67584, 100351, "sectors", None, False),
      ("/dev/sdb2", "/dev/sdb", 65536 * 512, "Linux raid autodetect", "fd", False, 2048, 67583, "sectors",
       None, False)]),
    ("fdisk-2.38-4k-sectors.txt",
     [("/dev/sdc", 268435456, "dos", None, 4096)],
     [("/dev/sdc1", "/dev/sdc", 65280 * 4096, "Linux", "83", False, 256, 65535, "sectors", None, False)]),
    ("fdisk-2.34-physical-sector-notes.txt",
     [("/dev/sda", 500107862016, "dos", "WDC WD5000AAKX-0", 512)],
     [("/dev/sda1", "/dev/sda", 1060227 * 512, "Linux", "83", True, 63, 1060289, "sectors", None, False),
      ("/dev/sda2", "/dev/sda", 975707775 * 512, "Extended", "5", False, 1060290, 976768064, "sectors", None,
       True),
      ("/dev/sda5", "/dev/sda", 975707712 * 512, "Linux LVM", "8e", False, 1060353, 976768064, "sectors",
       None, False)]),
    ("fdisk-2.23-centos7.txt",  # sectors, but the old Blocks column; size from End-Start+1
     [("/dev/vda", 21474836480, "dos", None, 512), ("/dev/vdb", 134217728, "dos", None, 512),
      ("/dev/mapper/centos-root", 18249416704, None, None, 512)],
     [("/dev/vda1", "/dev/vda", (2099199 - 2048 + 1) * 512, "Linux", "83", True, 2048, 2099199, "sectors",
       1048576, False),
      ("/dev/vda2", "/dev/vda", (41943039 - 2099200 + 1) * 512, "Linux LVM", "8e", False, 2099200, 41943039,
       "sectors", 19921920, False),
      ("/dev/vdb1", "/dev/vdb", (262143 - 2048 + 1) * 512, "Linux", "83", False, 2048, 262143, "sectors",
       130048, False)]),
    ("fdisk-2.23-centos7-gpt.txt",  # numbered rows; Type and Name both contain spaces
     [("/dev/sda", 42949672960, "gpt", None, 512)],
     [("/dev/sda1", "/dev/sda", (411647 - 2048 + 1) * 512, "EFI System", None, False, 2048, 411647, "sectors",
       None, False),
      ("/dev/sda2", "/dev/sda", (2508799 - 411648 + 1) * 512, "Microsoft basic", None, False, 411648, 2508799,
       "sectors", None, False),
      ("/dev/sda3", "/dev/sda", (83884031 - 2508800 + 1) * 512, "Linux LVM", None, False, 2508800, 83884031,
       "sectors", None, False)]),
    ("fdisk-2.17-centos6.txt",  # cylinders; a disk and an LV with no partition table
     [("/dev/sda", 21474836480, None, None, 512), ("/dev/sdb", 1073741824, None, None, 512),
      ("/dev/mapper/VolGroup-lv_root", 18865979392, None, None, 512)],
     [("/dev/sda1", "/dev/sda", 512000 * 1024, "Linux", "83", True, 1, 64, "cylinders", 512000, False),
      ("/dev/sda2", "/dev/sda", 20458496 * 1024, "Linux LVM", "8e", False, 64, 2611, "cylinders", 20458496,
       False)]),
    ("fdisk-2.12-tutorial-era.txt",  # the tutorial's own /dev/sda5 line, verbatim, inside its disk
     [("/dev/sda", 80026361856, None, None, 512)],
     [("/dev/sda1", "/dev/sda", 104391 * 1024, "Linux", "83", True, 1, 13, "cylinders", 104391, False),
      ("/dev/sda2", "/dev/sda", 61416495 * 1024, "Linux", "83", False, 14, 7659, "cylinders", 61416495, False),
      ("/dev/sda3", "/dev/sda", 2056320 * 1024, "Linux swap", "82", False, 7660, 7915, "cylinders", 2056320,
       False),
      ("/dev/sda4", "/dev/sda", 14570955 * 1024, "Extended", "5", False, 7916, 9729, "cylinders", 14570955,
       True),
      ("/dev/sda5", "/dev/sda", 7534453 * 1024 + 512, "Linux", "83", False, 7916, 8853, "cylinders", 7534453,
       False),
      ("/dev/sda6", "/dev/sda", 7036438 * 1024 + 512, "Linux", "83", False, 8854, 9729, "cylinders", 7036438,
       False)]),
]


def _part_tuple(p: Partition) -> Row:
    return (p.device, p.disk, p.size_bytes, p.type, p.type_id, p.boot, p.start, p.end, p.units, p.blocks,
            p.extended)


@pytest.mark.parametrize(("name", "disks", "parts"), CASES, ids=[c[0] for c in CASES])
def test_fdisk_captures(name: str, disks: list[DiskRow], parts: list[Row]) -> None:
    report = parse_fdisk((DATA / name).read_text())
    assert [(d.device, d.size_bytes, d.label, d.model, d.sector_size) for d in report.disks] == disks
    assert [_part_tuple(p) for p in report.partitions] == parts


def test_tutorial_line_alone() -> None:
    # exactly as the tutorial quotes it, with no header or disk line around it
    report = parse_fdisk("/dev/sda5      7916    8853   7534453+  83  Linux\n")
    (p,) = report.partitions
    assert (p.device, p.disk, p.blocks, p.start, p.end) == ("/dev/sda5", "/dev/sda", 7534453, 7916, 8853)
    assert p.size_bytes == 7_715_280_384 == 7534453 * 1024 + 512
    assert (p.type, p.type_id, p.units, p.extended, p.boot) == ("Linux", "83", "cylinders", False, False)
    assert report.disks == ()


def test_to_json_shape() -> None:
    report = parse_fdisk((DATA / "fdisk-2.38-lab-vdb.txt").read_text())
    doc = report.to_json()
    assert set(doc) == {"disks", "partitions"}
    assert doc["disks"][0]["device"] == "/dev/vdb" and doc["disks"][0]["size_bytes"] == 134217728
    part = doc["partitions"][0]
    assert (part["device"], part["size_bytes"], part["type"]) == ("/dev/vdb1", 133169152, "Linux")
    assert part["holders"] == [] and part["fstype"] is None
    assert report.partition("/dev/vdb1") is not None and report.partition("/dev/vdb9") is None


@pytest.mark.parametrize(
    "text",
    [
        "",
        "garbage\n\x00\x01 nonsense",
        "Disk /dev/sdz doesn't contain a valid partition table\n",
        "Device Boot Start End Sectors Size Id Type\n/dev/sda1 * x y z\n",
        "   Device Boot      Start         End      Blocks   Id  System\n/dev/sda1 1 2 3x zz Linux\n",
        "#  Start  End  Size  Type  Name\n 1\n",
        "WARNING: GPT (GUID Partition Table) detected on '/dev/sda'! The util fdisk doesn't support GPT.\n",
    ],
)
def test_unknown_lines_never_crash(text: str) -> None:
    report = parse_fdisk(text)
    assert report.partitions == () and report.disks == ()


def test_notes_between_rows_are_skipped() -> None:
    report = parse_fdisk((DATA / "fdisk-2.17-centos6.txt").read_text())
    # "Partition 1 does not end on cylinder boundary." sits between the two rows
    assert [p.device for p in report.partitions] == ["/dev/sda1", "/dev/sda2"]
