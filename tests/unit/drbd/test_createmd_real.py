"""The create-md prompt table against the real drbdmeta (drbd-utils) on a loop device, through pexpect.

drbdmeta refuses plain files ("not a block device"), so each test attaches a 64 MiB sparse file to a free
loop device (root only; skipped elsewhere) and detaches exactly that device afterwards.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from wizard.core.actions import Prompt
from wizard.disks.meta import usable_bytes
from wizard.drbd import createmd
from wizard.executors.local import LocalExecutor

pytestmark = pytest.mark.skipif(
    os.geteuid() != 0 or not shutil.which("drbdmeta", path="/usr/sbin:/sbin:/usr/bin")
    or not shutil.which("losetup", path="/usr/sbin:/sbin:/usr/bin") or not Path("/dev/loop-control").exists(),
    reason="needs root, drbd-utils' drbdmeta and loop devices")


@pytest.fixture
def loop(tmp_path: Path) -> Iterator[str]:
    img = tmp_path / "disk.img"
    with open(img, "wb") as f:
        f.truncate(64 << 20)
    r = subprocess.run(["losetup", "-f", "--show", str(img)], capture_output=True, text=True)
    if r.returncode != 0:
        pytest.skip(f"no free loop device: {r.stderr.strip()}")
    dev = r.stdout.strip()
    try:
        yield dev
    finally:
        subprocess.run(["losetup", "-d", dev], check=False)


def create_md(dev: str, confirm: bool) -> tuple[int, str, list[str]]:
    asked: list[str] = []

    def answer(p: Prompt) -> str:
        asked.append(p.expect.split("\r\n")[0])
        return p.answer if p.confirm is None or confirm else p.refuse

    r = LocalExecutor("node1").run_prompted(["drbdmeta", "0", "v08", dev, "internal", "create-md"],
                                            createmd.prompts("node1", dev), answer=answer, timeout=30)
    return r.rc, r.out, asked


def sh(*argv: str) -> None:
    subprocess.run(argv, check=True, capture_output=True)


def test_fresh_then_existing_metadata(loop: str) -> None:
    rc, out, asked = create_md(loop, confirm=False)
    assert (rc, asked, createmd.outcome(rc, out).kind) == (0, [], "created")
    rc, out, asked = create_md(loop, confirm=False)
    assert (rc, asked) == (1, [createmd.Q_OVERWRITE_MD]) and createmd.outcome(rc, out).kind == "cancelled"
    rc, out, asked = create_md(loop, confirm=True)
    assert (rc, asked) == (0, [createmd.Q_OVERWRITE_MD]) and createmd.outcome(rc, out).kind == "created"


def test_ext3_with_room_asks(loop: str) -> None:
    sh("mkfs.ext3", "-q", "-F", loop, "32M")
    rc, out, asked = create_md(loop, confirm=False)
    assert (rc, asked) == (1, [createmd.Q_PROCEED]) and "Found ext3 filesystem" in out
    rc, out, asked = create_md(loop, confirm=True)
    assert (rc, asked) == (0, [createmd.Q_PROCEED]) and createmd.outcome(rc, out).kind == "created"


def test_ext3_filling_the_partition_is_refused_with_40(loop: str) -> None:
    sh("mkfs.ext3", "-q", "-F", loop)
    rc, out, asked = create_md(loop, confirm=True)
    assert (rc, asked) == (40, []) and "Operation refused." in out
    assert createmd.outcome(rc, out).kind == "refused"
    # the explanation's figure is what drbdmeta printed as "left usable"
    assert f"{usable_bytes(64 << 20) // 1024} kB left usable" in out


def test_random_data_asks(loop: str) -> None:
    sh("dd", "if=/dev/urandom", f"of={loop}", "bs=64k", "count=2", "conv=fsync")
    rc, out, asked = create_md(loop, confirm=False)
    assert (rc, asked) == (1, [createmd.Q_PROCEED]) and "This might destroy existing data!" in out
