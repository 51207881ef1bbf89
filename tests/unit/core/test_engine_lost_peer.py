"""A peer lost in the middle of a step: the engine records the step failed and raises one sentence naming
the step and the host (the SSH tier does the same against a real sshd)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest
from helpers.nodes import FakeExecutor

from wizard.core.actions import MakeDir, Step, WriteFile
from wizard.core.engine import Engine
from wizard.core.events import EventBus, StepFinished
from wizard.core.journal import Journal
from wizard.core.secrets import Redactor
from wizard.errors import UnreachableError
from wizard.executors.base import Result


def test_lost_connection_mid_step_is_recorded_and_named(tmp_path: Path) -> None:
    def answer(argv: Sequence[str]) -> Result:
        if argv[:2] == ["sh", "-c"] and "ha-wizard-tmp" in argv[2]:  # the upload
            raise UnreachableError("lost the SSH connection to bravo (Connection closed by remote host): "
                                   "check the network, then run `ha-wizard resume`")
        return Result(0 if argv[0] == "mkdir" else 1, "")  # mkdir works; nothing is there yet

    ex = FakeExecutor("bravo", answer)
    journal = Journal.open(tmp_path)
    finished: list[StepFinished] = []
    bus = EventBus()
    bus.subscribe(lambda ev: finished.append(ev) if isinstance(ev, StepFinished) else None)
    engine = Engine({"bravo": ex}, journal, redactor=Redactor(["s3cret-s3cret-s3cret"]),
                    confirm=lambda c, h: False, bus=bus)
    steps = [Step("dir@bravo", "t", "a folder", "bravo", (MakeDir("/etc/x"),)),
             Step("conf@bravo", "t", "the DRBD resource", "bravo",
                  (WriteFile("/etc/x/r0.res", "s3cret-s3cret-s3cret"),)),
             Step("never@bravo", "t", "never reached", "bravo", (MakeDir("/etc/y"),))]
    with pytest.raises(UnreachableError) as e:
        engine.run(steps)
    msg = str(e.value)
    assert msg.startswith("the DRBD resource on bravo: lost the SSH connection to bravo") and "resume" in msg
    assert e.value.exit_code == 3 and "\n" not in msg
    assert journal.steps["conf@bravo"].status == "failed" and "never@bravo" not in journal.steps
    assert [(f.step_id, f.status) for f in finished] == [("dir@bravo", "done"), ("conf@bravo", "failed")]
