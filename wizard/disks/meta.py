"""DRBD 8.4 internal meta-data (v08, flexible size): how much of a partition DRBD keeps, and what
``drbdadm create-md`` will do to a partition before we run it (notably the exit-40 refusal).

The layout was measured with drbdmeta 9.22 (``drbdmeta 0 v08 FILE internal create-md --force`` on sparse
files from 68 KiB to 4 TiB) and matches the lab capture of a 63 MiB partition exactly:

    md_offset = device rounded down to 4 KiB, minus the 4 KiB superblock
    al_offset = md_offset - 32 KiB activity log
    bm_offset = al_offset - bitmap, where the bitmap has 1 bit per 4 KiB (8 sectors) of the WHOLE
                device (rounded up), packed in 64-bit words, then rounded up to whole 4 KiB pages
    usable    = bm_offset (DRBD's device size; "N kB left usable by current configuration")
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from wizard.nodes.blockdevs import FsSignature

SECTOR = 512
PAGE = 4096
SUPERBLOCK_BYTES = 4096
ACTIVITY_LOG_BYTES = 32 * 1024  # 1 stripe of 32 KiB: the default al-stripes/al-stripe-size
MIN_DEVICE_BYTES = 69632  # drbdmeta: "... is only 65536 bytes. That's not enough." below this (68 KiB)


def _round_up(n: int, to: int) -> int:
    return -(-n // to) * to


@dataclass(frozen=True)
class MetaLayout:
    """Byte offsets from the start of the backing device, as drbdmeta prints them."""

    md_offset: int
    al_offset: int
    bm_offset: int

    @property
    def usable_bytes(self) -> int:
        return self.bm_offset


def layout(device_bytes: int) -> MetaLayout:
    if device_bytes < MIN_DEVICE_BYTES:
        raise ValueError(
            f"{device_bytes} bytes is too small for DRBD internal meta-data (needs {MIN_DEVICE_BYTES})"
        )
    md_offset = device_bytes // PAGE * PAGE - SUPERBLOCK_BYTES
    al_offset = md_offset - ACTIVITY_LOG_BYTES
    bits = _round_up(device_bytes // SECTOR, 8) // 8  # one bit per 8 sectors, partial block counts
    bitmap = _round_up(_round_up(bits, 64) // 8, PAGE)
    return MetaLayout(md_offset, al_offset, al_offset - bitmap)


def internal_meta_bytes(device_bytes: int) -> int:
    """Bytes at the end of the device that DRBD takes for superblock, activity log and bitmap."""
    return device_bytes - layout(device_bytes).bm_offset


def usable_bytes(device_bytes: int) -> int:
    """Size of /dev/drbdN on a backing device of ``device_bytes`` with internal meta-data."""
    return layout(device_bytes).bm_offset


Outcome = Literal["fresh", "existing-md", "fs-with-room", "fs-would-truncate", "unknown-data"]

WAYS_OUT = (
    "use external meta-data (a separate small partition for DRBD's meta-data; recommended by drbdmeta)",
    "shrink the filesystem first (resize2fs) so it ends before DRBD's meta-data",
    "wipe the partition (this destroys the filesystem and its data)",
)


@dataclass(frozen=True)
class Prediction:
    outcome: Outcome
    needs_confirmation: bool  # drbdmeta asks "[need to type 'yes' to confirm]"
    exit_code: int | None  # 40 when drbdmeta refuses even with --force; None when it depends on the answer
    usable_bytes: int
    fs_bytes: int | None
    explanation: str
    ways_out: tuple[str, ...] = ()


def _kib(n: int) -> str:
    return f"{n // 1024} KiB"


def predict_create_md(device_bytes: int, fs: FsSignature | None) -> Prediction:
    """What ``drbdadm create-md`` (v08 internal) will do, so the wizard can ask the right question first."""
    usable = usable_bytes(device_bytes)
    if fs is None:
        return Prediction(
            "fresh", False, 0, usable, None,
            f"No signature found: create-md writes DRBD meta-data at the end; {_kib(usable)} stay usable.",
        )
    if fs.kind == "drbd":
        return Prediction(
            "existing-md", True, None, usable, None,
            "The partition already holds DRBD meta-data from an earlier setup. Re-creating it discards "
            "DRBD's record of which node has the good data; answer 'yes' only if this is a fresh start.",
        )
    if fs.size_bytes is None:
        what = "some data" if fs.kind == "data" else f"a {fs.kind} signature"
        return Prediction(
            "unknown-data", True, None, usable, None,
            f"The partition contains {what} that DRBD cannot size. Creating meta-data overwrites its "
            f"last {_kib(device_bytes - usable)}; type 'yes' only if nothing on it is needed.",
        )
    if fs.size_bytes <= usable:  # measured: equal is accepted, one block more is refused
        return Prediction(
            "fs-with-room", True, None, usable, fs.size_bytes,
            f"The {fs.kind} filesystem uses {_kib(fs.size_bytes)}, which ends before DRBD's meta-data "
            f"({_kib(usable)} usable). drbdmeta still asks you to type 'yes', because this is a guess.",
        )
    return Prediction(
        "fs-would-truncate", False, 40, usable, fs.size_bytes,
        f"The {fs.kind} filesystem uses {_kib(fs.size_bytes)} but only {_kib(usable)} stay usable once "
        "DRBD's meta-data is at the end: drbdmeta refuses (exit code 40, even with --force), because "
        "the filesystem would be cut off. Ways out: " + "; or ".join(WAYS_OUT) + ".",
        WAYS_OUT,
    )


@dataclass(frozen=True)
class CreateMdReport:
    """What drbdmeta printed about the partition during create-md (offsets only appear when it found
    something on the partition)."""

    layout: MetaLayout | None
    found: str | None  # "ext3 filesystem", "some data", "v08 ... meta data block"
    used_kib: int | None
    usable_kib: int | None
    refused: bool
    exit_code: int | None  # from "terminated with exit code N" when drbdadm printed it
    created: bool


def parse_create_md_output(text: str) -> CreateMdReport:
    """Parse ``drbdadm create-md`` / ``drbdmeta create-md`` output (to compare with the prediction)."""

    def num(pattern: str) -> int | None:
        m = re.search(pattern, text, re.M)
        return int(m.group(1)) if m else None

    md, al, bm = num(r"^md_offset (\d+)"), num(r"^al_offset (\d+)"), num(r"^bm_offset (\d+)")
    found_m = re.search(r"^Found (.+?)\s*$", text, re.M)
    found = found_m.group(1) if found_m else None
    if found is None and "meta data block\nalready in place" in text:
        found = "v08 meta data block"
    return CreateMdReport(
        layout=MetaLayout(md, al, bm) if md is not None and al is not None and bm is not None else None,
        found=found,
        used_kib=num(r"^\s*(\d+) kB data area apparently used"),
        usable_kib=num(r"^\s*(\d+) kB left usable"),
        refused="Operation refused." in text,
        exit_code=num(r"terminated with exit code (\d+)"),
        created="New drbd meta data block successfully created." in text,
    )
