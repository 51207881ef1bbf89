"""The plan from the tutorial's answers: the tutorial's 14 steps, in order, on the right hosts."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from wizard.core.actions import Run, WaitFor
from wizard.core.answers import load_answers
from wizard.core.plan import PlanContext
from wizard.core.secrets import Secrets
from wizard.flow.tutorial import build_plan

ROOT = Path(__file__).resolve().parents[3]
TUTORIAL = ROOT / "examples" / "tutorial.toml"
KNOWN = Secrets("known-shared-secret-0123456789abcdef", "known-authkey-0123456789abcdef")


def plan(family: str = "8.4"):  # type: ignore[no-untyped-def]
    spec, _ = load_answers(TUTORIAL)
    return build_plan(PlanContext(spec=spec, secrets=KNOWN, drbd_family=family))


def test_tutorial_order_and_hosts() -> None:
    kinds = []
    for s in plan():
        if not kinds or kinds[-1][0] != s.kind:
            kinds.append((s.kind, []))
        kinds[-1][1].append(s.host)
    assert [k for k, _ in kinds] == [
        "hosts", "mountpoint", "drbd-config", "create-md", "drbd-up", "wait-connected", "promote",
        "wait-sync", "mkfs", "mount", "services", "heartbeat-files", "drbd-boot", "heartbeat-start",
        "heartbeat-verify"]
    hosts = dict(kinds)
    for both in ("hosts", "mountpoint", "drbd-config", "create-md", "drbd-up", "heartbeat-files", "drbd-boot",
                 "heartbeat-start", "heartbeat-verify"):
        assert hosts[both] == ["server1", "server2"], both
    for master_only in ("promote", "mkfs", "mount", "wait-sync"):
        assert set(hosts[master_only]) == {"server1"}, master_only


def _argv(steps, kind):  # type: ignore[no-untyped-def]
    return [a.argv for s in steps if s.kind == kind for a in s.actions if isinstance(a, Run)]


def test_promote_syntax_follows_the_detected_version() -> None:
    assert any("--overwrite-data-of-peer" in argv for argv in _argv(plan("8.3"), "promote"))
    assert any(argv[:3] == ("drbdadm", "primary", "--force") for argv in _argv(plan("8.4"), "promote"))


def test_destructive_steps_need_a_typed_name() -> None:
    steps = {s.id: s for s in plan()}
    assert "server1" in [c.token for c in steps["promote@server1"].confirmations]
    assert "/dev/drbd0" in [c.token for c in steps["mkfs"].confirmations]
    assert not steps["primary@server1"].confirmations  # the plain, repeatable promote needs no consent


def test_sync_wait_reports_progress() -> None:
    waits = [a for s in plan() if s.kind == "wait-sync" for a in s.actions if isinstance(a, WaitFor)]
    assert waits and waits[0].progress and waits[0].interval <= 1.0


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "wizard", *args], capture_output=True, text=True, cwd=ROOT,
                          timeout=60)


def test_plan_command_shows_the_tutorial(tmp_path: Path) -> None:
    r = _cli("plan", "--answers", str(TUTORIAL), "--journal-dir", str(tmp_path))
    assert r.returncode == 0, r.stderr
    out = r.stdout
    for needle in ("[server1]", "[server2]", "192.168.1.5", "/replicated", "drbdadm create-md",
                   "primary --force", "not contacted"):
        assert needle in out, needle
    assert "heartbeat" in out.lower()
    assert not list(tmp_path.iterdir()), "plan must not write the journal or secrets"


def test_plan_json_is_parseable(tmp_path: Path) -> None:
    r = _cli("plan", "--answers", str(TUTORIAL), "--format", "json", "--offline", "--journal-dir", str(tmp_path))
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["master"] == "server1" and len(data["steps"]) >= 14
    assert {s["host"] for s in data["steps"]} == {"server1", "server2"}


def test_apply_refuses_the_demo_file(tmp_path: Path) -> None:
    r = _cli("apply", "--answers", str(TUTORIAL), "--yes", "--journal-dir", str(tmp_path))
    assert r.returncode != 0
    assert "demo" in r.stderr and "Traceback" not in r.stderr
    assert not list(tmp_path.iterdir())


def test_skip_initial_sync_replaces_the_forced_promote() -> None:
    import dataclasses

    spec, _ = load_answers(TUTORIAL)
    spec = dataclasses.replace(spec, drbd=dataclasses.replace(spec.drbd, skip_initial_sync=True))
    steps = build_plan(PlanContext(spec=spec, secrets=KNOWN, drbd_family="8.4"))
    ids = [s.id for s in steps]
    assert "promote@server1" not in ids
    assert ids.index("blank-proof@server1") < ids.index("skip-sync@server1") < ids.index("primary@server1")
    assert "blank-proof@server2" in ids
