"""Pacemaker's files step through the real engine on this machine, relocated under a temp dir: node1's own
`corosync -t` runs for real (in a private network namespace holding node1's address), the files land with
their modes (the authkey 400), the sha256 read-back passes, the key is in no event and no journal file, and a
second run proves the step done."""

from __future__ import annotations

import dataclasses
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from helpers.golden import context
from helpers.relocate import engine_here, relocate

from wizard.core.actions import Run
from wizard.pacemaker.confcheck import corosync_tool
from wizard.pacemaker.steps import files_step


def _in_namespace(r: Run) -> Run:
    """The corosync check run in a network namespace whose loopback holds node1's replication address."""
    user_ns = () if os.geteuid() == 0 else ("-r",)
    setup = 'ip link set lo up && ip addr add 10.99.0.1 dev lo && exec "$@"'
    return dataclasses.replace(r, argv=("unshare", *user_ns, "-n", "sh", "-c", setup, "sh", *r.argv))


def test_files_step_runs_checks_and_is_then_done(tmp_path: Path) -> None:
    if corosync_tool() is None or shutil.which("unshare") is None:
        pytest.skip("needs corosync and unshare on this machine")
    if subprocess.run(["unshare", *([] if os.geteuid() == 0 else ["-r"]), "-n", "true"], check=False).returncode:
        pytest.skip("no private network namespace here")
    ctx = context("lab-pacemaker", "8.4")
    root = tmp_path / "node1"
    for d in ("etc/corosync", "var/lib/ha-wizard"):
        (root / d).mkdir(parents=True)
    step = relocate(files_step(ctx, "node1"), root, ("/etc/", "/var/"), _in_namespace)
    engine, journal, events = engine_here("node1", ctx.secrets.values(), tmp_path / "journal")
    assert engine.run([step]).done == ["pacemaker-files@node1"]
    key = root / "etc/corosync/authkey"
    assert key.stat().st_mode & 0o777 == 0o400 and key.read_text() == ctx.secrets.corosync_key
    assert (root / "var/lib/ha-wizard/cib.crm").stat().st_mode & 0o777 == 0o600
    journal.save()
    said = "\n".join(repr(e) for e in events)
    assert ctx.secrets.corosync_key not in said
    for f in (tmp_path / "journal").rglob("*"):
        if f.is_file():
            assert ctx.secrets.corosync_key.encode() not in f.read_bytes()
    assert engine.run([step]).skipped == ["pacemaker-files@node1"]
