"""Internal meta-data size and the create-md prediction, checked against drbdmeta itself.

Every row of LAYOUTS was printed by drbdmeta 9.22 (``drbdmeta 0 v08 FILE internal create-md --force``
on a sparse file with non-zero data at its start, which makes drbdmeta print md/al/bm offsets).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from wizard.disks.meta import (
    MIN_DEVICE_BYTES,
    WAYS_OUT,
    FsSignature,
    internal_meta_bytes,
    layout,
    parse_create_md_output,
    predict_create_md,
    usable_bytes,
)
from wizard.nodes.blockdevs import parse_dumpe2fs_size

DATA = Path(__file__).resolve().parents[2] / "data" / "captures"

# device bytes, md_offset, al_offset, bm_offset (as printed by drbdmeta)
LAYOUTS = [
    (66060288, 66056192, 66023424, 66019328),  # the lab's 63 MiB /dev/vdb1
    (133169152, 133165056, 133132288, 133128192),  # the 127 MiB vdb1 of a 128 MiB disk
    (134217728, 134213632, 134180864, 134176768),  # 128 MiB: bitmap exactly one 4 KiB page
    (134218240, 134213632, 134180864, 134172672),  # 128 MiB + 1 sector: a second bitmap page
    (134221824, 134217728, 134184960, 134176768),
    (268435456, 268431360, 268398592, 268390400),
    (268476416, 268472320, 268439552, 268427264),
    (7715280384, 7715274752, 7715241984, 7715004416),  # the tutorial's /dev/sda5 (not 4 KiB aligned)
    (100000000, 99995648, 99962880, 99958784),
    (123456789, 123449344, 123416576, 123412480),
    (1073741824, 1073737728, 1073704960, 1073672192),
    (10737418240, 10737414144, 10737381376, 10737053696),
    (1000000000000, 999999995904, 999999963136, 999969443840),
    (1099511627776, 1099511623680, 1099511590912, 1099478036480),  # 1 TiB: 32 MiB bitmap
    (4398046511104, 4398046507008, 4398046474240, 4397912256512),  # 4 TiB: 128 MiB bitmap
    (69632, 65536, 32768, 28672),  # the smallest device drbdmeta accepts
]


@pytest.mark.parametrize(("size", "md", "al", "bm"), LAYOUTS)
def test_layout_matches_drbdmeta(size: int, md: int, al: int, bm: int) -> None:
    lay = layout(size)
    assert (lay.md_offset, lay.al_offset, lay.bm_offset) == (md, al, bm)
    assert usable_bytes(size) == bm and internal_meta_bytes(size) == size - bm


def test_lab_capture_usable() -> None:
    # createmd-prompts*.txt: "64472 kB left usable by current configuration"; /proc/drbd: oos:64472
    assert usable_bytes(66060288) == 64472 * 1024
    assert internal_meta_bytes(66060288) == 4096 + 32768 + 4096


@pytest.mark.parametrize("size", [0, 65536, MIN_DEVICE_BYTES - 512])
def test_too_small(size: int) -> None:
    with pytest.raises(ValueError, match="too small"):
        usable_bytes(size)


# --- create-md output ------------------------------------------------------------------------------


def _sections(name: str) -> dict[str, str]:
    out = {}
    for chunk in (DATA / name).read_text().split("================ ")[1:]:
        title, _, body = chunk.partition(" ================\n")
        out[title.split(":")[0]] = body
    return out


TTY = _sections("createmd-prompts-tty.txt")
NOTTY = _sections("createmd-prompts.txt")


@pytest.mark.parametrize(
    ("section", "found", "used", "refused", "exit_code", "created"),
    [
        (TTY["T1"], None, None, False, None, True),
        (TTY["T2"], "v08 meta data block", None, False, None, False),
        (TTY["T4"], "ext3 filesystem", 32768, False, None, False),
        (TTY["T5"], "ext3 filesystem", 32768, False, None, True),
        (TTY["T6"], "ext3 filesystem", 64512, True, 40, False),
        (TTY["T7"], "ext3 filesystem", 64512, True, 40, False),
        (TTY["T9"], "some data", None, False, None, False),
        (NOTTY["C"], "ext3 filesystem", 64512, True, 40, False),
        (NOTTY["D"], "ext3 filesystem", 32768, False, None, False),
        ((DATA / "createmd-ext4-full-file.txt").read_text(), "ext3 filesystem", 64512, True, None, False),
        ((DATA / "createmd-ext3-room-file.txt").read_text(), "ext3 filesystem", 32768, False, None, True),
    ],
    ids=["T1-zeroed", "T2-existing-md", "T4-ext3-room-no", "T5-ext3-room-yes", "T6-ext3-full", "T7-full-force",
         "T9-random", "C-notty-full", "D-notty-room", "file-ext4-full", "file-ext3-room"],
)
def test_parse_create_md_output(section: str, found: str | None, used: int | None, refused: bool,
                                exit_code: int | None, created: bool) -> None:
    r = parse_create_md_output(section)
    assert (r.found, r.used_kib, r.refused, r.exit_code, r.created) == (found, used, refused, exit_code, created)
    if r.layout is not None:  # every capture is of the 63 MiB partition
        assert r.layout == layout(66060288)
    if r.used_kib is not None:  # only a recognised filesystem gets the "kB" lines
        assert r.usable_kib == 64472


# --- prediction ------------------------------------------------------------------------------------

EXT3_32M = parse_dumpe2fs_size((DATA / "dumpe2fs-h-ext3-32M.txt").read_text())
EXT4_FULL = parse_dumpe2fs_size((DATA / "dumpe2fs-h-ext4-full.txt").read_text())


@pytest.mark.parametrize(
    ("fs", "outcome", "confirm", "exit_code", "capture"),
    [
        (None, "fresh", False, 0, TTY["T1"]),
        (FsSignature("drbd"), "existing-md", True, None, TTY["T2"]),
        (FsSignature("ext3", EXT3_32M), "fs-with-room", True, None, TTY["T4"]),
        (FsSignature("ext3", 64512 * 1024), "fs-would-truncate", False, 40, TTY["T6"]),
        (FsSignature("ext4", EXT4_FULL), "fs-would-truncate", False, 40,
         (DATA / "createmd-ext4-full-file.txt").read_text()),
        (FsSignature("data"), "unknown-data", True, None, TTY["T9"]),
    ],
    ids=["fresh", "existing-md", "ext3-room", "ext3-full", "ext4-full", "random-data"],
)
def test_prediction_matches_what_drbdmeta_did(fs: FsSignature | None, outcome: str, confirm: bool,
                                              exit_code: int | None, capture: str) -> None:
    p = predict_create_md(66060288, fs)
    assert (p.outcome, p.needs_confirmation, p.exit_code, p.usable_bytes) == (outcome, confirm, exit_code, 66019328)
    real = parse_create_md_output(capture)
    assert real.refused == (outcome == "fs-would-truncate")
    if real.used_kib is not None:
        assert p.fs_bytes == real.used_kib * 1024


def test_truncate_explains_the_three_ways_out() -> None:
    p = predict_create_md(66060288, FsSignature("ext3", 64512 * 1024))
    assert p.ways_out == WAYS_OUT and len(WAYS_OUT) == 3
    for words in ("external meta-data", "shrink the filesystem", "wipe the partition", "exit code 40",
                  "64512 KiB", "64472 KiB"):
        assert words in p.explanation


def test_boundary_equal_is_accepted() -> None:
    # measured on a 1 GiB file: an ext4 of exactly 1048508 KiB was accepted, 1048512 KiB refused (exit 40)
    assert usable_bytes(2**30) == 1048508 * 1024
    assert predict_create_md(2**30, FsSignature("ext4", 1048508 * 1024)).outcome == "fs-with-room"
    assert predict_create_md(2**30, FsSignature("ext4", 1048512 * 1024)).outcome == "fs-would-truncate"


def test_explanations_are_plain_sentences() -> None:
    for fs in (None, FsSignature("drbd"), FsSignature("swap"), FsSignature("ext3", EXT3_32M)):
        text = predict_create_md(66060288, fs).explanation
        assert text.endswith(".") and "\n" not in text
    assert "swap signature" in predict_create_md(66060288, FsSignature("swap")).explanation
