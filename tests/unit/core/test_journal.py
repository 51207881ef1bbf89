"""The journal: atomic, secret-free, and never the only proof that a step is done."""

from __future__ import annotations

import json
from pathlib import Path

from wizard.core.actions import Check, MakeDir, Run, Step, WriteFile
from wizard.core.engine import Engine, step_digest
from wizard.core.events import EventBus, StepFinished
from wizard.core.journal import Journal
from wizard.core.secrets import Redactor
from wizard.executors.local import LocalExecutor


def test_save_is_atomic_and_reloads(tmp_path: Path) -> None:
    j = Journal.open(tmp_path)
    j.answers = "/x.toml"
    j.record("hosts@a", "done", "a", "abc")
    again = Journal.open(tmp_path)
    assert again.done("hosts@a") and again.answers == "/x.toml"
    assert [p.name for p in tmp_path.iterdir()] == ["journal.json"]  # no temp file left behind
    assert (tmp_path / "journal.json").stat().st_mode & 0o777 == 0o600


def _engine(tmp_path: Path, events: list[object]) -> Engine:
    bus = EventBus()
    bus.subscribe(events.append)
    return Engine({"n": LocalExecutor("n")}, Journal.open(tmp_path / "j"), redactor=Redactor(["topsecret-1"]),
                  confirm=lambda c, h: False, bus=bus)


def test_a_wrong_journal_cannot_skip_a_step(tmp_path: Path) -> None:
    f = tmp_path / "f.conf"
    step = Step("s", "t", "write", "n", (MakeDir(str(tmp_path / "d")), WriteFile(str(f), "x = 1\n")))
    j = Journal.open(tmp_path / "j")
    j.record("s", "done", "n", step_digest(step))  # the journal claims it, the host disagrees
    events: list[object] = []
    _engine(tmp_path, events).run([step])
    assert f.read_text() == "x = 1\n"
    assert StepFinished("s", "done") in events


def test_replaced_file_is_backed_up_and_diffed(tmp_path: Path) -> None:
    f = tmp_path / "hosts"
    f.write_text("old\n")
    events: list[object] = []
    _engine(tmp_path, events).run([Step("s", "t", "write", "n", (WriteFile(str(f), "new\n"),))])
    backups = list(tmp_path.glob("hosts.ha-wizard-*.bak"))
    assert len(backups) == 1 and backups[0].read_text() == "old\n"
    assert any("-old" in getattr(e, "text", "") and "+new" in getattr(e, "text", "") for e in events)


def test_secrets_never_reach_journal_or_events(tmp_path: Path) -> None:
    f = tmp_path / "authkeys"
    f.write_text("auth 1\n1 sha1 oldsecret\n")
    step = Step("s", "t", "authkeys", "n", (
        WriteFile(str(f), "auth 1\n1 sha1 topsecret-1\n", mode=0o600, secret=True),
        Run(("sh", "-c", "echo topsecret-1; exit 1")),
    ))
    events: list[object] = []
    try:
        _engine(tmp_path, events).run([step])
    except Exception as e:  # noqa: BLE001 - the failure is expected; its text must be redacted too
        assert "topsecret-1" not in str(e)
    assert f.stat().st_mode & 0o777 == 0o600
    assert "topsecret-1" not in (tmp_path / "j" / "journal.json").read_text()
    assert all("topsecret-1" not in repr(e) for e in events)


def test_checks_decide_skips(tmp_path: Path) -> None:
    marker = tmp_path / "m"
    marker.write_text("ready\n")
    step = Step("r", "t", "run", "n", (Run(("sh", "-c", f"echo again >> {marker}")),),
                checks=(Check(("cat", str(marker)), "output-contains", ("ready",)),))
    events: list[object] = []
    _engine(tmp_path, events).run([step])
    assert marker.read_text() == "ready\n"  # not run: the host proves it done
    data = json.loads((tmp_path / "j" / "journal.json").read_text())
    assert data["steps"]["r"]["status"] == "done"


def test_the_forced_promote_names_the_good_data_node_as_it_is_recorded(tmp_path: Path) -> None:
    j = Journal.open(tmp_path)
    j.record("wait-connected", "done", "node1", "d")
    assert j.good_data_node is None and "good_data_node" not in j.facts
    j.record("promote@node1", "failed", "node1", "d")
    assert j.good_data_node is None
    j.record("promote@node1", "done", "node1", "d")
    # on disk at once: a run killed right after the promote still knows whose data won
    reopened = Journal.open(tmp_path)
    assert reopened.facts["good_data_node"] == "node1" and reopened.good_data_node == "node1"
    reopened.record("promote@node2", "done", "node2", "d")  # the first winner stays the winner
    assert Journal.open(tmp_path).good_data_node == "node1"


def test_skip_sync_also_names_the_good_data_node(tmp_path: Path) -> None:
    j = Journal.open(tmp_path)
    j.record("skip-sync@node2", "done", "node2", "d")
    assert Journal.open(tmp_path).good_data_node == "node2"
