"""Steps 3 and 12 through the real engine on this machine, relocated under a temp dir.

The node-side drbdadm check runs for real (its dump holds the shared secret: it must come out redacted),
the files land with their modes, the sha256 read-back passes, and a second run proves the steps done.
"""

from __future__ import annotations

import dataclasses
import grp
import os
import pwd
import shutil
from pathlib import Path

import pytest
from helpers.golden import context

from wizard.core.actions import Check, Run, Step, WaitFor, WriteFile
from wizard.core.engine import Engine
from wizard.core.events import Event, EventBus, Output
from wizard.core.journal import Journal
from wizard.core.secrets import Redactor
from wizard.drbd.steps import drbd_config_step
from wizard.executors.local import LocalExecutor
from wizard.flow.registry import conditions
from wizard.heartbeat.steps import heartbeat_files_step


def _relocate(step: Step, root: Path) -> Step:
    """The same step with every /etc path under ``root`` and files owned by whoever runs the test."""
    user, group = pwd.getpwuid(os.getuid()).pw_name, grp.getgrgid(os.getgid()).gr_name

    def moved(argv: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(f"{root}{a}" if a.startswith("/etc/") else a for a in argv)

    actions = []
    for a in step.actions:
        if isinstance(a, WriteFile):
            a = dataclasses.replace(a, path=f"{root}{a.path}", owner=user, group=group)
        elif isinstance(a, WaitFor):
            a = dataclasses.replace(a, probe=moved(a.probe))
        actions.append(a)
    checks = tuple(Check(moved(c.probe), c.until, c.args) for c in step.checks)
    return dataclasses.replace(step, actions=tuple(actions), checks=checks)


def test_config_steps_run_verify_and_are_then_done(tmp_path: Path) -> None:
    if shutil.which("drbdadm") is None or shutil.which("sha256sum") is None:
        pytest.skip("needs drbdadm (drbd-utils) and sha256sum on this machine")
    ctx = context("lab", "8.4")
    root = tmp_path / "node1"
    for d in ("etc/drbd.d", "etc/ha.d/resource.d"):
        (root / d).mkdir(parents=True)
    steps = [_relocate(drbd_config_step(ctx, "node1"), root), _relocate(heartbeat_files_step(ctx, "node1"), root)]
    assert isinstance(steps[0].actions[0], Run)  # the node-side parse, unchanged

    events: list[Event] = []
    bus = EventBus()
    bus.subscribe(events.append)
    journal = Journal.open(tmp_path / "journal")
    engine = Engine({"node1": LocalExecutor("node1")}, journal, redactor=Redactor(ctx.secrets.values()),
                    confirm=lambda c, host: False, bus=bus, conditions=conditions())
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
