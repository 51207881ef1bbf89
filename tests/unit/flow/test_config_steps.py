"""Steps 3 and 12: the node's own parser runs before any write, and every file is checksummed after."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from pathlib import Path

import pytest
from helpers.golden import context

from wizard.core.actions import Check, Run, WaitFor, WriteFile
from wizard.core.conditions import sha256_hex
from wizard.drbd import render
from wizard.drbd.confcheck import remote_check_argv
from wizard.drbd.steps import drbd_config_step
from wizard.executors.base import Result
from wizard.flow.registry import conditions
from wizard.flow.tutorial import build_plan
from wizard.heartbeat import render as heartbeat_render
from wizard.heartbeat.steps import heartbeat_files_step


@pytest.mark.parametrize("family", ["8.3", "8.4", "9"])
def test_drbd_step_parses_on_the_node_before_writing(family: str) -> None:
    ctx = context("tutorial", family)
    step = drbd_config_step(ctx, "server2")
    first, *writes, last = step.actions
    assert isinstance(first, Run) and first.argv == remote_check_argv(family, "-")
    assert first.input == render.drbd_text(ctx)  # on stdin: the secret never reaches argv or ps
    assert ctx.secrets.shared_secret not in first.display()
    assert dict(first.explain)[10].startswith("this node's drbdadm rejects")
    assert writes == render.drbd_files(ctx, "server2") and all(isinstance(w, WriteFile) for w in writes)
    assert isinstance(last, WaitFor) and last.until == "sha256"
    assert last.probe == ("sha256sum", *(w.path for w in writes))
    assert last.args == tuple(hashlib.sha256(w.content.encode()).hexdigest() for w in writes)


def test_node_check_argv_really_parses_stdin() -> None:
    """The exact Run the step plans, fed the planned text, on this machine's drbd-utils."""
    if shutil.which("drbdadm") is None and not Path("/usr/sbin/drbdadm").exists():
        pytest.skip("drbdadm (drbd-utils) is not installed here")
    ctx = context("lab", "8.4")
    run = drbd_config_step(ctx, "node1").actions[0]
    assert isinstance(run, Run)
    ok = subprocess.run(run.argv, input=run.input, capture_output=True, text=True, check=False)
    assert ok.returncode == 0, ok.stderr
    assert run.input is not None
    bad = subprocess.run(run.argv, input=run.input.replace("meta-disk internal;", "meta-disk internal", 1),
                         capture_output=True, text=True, check=False)
    assert bad.returncode == 10 and "STDIN:" in bad.stderr


def test_both_nodes_are_checked_against_the_same_digests() -> None:
    ctx = context("tutorial", "8.4")
    steps = {s.id: s for s in build_plan(ctx)}
    for kind in ("drbd-config", "heartbeat-files"):
        a, b = steps[f"{kind}@server1"], steps[f"{kind}@server2"]
        assert a.checks == b.checks and a.checks
        assert all(isinstance(c, Check) and c.until == "sha256" and c.probe[0] == "sha256sum" for c in a.checks)
    hb = steps["heartbeat-files@server1"]
    paths = [c.probe[1] for c in hb.checks]
    assert paths == ["/etc/ha.d/ha.cf", "/etc/ha.d/haresources", "/etc/ha.d/authkeys",
                     "/etc/ha.d/resource.d/ha-wizard-mount", "/etc/ha.d/resource.d/ha-wizard-ip"]
    assert hb.implemented and isinstance(hb.actions[-1], WaitFor)


def test_sha256_condition_on_real_sha256sum_output(tmp_path: Path) -> None:
    if shutil.which("sha256sum") is None:
        pytest.skip("no sha256sum here")
    a, b = tmp_path / "ha.cf", tmp_path / "authkeys"
    a.write_text("node a\n")
    b.write_text("auth 1\n1 sha1 x\n")
    r = subprocess.run(["sha256sum", str(a), str(b)], capture_output=True, text=True, check=False)
    res = Result(r.returncode, r.stdout, r.stderr)
    good = (sha256_hex("node a\n"), sha256_hex("auth 1\n1 sha1 x\n"))
    assert conditions().evaluate("sha256", res, good).ok
    v = conditions().evaluate("sha256", res, (good[0], sha256_hex("something else")))
    assert not v.ok and str(b) in v.state and str(a) not in v.state
    missing = subprocess.run(["sha256sum", str(tmp_path / "gone")], capture_output=True, text=True, check=False)
    v = conditions().evaluate("sha256", Result(missing.returncode, missing.stdout, missing.stderr), (good[0],))
    assert not v.ok and "No such file" in v.state


def test_heartbeat_step_writes_the_three_files() -> None:
    ctx = context("lab", "8.4")
    step = heartbeat_files_step(ctx, "node2")
    writes = [a for a in step.actions if isinstance(a, WriteFile)]
    assert writes == heartbeat_render.heartbeat_files(ctx, "node2")
    assert [w.path for w in writes if w.secret] == ["/etc/ha.d/authkeys"]
