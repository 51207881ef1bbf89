"""apply with packages to install: the install steps run first, then the facts are gathered again, the rest is
planned from them and the checks that need the packages' tools are made, before any other step runs. Without
packages to install, every check comes before the first change, as before."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from helpers.nodes import FakeExecutor, both, lab_spec, node_facts

from wizard.core.actions import Run, Step
from wizard.core.events import EventBus
from wizard.core.journal import Journal
from wizard.core.plan import PlanContext
from wizard.core.secrets import Secrets
from wizard.errors import StepFailed
from wizard.executors.base import Result
from wizard.flow import runner
from wizard.flow.runner import Prepared
from wizard.flow.session import Options, Session
from wizard.preflight.install import install_steps


def _session(tmp_path: Path, log: list[str], *, missing: bool, still_missing: bool = False) -> Session:
    spec = lab_spec()
    facts: dict[str, object] = dict(both())
    if missing:
        facts["node2"] = node_facts(2, packages={k: v for k, v in node_facts(2).packages.items() if k != "heartbeat"})

    def answer(node: str):  # type: ignore[no-untyped-def]
        def fn(argv: Sequence[str]) -> Result:
            log.append(f"{node}: {' '.join(argv[:4])}")
            return Result(0, "")
        return fn

    s = Session(spec, Secrets("s" * 32, "k" * 32), False, Options(journal_dir=str(tmp_path)),
                executors={n: FakeExecutor(n, answer(n)) for n in ("node1", "node2")},
                context=PlanContext(spec=spec, secrets=Secrets("s" * 32, "k" * 32), facts=facts))

    def plan() -> list[Step]:
        assert s.context is not None
        return [*install_steps(spec, s.context.facts), Step("hosts@node1", "hosts", "hosts", "node1",
                                                            (Run(("echo", "hosts")),)),
                Step("hosts@node2", "hosts", "hosts", "node2", (Run(("echo", "hosts")),))]

    def refresh() -> None:
        log.append("facts gathered again")
        assert s.context is not None
        s.context = dataclasses.replace(s.context, facts=dict(s.context.facts if still_missing else both()))
        s.refreshed = True

    s.plan = plan  # type: ignore[method-assign]
    s.refresh = refresh  # type: ignore[method-assign]
    return s


@pytest.fixture
def checks(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    log: list[str] = []
    monkeypatch.setattr(runner, "check_master_identity", lambda spec, ex: None)

    def ready(session: Session, steps: list[Step], *, on_nodes: bool) -> None:
        assert session.context is not None
        missing = node_facts(2).packages.keys() - session.context.facts["node2"].packages.keys()  # type: ignore[attr-defined]
        log.append(f"checks (each node's drbdadm: {on_nodes}; node2 misses {sorted(missing)}; "
                   f"steps {[s.id for s in steps]})")

    monkeypatch.setattr(runner, "_require_ready", ready)
    return log


def _apply(s: Session, tmp_path: Path) -> Any:
    prepared = Prepared(s.plan(), Journal.open(tmp_path), [])
    return runner.apply(s, prepared, confirm=lambda c, host: False, bus=EventBus())


def test_installs_run_first_then_the_checks_that_need_the_tools(tmp_path: Path, checks: list[str]) -> None:
    s = _session(tmp_path, checks, missing=True)
    summary = _apply(s, tmp_path)
    assert checks == [
        "checks (each node's drbdadm: False; node2 misses ['heartbeat']; steps ['hosts@node1', 'hosts@node2'])",
        "node2: dpkg-query -W -f ${Package}\\t${db:Status-Status}\\t${Version}\\n",  # is it done? not yet
        "node2: apt-get update", "node2: apt-get install -y heartbeat",
        "facts gathered again",
        "checks (each node's drbdadm: True; node2 misses []; steps ['hosts@node1', 'hosts@node2'])",
        "node1: echo hosts", "node2: echo hosts"]
    assert summary.done == ["install@node2", "hosts@node1", "hosts@node2"]


def test_without_installs_every_check_comes_before_any_change(tmp_path: Path, checks: list[str]) -> None:
    s = _session(tmp_path, checks, missing=False)
    _apply(s, tmp_path)
    assert checks == ["checks (each node's drbdadm: True; node2 misses []; steps ['hosts@node1', 'hosts@node2'])",
                      "node1: echo hosts", "node2: echo hosts"]


def test_a_package_still_missing_after_the_install_stops_the_run(tmp_path: Path, checks: list[str]) -> None:
    s = _session(tmp_path, checks, missing=True, still_missing=True)
    with pytest.raises(StepFailed, match="still not installed: heartbeat on node2. Install them by hand"):
        _apply(s, tmp_path)
    assert checks[-1] == "facts gathered again" and "node1: echo hosts" not in checks


def test_the_plan_starts_with_the_installs_master_first() -> None:
    from wizard.flow.tutorial import build_plan

    spec = lab_spec()
    facts: dict[str, object] = {"node1": node_facts(1, packages={}), "node2": node_facts(2, packages={
        "drbd-utils": "9.22.0-1"})}
    steps = build_plan(PlanContext(spec=spec, secrets=Secrets("s" * 32, "k" * 32), facts=facts))
    assert [(s.id, s.title) for s in steps[:2]] == [("install@node1", "install drbd-utils, heartbeat"),
                                                   ("install@node2", "install heartbeat")]
    assert all(s.kind != "install" for s in steps[2:]) and steps[2].kind == "hosts"
    facts["node2"] = node_facts(2)
    assert [s.id for s in build_plan(PlanContext(spec=spec, secrets=Secrets("s" * 32, "k" * 32), facts=facts))
            if s.kind == "install"] == ["install@node1"]


def test_heartbeats_agents_are_checked_after_the_install_that_brings_them() -> None:
    """drbddisk comes with drbd-utils: on a node that lacks both, the missing agent is a note until the
    install has run; installed and still missing, it stops apply (the takeover would stop there)."""
    from wizard.flow.configcheck import check_plan_files
    from wizard.flow.tutorial import build_plan

    spec = lab_spec()
    agents = ("/etc/ha.d/resource.d/drbddisk",)
    facts: dict[str, object] = {"node1": node_facts(1, ha_agents=agents),
                                "node2": node_facts(2, packages={"heartbeat": "1:3.0.6-13+b2"}, ha_agents=())}
    ctx = PlanContext(spec=spec, secrets=Secrets("s" * 32, "k" * 32), facts=facts)
    found = [p for p in check_plan_files(ctx, build_plan(ctx), run_drbdadm=False) if "agent" in p.message]
    assert [(p.node, p.fatal) for p in found] == [("node2", False)]
    assert "drbddisk" in found[0].message and found[0].message.endswith("(checked again once install@node2 has run)")
    facts["node2"] = node_facts(2, ha_agents=())  # installed, and still no agent
    ctx = PlanContext(spec=spec, secrets=Secrets("s" * 32, "k" * 32), facts=facts)
    found = [p for p in check_plan_files(ctx, build_plan(ctx), run_drbdadm=False) if "agent" in p.message]
    assert [(p.node, p.fatal) for p in found] == [("node2", True)]


def test_a_retry_after_the_installs_runs_the_steps_as_planned_since(tmp_path: Path, checks: list[str]) -> None:
    """The TUI retries from a failed step with the steps it was shown: after the installs, the session plans
    them again from the facts gathered since (the retry starts where it was asked to)."""
    s = _session(tmp_path, checks, missing=True)
    _apply(s, tmp_path)
    checks.clear()
    stale = [Step("hosts@node2", "hosts", "hosts (planned before the install)", "node2", (Run(("echo", "old")),))]
    runner.apply(s, Prepared(stale, Journal.open(tmp_path), []), confirm=lambda c, host: False, bus=EventBus())
    assert checks[-1] == "node2: echo hosts"
