"""Disks and partitions from ``fdisk -l`` (every util-linux era), lsblk, blkid, wipefs, /proc/mounts,
/proc/swaps, pvs, /proc/mdstat and dumpe2fs; whether a partition is free; and peer pairings.

fdisk eras handled: cylinder units with a Blocks column (util-linux <= 2.17, the tutorial's era),
sectors with a Blocks column (2.19-2.25, "Units = sectors"), sectors with Sectors/Size columns
(2.26+, "Units: sectors"), and 2.23's numbered GPT table ("#  Start  End  Size  Type  Name").
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, replace
from typing import Any, Literal

Units = Literal["sectors", "cylinders"]
EXTENDED_IDS = frozenset({"5", "f", "85"})  # DOS extended, W95 extended (LBA), Linux extended


@dataclass(frozen=True)
class Disk:
    device: str
    size_bytes: int
    label: str | None = None  # "dos", "gpt"; None when fdisk did not say (old eras, no table)
    model: str | None = None
    sector_size: int = 512


@dataclass(frozen=True)
class Partition:
    device: str
    disk: str
    size_bytes: int  # exact for sector units; Blocks*1024 (+512 for "+") for cylinder units
    type: str
    type_id: str | None  # DOS id ("83", "8e"); None on GPT
    boot: bool
    start: int
    end: int
    units: Units
    blocks: int | None  # the 1 KiB "Blocks" column of older fdisk
    extended: bool
    fstype: str | None = None  # filled by merge() from lsblk
    mountpoint: str | None = None
    holders: tuple[str, ...] = ()


@dataclass(frozen=True)
class DiskReport:
    disks: tuple[Disk, ...]
    partitions: tuple[Partition, ...]

    def to_json(self) -> dict[str, Any]:
        return {"disks": [asdict(d) for d in self.disks],
                "partitions": [asdict(p) | {"holders": list(p.holders)} for p in self.partitions]}

    def partition(self, device: str) -> Partition | None:
        return next((p for p in self.partitions if p.device == device), None)


_DISK = re.compile(r"^Disk (\S+): .*?(\d+) bytes")
_UNITS = re.compile(r"^Units\s*[:=]\s*(cylinders|sectors) of (\d+) \* (\d+) = (\d+) bytes")
_LABEL = re.compile(r"^Disk ?label type:\s*(\S+)")
_SECTOR = re.compile(r"^Sector size \(logical/physical\):\s*(\d+) bytes")


def _part_name(disk: str, number: int) -> str:
    # the kernel's naming: a disk name ending in a digit gets a "p" (nvme0n1p1, loop0p1, md0p1)
    return f"{disk}{'p' if disk[-1:].isdigit() else ''}{number}"


def _disk_of(device: str) -> str:
    m = re.match(r"^(.*?\d)p\d+$", device) or re.match(r"^(.*?)\d+$", device)
    return m.group(1) if m else device


class _Table:
    """Column layout of the partition table header currently in force."""

    def __init__(self, header: str) -> None:
        self.cols = header.split()
        self.numbered = self.cols[0] == "#"
        self.has_sectors = "Sectors" in self.cols
        self.has_id = "Id" in self.cols
        self.type_at = header.find("Type")
        self.name_at = header.find("Name")


def _row(line: str, table: _Table | None, disk: str | None, units: Units, sector: int) -> Partition | None:
    tok = line.split()
    if table is not None and table.numbered:  # 2.23 GPT: " 1   2048   411647   200M  EFI System  Name"
        if disk is None:
            return None
        number, start, end = int(tok[0]), int(tok[1]), int(tok[2])
        end_type = table.name_at if table.name_at > table.type_at else len(line)
        kind = line[table.type_at:end_type].strip()  # Type and Name both contain spaces: cut by column
        return Partition(_part_name(disk, number), disk, (end - start + 1) * sector, kind, None,
                         False, start, end, "sectors", None, False)
    device, rest = tok[0], tok[1:]
    boot = bool(rest) and rest[0] == "*"
    if boot:
        rest = rest[1:]
    start, end = int(rest[0]), int(rest[1])
    blocks: int | None = None
    if table is not None and table.has_sectors:  # 2.26+: Start End Sectors Size [Id] Type
        size = int(rest[2]) * sector
        type_id = rest[4] if table.has_id else None
        kind = " ".join(rest[5:] if table.has_id else rest[4:])
    else:  # Start End Blocks Id System; "+" = one more odd 512-byte sector
        m = re.fullmatch(r"(\d+)([+-]?)", rest[2])
        if not m:
            return None
        blocks = int(m.group(1))
        size = (end - start + 1) * sector if units == "sectors" else blocks * 1024 + (512 if m.group(2) == "+" else 0)
        type_id, kind = rest[3], " ".join(rest[4:])
    if type_id is not None and not re.fullmatch(r"[0-9a-fA-F]{1,2}", type_id):
        return None
    type_id = type_id.lower() if type_id is not None else None
    extended = type_id in EXTENDED_IDS or "extended" in kind.lower() or "Ext'd" in kind
    return Partition(device, disk or _disk_of(device), size, kind, type_id, boot, start, end, units,
                     blocks, extended)


def parse_fdisk(text: str) -> DiskReport:
    """Parse ``fdisk -l [DEV...]`` output of any era; unknown lines and notes are skipped."""
    disks: list[Disk] = []
    parts: list[Partition] = []
    cur: dict[str, Any] | None = None
    table: _Table | None = None
    units: Units = "cylinders"  # a bare old-style row with no header is from the cylinder era
    sector = 512

    def flush() -> None:
        if cur is not None:
            disks.append(Disk(cur["device"], cur["size"], cur.get("label"), cur.get("model"), sector))

    for raw in text.splitlines():
        line = raw.rstrip()
        if m := _DISK.match(line):
            flush()
            cur, table, units, sector = {"device": m.group(1), "size": int(m.group(2))}, None, "cylinders", 512
        elif cur is not None and (m := re.match(r"^Disk model:\s*(.*)$", line)):
            cur["model"] = m.group(1).strip() or None
        elif cur is not None and (m := _LABEL.match(line)):
            cur["label"] = m.group(1)
        elif m := _UNITS.match(line):
            units = "cylinders" if m.group(1) == "cylinders" else "sectors"
            sector = int(m.group(3))
        elif m := _SECTOR.match(line):
            sector = int(m.group(1))
        elif re.match(r"^\s*(Device|#)\s.*\bStart\b", line):
            table = _Table(line)
        elif line.strip() and (table is not None or line.startswith("/dev/")):
            # rows are named after the disk, or after the file for images ("disk.img1"); a bare
            # "/dev/sda5 7916 8853 7534453+ 83 Linux" (as quoted in the tutorial) parses too
            try:
                p = _row(line, table, cur["device"] if cur else None, units, sector)
            except (ValueError, IndexError):
                p = None  # notes ("Partition 1 does not ..."), warnings, anything unexpected: skip
            if p is not None:
                parts.append(p)
    flush()
    return DiskReport(tuple(disks), tuple(parts))


# --- lsblk -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BlockDevice:
    name: str
    path: str
    size_bytes: int | None
    type: str  # disk, part, lvm, raid1, loop, rom, crypt...
    fstype: str | None
    mountpoint: str | None
    pkname: str | None  # parent kernel name ("vdb" for vdb1)
    holders: tuple[str, ...] = ()  # paths of devices built on top (drbd0, md0, vg-lv): not partitions


def parse_lsblk_json(text: str) -> list[BlockDevice]:
    """Flatten ``lsblk --json --bytes -o NAME,PATH,SIZE,TYPE,FSTYPE,MOUNTPOINT[S],PKNAME`` (any order).
    Sizes are numbers since util-linux 2.33 and strings before; both are accepted."""
    out: list[BlockDevice] = []

    def walk(node: Mapping[str, Any], parent: str | None) -> None:
        name = str(node.get("name", ""))
        path = node.get("path") or (name if name.startswith("/") else f"/dev/{name}")
        size = node.get("size")
        mounts = [m for m in node.get("mountpoints") or [] if m]
        children = node.get("children") or []
        holders = tuple(c.get("path") or f"/dev/{c.get('name')}" for c in children if c.get("type") != "part")
        out.append(BlockDevice(
            name, str(path), int(size) if size not in (None, "") else None, str(node.get("type", "")),
            node.get("fstype") or None, node.get("mountpoint") or (mounts[0] if mounts else None),
            node.get("pkname") or parent, holders,
        ))
        for child in children:
            walk(child, name)

    for top in json.loads(text).get("blockdevices", []):
        walk(top, None)
    return out


def merge(report: DiskReport, lsblk: Iterable[BlockDevice]) -> DiskReport:
    """Exact sizes and fstype/mountpoint/holders from lsblk where it knows the device."""
    by_path = {b.path: b for b in lsblk}
    disks = tuple(replace(d, size_bytes=b.size_bytes) if (b := by_path.get(d.device)) and b.size_bytes else d
                  for d in report.disks)
    parts = []
    for p in report.partitions:
        b = by_path.get(p.device)
        if b is not None:  # lsblk sizes an extended partition as its 1 KiB link sector: keep fdisk's
            size = p.size_bytes if p.extended or not b.size_bytes else b.size_bytes
            p = replace(p, size_bytes=size, fstype=b.fstype, mountpoint=b.mountpoint, holders=b.holders)
        parts.append(p)
    return DiskReport(disks, tuple(parts))


# --- signatures, mounts, swaps, LVM, md, ext* size ---------------------------------------------


def parse_blkid_export(text: str) -> list[dict[str, str]]:
    """``blkid -o export`` / ``blkid -p -o export DEV``: one dict per device (blank-line separated);
    blkid escapes spaces etc. with a backslash."""
    entries: list[dict[str, str]] = []
    cur: dict[str, str] = {}
    for line in text.splitlines():
        if not line.strip():
            if cur:
                entries.append(cur)
            cur = {}
        elif "=" in line and re.match(r"^[A-Z_]+=", line):
            key, value = line.split("=", 1)
            cur[key] = re.sub(r"\\(.)", r"\1", value)
    if cur:
        entries.append(cur)
    return entries


@dataclass(frozen=True)
class WipefsSignature:
    device: str
    offset: int
    type: str
    uuid: str | None = None
    label: str | None = None


def parse_wipefs(text: str) -> list[WipefsSignature]:
    """``wipefs -n -J DEV`` (JSON), the plain ``wipefs -n`` table (cut at the header's columns, since UUID
    or LABEL may be blank), or the pre-2.28 "offset type" list with indented UUID:/LABEL: lines."""
    if text.lstrip().startswith("{"):
        return [WipefsSignature(s.get("device", ""), int(s["offset"], 0), s["type"], s.get("uuid") or None,
                                s.get("label") or None)
                for s in json.loads(text).get("signatures", [])]
    out: list[WipefsSignature] = []
    cols: list[int] = []
    for line in text.splitlines():
        tok = line.split()
        if tok[:3] == ["DEVICE", "OFFSET", "TYPE"]:
            cols = [line.find(c) for c in ("OFFSET", "TYPE", "UUID", "LABEL")] + [len(line) + 999]
        elif cols and len(tok) >= 3 and re.fullmatch(r"0x[0-9a-fA-F]+", tok[1]):
            cut = [line[cols[i]:cols[i + 1]].strip() if cols[i] >= 0 else "" for i in range(4)]
            out.append(WipefsSignature(line[:cols[0]].strip(), int(cut[0], 16), cut[1], cut[2] or None,
                                       cut[3] or None))
        elif len(tok) >= 2 and re.fullmatch(r"0x[0-9a-fA-F]+", tok[0]):  # old: "0x438   ext4   [filesystem]"
            out.append(WipefsSignature("", int(tok[0], 16), tok[1]))
        elif out and len(tok) >= 2 and tok[0] in ("UUID:", "LABEL:"):
            value = " ".join(tok[1:])
            out[-1] = replace(out[-1], uuid=value) if tok[0] == "UUID:" else replace(out[-1], label=value)
    return out


@dataclass(frozen=True)
class Mount:
    device: str
    mountpoint: str
    fstype: str
    options: str


def _unoctal(s: str) -> str:  # /proc/mounts writes space, tab, newline, backslash as \040 etc.
    return re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), s)


def parse_proc_mounts(text: str) -> list[Mount]:
    rows = (line.split() for line in text.splitlines())
    return [Mount(_unoctal(t[0]), _unoctal(t[1]), t[2], t[3]) for t in rows if len(t) >= 4]


@dataclass(frozen=True)
class Swap:
    device: str
    kind: str  # partition / file
    size_kib: int
    used_kib: int


def parse_proc_swaps(text: str) -> list[Swap]:
    rows = (line.split() for line in text.splitlines()[1:])  # after the "Filename Type Size ..." header
    return [Swap(_unoctal(t[0]), t[1], int(t[2]), int(t[3])) for t in rows if len(t) >= 4 and t[2].isdigit()]


def parse_pvs(text: str) -> dict[str, str | None]:
    """``pvs --noheadings -o pv_name[,vg_name]``: PV path -> volume group (None when not in one)."""
    rows = (line.split() for line in text.splitlines())
    return {t[0]: t[1] if len(t) > 1 else None for t in rows if t and t[0].startswith("/")}


def parse_mdstat(text: str) -> dict[str, str]:
    """/proc/mdstat: member device path -> array ("/dev/sdb1" -> "md0"), spares and failed included."""
    out: dict[str, str] = {}
    for line in text.splitlines():
        m = re.match(r"^(md\w+)\s*:\s*\S+\s+(.*)$", line)
        if m:
            for member in re.findall(r"(\S+?)\[\d+\]", m.group(2)):
                out[member if member.startswith("/") else f"/dev/{member}"] = m.group(1)
    return out


def parse_dumpe2fs_size(text: str) -> int | None:
    """Filesystem size in bytes from ``dumpe2fs -h``: Block count x Block size (what drbdmeta checks)."""
    count = re.search(r"^Block count:\s*(\d+)", text, re.M)
    size = re.search(r"^Block size:\s*(\d+)", text, re.M)
    return int(count.group(1)) * int(size.group(1)) if count and size else None


# --- is it free? ---------------------------------------------------------------------------------

UsageState = Literal["free", "mounted", "swap", "lvm-pv", "md-member", "held", "has-signature"]


@dataclass(frozen=True)
class Usage:
    device: str
    state: UsageState
    detail: str | None  # mountpoint, VG, array, holder or signature kind
    reason: str  # one sentence for the admin: what is wrong and what to do

    @property
    def free(self) -> bool:
        return self.state == "free"


def usage(
    device: str,
    *,
    mounts: Iterable[Mount] = (),
    swaps: Iterable[Swap] = (),
    pvs: Mapping[str, str | None] | Iterable[str] = (),
    md_members: Mapping[str, str] | None = None,
    holders: Iterable[str] = (),
    signatures: Iterable[str] = (),
) -> Usage:
    """Classify one partition. Checked in order of how badly using it would hurt: mounted, swap, LVM PV,
    md member, held by another device, carries a signature (blkid/wipefs TYPE), else free."""
    if mp := next((m.mountpoint for m in mounts if m.device == device), None):
        return Usage(device, "mounted", mp, f"{device} is mounted on {mp}: unmount it or pick another partition")
    if any(s.device == device for s in swaps):
        return Usage(device, "swap", None, f"{device} is in use as swap: run 'swapoff {device}', remove it "
                     "from /etc/fstab, or pick another partition")
    pv_map = dict(pvs) if isinstance(pvs, Mapping) else dict.fromkeys(pvs)
    if device in pv_map:
        vg = pv_map[device]
        in_vg = f" in volume group {vg}" if vg else ""
        return Usage(device, "lvm-pv", vg, f"{device} is an LVM physical volume{in_vg}: move its data off "
                     "(pvmove), remove it (vgreduce/pvremove) or pick another partition")
    if md_members and device in md_members:
        md = md_members[device]
        return Usage(device, "md-member", md, f"{device} is a member of RAID array {md}: remove it from the "
                     "array or pick another partition")
    if held := [h for h in holders if h]:
        return Usage(device, "held", held[0], f"{device} is in use by {', '.join(held)}: stop that device "
                     "(e.g. 'drbdadm down', 'dmsetup remove') or pick another partition")
    if kinds := [s for s in signatures if s]:
        what = "DRBD meta-data from an earlier setup" if kinds[0] == "drbd" else f"an existing {kinds[0]} signature"
        return Usage(device, "has-signature", kinds[0], f"{device} contains {what}: setting up DRBD would "
                     "destroy it; wipe it knowingly (wipefs -a) or pick another partition")
    return Usage(device, "free", None, f"{device} is free")


@dataclass(frozen=True)
class FsSignature:
    """What is already on the partition. ``size_bytes`` is the filesystem's own idea of its size
    (dumpe2fs: Block count x Block size); None when unknown (swap, LVM, random data...)."""

    kind: str  # blkid TYPE ("ext3", "xfs", "swap", "drbd", ...) or "data" for unrecognised non-zero data
    size_bytes: int | None = None
    label: str | None = None
