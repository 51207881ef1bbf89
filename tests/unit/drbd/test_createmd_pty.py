"""create-md prompt flows through the real pty runner (pexpect) and the real engine, against a script that
prints drbdmeta's exact texts and reads its answers from its own terminal."""

from __future__ import annotations

import pytest
from drbd_helpers import FAKE_DRBDMETA, Harness

from wizard.core.actions import Run, Step
from wizard.drbd import createmd
from wizard.errors import ConfirmationRequired, StepFailed

NODE, DISK = "node2", "/dev/vdb1"
TOKEN = "node2:/dev/vdb1"


def step(scenario: str, env: tuple[tuple[str, str], ...] = ()) -> Step:
    return Step(id=f"create-md@{NODE}", kind="create-md", title="DRBD metadata", host=NODE, actions=(
        Run(("sh", str(FAKE_DRBDMETA), scenario), prompts=createmd.prompts(NODE, DISK), env=env,
            explain=createmd.explanations(NODE, DISK), timeout=20),))


def test_fresh_disk_asks_nothing(harness: Harness) -> None:
    harness.run(step("fresh"))
    assert harness.asked == []
    assert any("successfully created" in o for o in harness.outputs)


@pytest.mark.parametrize("scenario", ["existing-md", "ext3-room", "random-data"])
def test_data_or_metadata_needs_the_typed_node_and_disk(harness: Harness, scenario: str) -> None:
    harness.run(step(scenario))
    assert [c.token for c in harness.asked] == [TOKEN]
    assert createmd.outcome(0, "".join(harness.outputs)).kind == "created"


@pytest.mark.parametrize("scenario,spelling", [("existing-md", "cancelled"), ("ext3-room", "canceled"),
                                               ("random-data", "canceled")])
def test_refused_confirmation_stops_and_names_the_token(harness: Harness, scenario: str, spelling: str) -> None:
    harness.yes = lambda c: False
    with pytest.raises(ConfirmationRequired) as e:
        harness.run(step(scenario))
    assert TOKEN in str(e.value) and "--confirm" in str(e.value)
    text = "".join(harness.outputs)
    assert f"Operation {spelling}." in text
    assert createmd.outcome(1, text).kind == "cancelled"


def test_exit_40_is_explained_with_three_ways_out(harness: Harness) -> None:
    with pytest.raises(StepFailed) as e:
        harness.run(step("ext3-full"))
    msg = str(e.value)
    assert "exited 40" in msg and "external metadata" in msg and "shrink the filesystem" in msg
    assert "wipe the partition" in msg and "wipefs -a /dev/vdb1" in msg
    assert harness.asked == []  # nothing to confirm: drbdmeta refuses by itself
    assert createmd.outcome(40, msg).kind == "refused"


def test_convert_is_refused_then_replacing_is_confirmed(harness: Harness) -> None:
    harness.run(step("convert"))
    assert [c.token for c in harness.asked] == [TOKEN]
    text = "".join(harness.outputs)
    assert "Converting" not in text and "successfully created" in text


def test_unknown_question_is_answered_no_without_asking(harness: Harness) -> None:
    with pytest.raises(StepFailed) as e:
        harness.run(step("unknown-question"))
    assert harness.asked == []
    assert "exited 1" in str(e.value) and "always refused" in str(e.value)


@pytest.mark.parametrize("spell,cancel", [("sucessfully", "canceled"), ("successfully", "cancelled")])
def test_both_spellings(harness: Harness, spell: str, cancel: str) -> None:
    harness.run(step("existing-md", env=(("SPELL", spell),)))
    assert createmd.outcome(0, "".join(harness.outputs)).kind == "created"
    assert createmd.outcome(1, f"Operation {cancel}.\n").kind == "cancelled"


def test_each_known_question_is_matched_once(harness: Harness) -> None:
    """The question patterns include the bracket line, so the catch-all never answers a second time."""
    harness.run(step("existing-md"))
    assert len(harness.asked) == 1
    assert "".join(harness.outputs).count("[need to type 'yes' to confirm]") == 1


def test_prompt_texts_are_the_captured_ones() -> None:
    capture = (FAKE_DRBDMETA.parents[2] / "data" / "captures" / "createmd-prompts-tty.txt").read_text()
    for p in createmd.prompts(NODE, DISK):
        question = p.expect.split("\r\n")[0]
        if p.confirm and "newly initialized" not in question and "overwrite?" not in question:
            assert f"{question}\n[need to type 'yes' to confirm]" in capture, question
