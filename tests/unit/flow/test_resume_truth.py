"""Resume tells the truth: it says whether the answers or the hosts changed since the last run, and lists as
"done again" only the steps the engine will really run (not those the hosts prove in place)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from helpers.nodes import FakeExecutor, both, lab_spec

from wizard.core.actions import Step, WriteFile
from wizard.core.engine import Engine, step_digest
from wizard.core.journal import Journal
from wizard.core.plan import PlanContext
from wizard.core.secrets import Redactor, Secrets
from wizard.executors.base import Result
from wizard.flow import registry
from wizard.flow.runner import changes
from wizard.flow.tutorial import build_plan
from wizard.nodes.facts import Signatures

SECRETS = Secrets("s" * 32, "k" * 32)


def _step(sid: str, content: str) -> Step:
    return Step(sid, "t", sid, "node1", (WriteFile(f"/etc/{sid}", content),))


def _journal(tmp_path: Path, steps: list[Step], answers_digest: str) -> Journal:
    j = Journal.open(tmp_path)
    j.answers_digest = answers_digest
    for s in steps:
        j.record(s.id, "done", s.host, step_digest(s))
    return j


def test_nothing_changed_says_nothing(tmp_path: Path) -> None:
    steps = [_step("a", "1"), _step("b", "2")]
    p = changes(steps, _journal(tmp_path, steps, "d1"), "d1", lambda s: False)
    assert (p.changed, p.in_place, p.change_note()) == ([], [], "")


def test_changed_answers_list_only_steps_that_will_run(tmp_path: Path) -> None:
    j = _journal(tmp_path, [_step("a", "1"), _step("b", "2"), _step("c", "3")], "d1")
    now = [_step("a", "1"), _step("b", "22"), _step("c", "33")]
    p = changes(now, j, "d2", lambda s: s.id == "c")
    assert p.answers_changed and not p.hosts_changed
    assert (p.changed, p.in_place) == (["b"], ["c"])
    assert p.change_note() == ("The answers changed since the last run; these steps will be done again: b "
                               "(already in place on the hosts, so skipped: c).")


def test_same_answers_different_actions_means_the_hosts_changed(tmp_path: Path) -> None:
    j = _journal(tmp_path, [_step("a", "1")], "d1")
    p = changes([_step("a", "2")], j, "d1", lambda s: False)
    assert p.hosts_changed and not p.answers_changed
    assert p.change_note() == ("The hosts changed since the last run (the answers did not); these steps will be "
                               "done again: a.")


def test_peer_outage_create_md_metadata_appeared(tmp_path: Path) -> None:
    """The issue's case: bravo (node2) was powered off mid-apply and came back; its disk now holds the
    metadata create-md wrote, so the step's prompts (planned from the disk's facts) differ. Resume must
    blame the hosts, not the answers, and must not announce create-md@node2 as done again: the engine
    proves it in place and skips it."""
    spec = lab_spec()
    before = build_plan(PlanContext(spec=spec, secrets=SECRETS, drbd_family="8.4", facts=dict(both())))
    j = _journal(tmp_path, before, spec.digest())
    facts = both()
    facts["node2"] = dataclasses.replace(facts["node2"], signatures={"/dev/vdb1": Signatures(("drbd",), True)})
    ctx = PlanContext(spec=spec, secrets=SECRETS, drbd_family="8.4", facts=dict(facts))
    after = build_plan(ctx)
    assert [s.id for s in after if step_digest(s) != j.steps[s.id].digest] == ["create-md@node2"]

    # node2's md probe: r0 runs attached on its disk (0: ... ds:UpToDate): metadata exists by definition
    attached = Result(0, "@@ha-wizard:state\nversion: 8.4.11\n 0: cs:Connected ro:Secondary/Secondary "
                         "ds:UpToDate/UpToDate C r-----\n@@ha-wizard:magic\n@@ha-wizard:marker\n")
    executors = {"node1": FakeExecutor("node1"), "node2": FakeExecutor("node2", lambda argv: attached)}
    engine = Engine(executors, j, redactor=Redactor(), confirm=lambda c, h: False,
                    conditions=registry.conditions())
    p = changes(after, j, spec.digest(), lambda s: engine.is_done(s, executors[s.host]))
    assert (p.answers_changed, p.hosts_changed, p.changed, p.in_place) == (False, True, [], ["create-md@node2"])
    note = p.change_note()
    assert note.startswith("The hosts changed since the last run (the answers did not)")
    assert "done again: create-md" not in note and "nothing needs doing again" in note

    # the same, with the peer's disk not (yet) proving it: then it really runs again, and says so
    blank = {"node1": FakeExecutor("node1"), "node2": FakeExecutor("node2", lambda argv: Result(0, ""))}
    engine = Engine(blank, j, redactor=Redactor(), confirm=lambda c, h: False, conditions=registry.conditions())
    p = changes(after, j, spec.digest(), lambda s: engine.is_done(s, blank[s.host]))
    assert p.changed == ["create-md@node2"] and "done again: create-md@node2" in p.change_note()
