"""Steps 3 and 12 through the real engine on this machine, relocated under a temp dir.

The node-side drbdadm check runs for real (its dump holds the shared secret: it must come out redacted),
the files land with their modes, the sha256 read-back passes, and a second run proves the steps done.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from helpers.golden import context
from helpers.relocate import engine_here, relocate

from wizard.core.actions import Run
from wizard.core.events import Output
from wizard.drbd.steps import drbd_config_step
from wizard.heartbeat.steps import heartbeat_files_step


def test_config_steps_run_verify_and_are_then_done(tmp_path: Path) -> None:
    if shutil.which("drbdadm") is None or shutil.which("sha256sum") is None:
        pytest.skip("needs drbdadm (drbd-utils) and sha256sum on this machine")
    ctx = context("lab", "8.4")
    root = tmp_path / "node1"
    for d in ("etc/drbd.d", "etc/ha.d/resource.d"):
        (root / d).mkdir(parents=True)
    steps = [relocate(drbd_config_step(ctx, "node1"), root), relocate(heartbeat_files_step(ctx, "node1"), root)]
    assert isinstance(steps[0].actions[0], Run)  # the node-side parse, unchanged

    engine, journal, events = engine_here("node1", ctx.secrets.values(), tmp_path / "journal")
    first = engine.run(steps)
    assert first.done == ["drbd-config@node1", "heartbeat-files@node1"]
    assert (root / "etc/ha.d/authkeys").stat().st_mode & 0o777 == 0o600
    assert (root / "etc/drbd.d/r0.res").read_text().count(ctx.secrets.shared_secret) == 1
    dump = "\n".join(e.text for e in events if isinstance(e, Output))
    assert "resource r0" in dump and "shared-secret" in dump  # drbdadm's dump was shown ...
    assert ctx.secrets.shared_secret not in dump and ctx.secrets.authkey not in dump  # ... redacted
    journal.save()
    for f in (tmp_path / "journal").rglob("*"):
        if f.is_file():
            assert ctx.secrets.shared_secret.encode() not in f.read_bytes()

    second = engine.run(steps)
    assert second.skipped == ["drbd-config@node1", "heartbeat-files@node1"]
    (root / "etc/ha.d/ha.cf").write_text("node someone-else\n")
    assert engine.run(steps).done == ["heartbeat-files@node1"]  # a changed file is rewritten, then verified
