"""Pacemaker's files step through the real engine on this machine, relocated under a temp dir: node1's own
`corosync -t` runs for real (in a private network namespace holding node1's address), the files land with
their modes (the authkey 400), the sha256 read-back passes, the key is in no event and no journal file, and a
second run proves the step done."""

from __future__ import annotations

import dataclasses
import grp
import os
import pwd
import shutil
import subprocess
from pathlib import Path

import pytest
from helpers.golden import context

from wizard.core.actions import Check, Run, Step, WaitFor, WriteFile
from wizard.core.engine import Engine
from wizard.core.events import Event, EventBus
from wizard.core.journal import Journal
from wizard.core.secrets import Redactor
from wizard.executors.local import LocalExecutor
from wizard.flow.registry import conditions
from wizard.pacemaker.confcheck import corosync_tool
from wizard.pacemaker.steps import files_step


def _relocate(step: Step, root: Path) -> Step:
    """Every absolute file path under ``root``, files owned by whoever runs the test; the corosync check run in
    a network namespace whose loopback holds node1's replication address."""
    user, group = pwd.getpwuid(os.getuid()).pw_name, grp.getgrgid(os.getgid()).gr_name

    def moved(argv: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(f"{root}{a}" if a.startswith(("/etc/", "/var/")) else a for a in argv)

    actions = []
    for a in step.actions:
        if isinstance(a, WriteFile):
            a = dataclasses.replace(a, path=f"{root}{a.path}", owner=user, group=group)
        elif isinstance(a, WaitFor):
            a = dataclasses.replace(a, probe=moved(a.probe))
        elif isinstance(a, Run):
            user_ns = () if os.geteuid() == 0 else ("-r",)
            a = dataclasses.replace(a, argv=("unshare", *user_ns, "-n", "sh", "-c",
                                             'ip link set lo up && ip addr add 10.99.0.1 dev lo && exec "$@"', "sh",
                                             *a.argv))
        actions.append(a)
    checks = tuple(Check(moved(c.probe), c.until, c.args) for c in step.checks)
    return dataclasses.replace(step, actions=tuple(actions), checks=checks)


def test_files_step_runs_checks_and_is_then_done(tmp_path: Path) -> None:
    if corosync_tool() is None or shutil.which("unshare") is None:
        pytest.skip("needs corosync and unshare on this machine")
    if subprocess.run(["unshare", *([] if os.geteuid() == 0 else ["-r"]), "-n", "true"], check=False).returncode:
        pytest.skip("no private network namespace here")
    ctx = context("lab-pacemaker", "8.4")
    root = tmp_path / "node1"
    for d in ("etc/corosync", "var/lib/ha-wizard"):
        (root / d).mkdir(parents=True)
    step = _relocate(files_step(ctx, "node1"), root)
    events: list[Event] = []
    bus = EventBus()
    bus.subscribe(events.append)
    journal = Journal.open(tmp_path / "journal")
    engine = Engine({"node1": LocalExecutor("node1")}, journal, redactor=Redactor(ctx.secrets.values()),
                    confirm=lambda c, host: False, bus=bus, conditions=conditions())
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
