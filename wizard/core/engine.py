"""Carrying out a plan: actions on executors, events for the UI, outcomes in the journal.

On resume (and on any re-run) a step is skipped only when the real hosts prove it done: its files hold
the planned content, its checks pass. The journal alone never decides, so a stale or wrong journal cannot
make the wizard skip work that is not there.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from wizard.core.actions import (
    Action,
    Confirm,
    EditBlock,
    MakeDir,
    NotImplementedYet,
    Prompt,
    Run,
    Step,
    Symlink,
    WaitFor,
    WriteFile,
    diff,
    new_content,
)
from wizard.core.conditions import GENERIC, Conditions
from wizard.core.events import EventBus, Output, StepFinished, StepStarted, WaitProgress
from wizard.core.journal import Journal
from wizard.core.secrets import Redactor
from wizard.errors import ConfirmationRequired, StepFailed, UnreachableError
from wizard.executors.base import Executor

# Asked for every destructive action; returns True when the admin typed the token (or passed --confirm).
Confirmer = Callable[[Confirm, str], bool]
# Diagnoses a failed wait from its last probe (DRBD: wrong address, port blocked, split-brain ...).
Diagnoser = Callable[[WaitFor, Executor, str], str]


def step_digest(step: Step) -> str:
    """A hash of what a step does. Secrets change it too, but only as a hash, never in clear."""
    blob = json.dumps([step.host, [repr(a) for a in step.actions]], sort_keys=True).encode()
    return hashlib.sha256(blob).hexdigest()[:16]


@dataclass
class RunSummary:
    done: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    not_implemented: list[str] = field(default_factory=list)


class Engine:
    def __init__(self, executors: dict[str, Executor], journal: Journal, *, redactor: Redactor,
                 confirm: Confirmer, bus: EventBus | None = None,
                 diagnose: Diagnoser | None = None, stamp: str | None = None,
                 conditions: Conditions | None = None) -> None:
        self.executors = executors
        self.journal = journal
        self.redact = redactor
        self.confirm = confirm
        self.bus = bus or EventBus()
        self.diagnose = diagnose
        self.stamp = stamp or time.strftime("%Y%m%d-%H%M%S")
        # Which named conditions waits and checks can use (``wizard.flow.registry.conditions()`` gives every
        # part's); without one, only the generic conditions of the core.
        self.conditions = conditions or Conditions(GENERIC)
        self._granted: set[tuple[str, str]] = set()

    # --- the loop -------------------------------------------------------------------------------
    def run(self, steps: Sequence[Step]) -> RunSummary:
        summary = RunSummary()
        for step in steps:
            ex = self.executors[step.host]
            digest = step_digest(step)
            self.bus.publish(StepStarted(step.id, step.title, step.host))
            if not step.implemented:
                what = "; ".join(a.what for a in step.actions if isinstance(a, NotImplementedYet))
                self.journal.record(step.id, "not-implemented", step.host, digest, what)
                self.bus.publish(StepFinished(step.id, "not-implemented", what))
                summary.not_implemented.append(step.id)
                continue
            ex.begin_step()
            try:
                if self.is_done(step, ex):
                    self.journal.record(step.id, "done", step.host, digest, "already in place")
                    self.bus.publish(StepFinished(step.id, "skipped", "already in place on the host"))
                    summary.skipped.append(step.id)
                    continue
                self.journal.record(step.id, "started", step.host, digest)
                for action in step.actions:
                    self.execute(step, action, ex)
            except UnreachableError as e:
                # the peer went away mid-step (sshd killed, link down, host powered off): the step is left
                # for resume, which proves on the host what was done before it does anything again
                msg = self.redact(f"{step.title} on {step.host}: {e}")
                self.journal.record(step.id, "failed", step.host, digest, msg)
                self.bus.publish(StepFinished(step.id, "failed", msg))
                raise UnreachableError(msg) from None
            except StepFailed as e:
                self.journal.record(step.id, "failed", step.host, digest, self.redact(str(e)))
                self.bus.publish(StepFinished(step.id, "failed", self.redact(str(e))))
                raise
            except ConfirmationRequired as e:
                self.journal.record(step.id, "failed", step.host, digest, str(e))
                self.bus.publish(StepFinished(step.id, "failed", str(e)))
                raise
            except OSError as e:
                msg = self.redact(str(e))
                self.journal.record(step.id, "failed", step.host, digest, msg)
                self.bus.publish(StepFinished(step.id, "failed", msg))
                raise StepFailed(f"{step.title} on {step.host}: {msg}") from None
            finally:
                ex.end_step()
            self.journal.record(step.id, "done", step.host, digest)
            self.bus.publish(StepFinished(step.id, "done"))
            summary.done.append(step.id)
        return summary

    # --- proving a step done on the real host ----------------------------------------------------
    def is_done(self, step: Step, ex: Executor) -> bool:
        """True only when the host proves it. Steps that run commands need explicit checks."""
        runs = [a for a in step.actions if isinstance(a, Run | WaitFor)]
        if runs and not step.checks:
            return False
        for chk in step.checks:
            if not self.conditions.evaluate(chk.until, ex.probe(list(chk.probe)), chk.args).ok:
                return False
        for a in step.actions:
            if isinstance(a, WriteFile | EditBlock):
                existing = ex.read_file(a.path)
                if existing is None or existing != new_content(a, existing):
                    return False
                if isinstance(a, WriteFile) and ex.file_mode(a.path) != a.mode:
                    return False
            elif isinstance(a, MakeDir) and not ex.is_dir(a.path):
                return False
            elif isinstance(a, Symlink) and ex.readlink(a.path) != a.target:
                return False
        return True

    # --- one action ------------------------------------------------------------------------------
    def execute(self, step: Step, action: Action, ex: Executor) -> None:
        if isinstance(action, Run):
            self._run(step, action, ex)
        elif isinstance(action, WriteFile | EditBlock):
            self._write(step, action, ex)
        elif isinstance(action, MakeDir):
            if not ex.is_dir(action.path):
                ex.make_dir(action.path, action.mode)
        elif isinstance(action, Symlink):
            if ex.readlink(action.path) != action.target:
                ex.symlink(action.path, action.target)
        elif isinstance(action, WaitFor):
            self._wait(step, action, ex)
        else:
            raise TypeError(f"cannot execute {action!r}")

    def _say(self, step: Step, text: str) -> None:
        self.bus.publish(Output(step.id, step.host, self.redact(text)))

    def _require(self, c: Confirm, step: Step) -> bool:
        # One consent per device and step: the pre-check and the tool's own prompt ask the same thing.
        key = (step.id, c.token)
        if key in self._granted:
            return True
        ok = self.confirm(c, step.host)
        if ok:
            self._granted.add(key)
        return ok

    def _run(self, step: Step, action: Run, ex: Executor) -> None:
        if action.confirm and not self._require(action.confirm, step):
            raise ConfirmationRequired(
                f"not confirmed: {action.confirm.message}. Type '{action.confirm.token}' when asked, or "
                f"pass --confirm {action.confirm.token} when running headless")
        self._say(step, f"$ {action.display()}")
        env = dict(action.env) or None
        if action.prompts:
            refused: list[Confirm] = []

            def answer(p: Prompt) -> str:
                if p.confirm is not None and not self._require(p.confirm, step):
                    refused.append(p.confirm)
                    return p.refuse
                return p.answer

            r = ex.run_prompted(action.argv, action.prompts, answer=answer, timeout=action.timeout,
                                on_output=lambda t: self._say(step, t), env=env)
            if refused and r.rc not in action.ok_codes:
                c = refused[0]
                raise ConfirmationRequired(
                    f"not confirmed: {c.message}. Type '{c.token}' when asked, or pass --confirm {c.token} "
                    "when running headless")
        else:
            r = ex.run(action.argv, input=action.input, timeout=action.timeout, env=env)
            if r.text.strip():
                self._say(step, r.text.rstrip())
        if r.rc not in action.ok_codes:
            explained = dict(action.explain).get(r.rc, "")
            tail = "\n".join(self.redact(r.text).strip().splitlines()[-12:])
            raise StepFailed(
                f"{step.title} on {step.host}: `{self.redact(action.display())}` exited {r.rc}."
                + (f" {explained}" if explained else " Fix the cause shown below, then run `ha-wizard resume`.")
                + (f"\n{tail}" if tail else ""))

    def _write(self, step: Step, action: WriteFile | EditBlock, ex: Executor) -> None:
        existing = ex.read_file(action.path)
        planned = new_content(action, existing)
        mode = action.mode
        secret = isinstance(action, WriteFile) and action.secret
        if existing == planned and (not isinstance(action, WriteFile) or ex.file_mode(action.path) == mode):
            self._say(step, f"{action.path}: already as planned")
            return
        if existing is not None:
            if not secret:
                self._say(step, "\n".join(diff(existing, planned, action.path)))
            backup = ex.backup(action.path, self.stamp)
            self._say(step, f"{action.path}: previous version kept as {backup}")
        owner = (action.owner, action.group) if isinstance(action, WriteFile) else ("root", "root")
        ex.write_file(action.path, planned, mode=mode, owner=owner[0], group=owner[1])
        self._say(step, f"wrote {action.path} (mode {mode:o})")

    def _wait(self, step: Step, action: WaitFor, ex: Executor) -> None:
        start = time.monotonic()
        last = ""
        while True:
            r = ex.probe(list(action.probe))
            v = self.conditions.evaluate(action.until, r, action.args)
            elapsed = time.monotonic() - start
            last = r.text
            self.bus.publish(WaitProgress(step.id, step.host, action.what or action.until, elapsed,
                                          action.timeout, v.percent, v.speed_bytes_s, v.eta_s, v.state))
            if v.ok:
                return
            if v.fatal or elapsed >= action.timeout:
                why = v.fatal or f"still '{v.state}' after {action.timeout:.0f} s"
                hint = self.diagnose(action, ex, last) if self.diagnose else ""
                raise StepFailed(f"{step.title} on {step.host}: {action.what or action.until}: {why}."
                                 + (f" {hint}" if hint else " Run `ha-wizard resume` once it is fixed."))
            time.sleep(action.interval)
