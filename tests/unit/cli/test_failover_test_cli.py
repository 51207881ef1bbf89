"""`ha-wizard failover-test` needs consent naming the node that gives the service up: headless, without
`--confirm NODE`, it stops before anything moves (exit 5, the token in the sentence, no traceback); with it,
the drill goes on. The pair is stubbed at its roles (node1 serves, in sync); the arming fails on purpose,
which shows the drill got past the consent."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers.nodes import FakeExecutor

from wizard.cli.main import main
from wizard.core.conditions import GENERIC, Conditions
from wizard.executors.base import Result
from wizard.failover.drill import Drill
from wizard.failover.stack import Stack, Target


@pytest.fixture
def drill(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[Drill]:
    made: list[Drill] = []

    def open_drill(answers: str, options: object, say: object) -> Drill:
        execs = {n: FakeExecutor(n, lambda argv: Result(1, "", "no python3 here")) for n in ("node1", "node2")}
        stack = Stack(name="Fake", log="/dev/null", detect="dead", standby_argv=("true",), probe=("true",),
                      active=("exit-zero", ()), standby=("exit-zero", ()))
        d = Drill(executors=execs, preferred="node1", addresses={"node1": "127.0.0.1", "node2": "127.0.0.1"},  # type: ignore[arg-type]
                  here="node1", target=Target(0, "/dev/drbd0", "/replicated", "127.0.0.100", "8.4", "r0"),
                  stack=stack, conditions=Conditions(GENERIC), state_dir=str(tmp_path), say=say)  # type: ignore[arg-type]
        made.append(d)
        return d

    monkeypatch.setattr("wizard.flow.drill.open_drill", open_drill)
    monkeypatch.setattr(Drill, "roles", lambda self: ("node1", "node2"))
    monkeypatch.setattr(Drill, "_synced", lambda self, node: None)
    return made


@pytest.mark.parametrize(("mode", "src"), [("--graceful", "node1"), ("--hard", "node1"), ("--back", "node2")])
def test_without_confirm_nothing_moves(drill: list[Drill], mode: str, src: str, monkeypatch: pytest.MonkeyPatch,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    # a failback is asked of node2, serving away from the master
    monkeypatch.setattr(Drill, "roles", lambda self: (src, "node2" if src == "node1" else "node1"))
    rc = main(["failover-test", mode, "--yes", "--answers", "x.toml"])
    err = capsys.readouterr().err
    assert rc == 5, err
    assert f"not confirmed: the {mode[2:]} drill takes the disk, the service address 127.0.0.100 and the " \
           f"services away from {src}" in err
    assert f"pass --confirm {src} when running headless" in err and "Traceback" not in err
    assert all(c == ["true"] for d in drill for ex in d.executors.values() for c in ex.calls)  # only probes


def test_the_wrong_node_is_no_consent(drill: list[Drill], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["failover-test", "--graceful", "--confirm", "node2", "--answers", "x.toml"]) == 5
    assert "pass --confirm node1" in capsys.readouterr().err


def test_the_serving_nodes_name_lets_the_drill_go_on(drill: list[Drill], capsys: pytest.CaptureFixture[str]) -> None:
    rc = main(["failover-test", "--graceful", "--confirm", "node1", "--answers", "x.toml"])
    out, err = capsys.readouterr()
    assert "confirmed by --confirm node1: the graceful drill takes the disk" in out
    assert rc == 1 and "could not start the watcher on node2" in err  # past the consent: the arming was tried


def test_result_needs_no_consent(drill: list[Drill], capsys: pytest.CaptureFixture[str]) -> None:
    rc = main(["failover-test", "--result", "--answers", "x.toml"])
    err = capsys.readouterr().err
    assert rc == 1 and "no drill recorded" in err and "confirm" not in err
