"""The journal: each step's outcome, on the master, written atomically.

It holds no secret: only step ids, hosts, outcomes, times and hashes. Resume never trusts it alone; the
engine re-checks the real state of the hosts before it skips a step (see ``engine``).
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

JOURNAL_FILE = "journal.json"
# The steps that decide whose data is the good copy: their node is named after the "@".
GOOD_DATA_STEPS = ("promote@", "skip-sync@")


@dataclass
class StepRecord:
    status: str  # done | failed | skipped | not-implemented | started
    host: str
    digest: str  # hash of the step's actions: a changed answers file changes it
    at: float
    detail: str = ""


@dataclass
class Journal:
    path: Path
    answers: str = ""
    answers_digest: str = ""
    facts: dict[str, Any] = field(default_factory=dict)  # e.g. which node holds the good data
    steps: dict[str, StepRecord] = field(default_factory=dict)

    @classmethod
    def open(cls, directory: str | Path) -> Journal:
        path = Path(directory) / JOURNAL_FILE
        j = cls(path=path)
        try:
            raw = json.loads(path.read_text())
        except FileNotFoundError:
            return j
        except (json.JSONDecodeError, OSError) as e:
            from wizard.errors import WizardError

            raise WizardError(
                f"the journal {path} is unreadable ({e}): move it away to start over, "
                "the hosts' real state is checked again either way"
            ) from None
        j.answers = raw.get("answers", "")
        j.answers_digest = raw.get("answers_digest", "")
        j.facts = dict(raw.get("facts", {}))
        j.steps = {k: StepRecord(**v) for k, v in raw.get("steps", {}).items()}
        return j

    @property
    def exists(self) -> bool:
        return self.path.exists()

    def record(self, step_id: str, status: str, host: str, digest: str, detail: str = "") -> None:
        self.steps[step_id] = StepRecord(status, host, digest, time.time(), detail)
        # Saved with the step itself: a run killed right after the forced promote still knows whose data won.
        if status == "done" and step_id.startswith(GOOD_DATA_STEPS) and "good_data_node" not in self.facts:
            self.facts["good_data_node"] = step_id.split("@", 1)[1]
        self.save()

    @property
    def good_data_node(self) -> str | None:
        """The node whose data won the first forced promote (or the blank-disk skip-sync)."""
        if "good_data_node" in self.facts:
            return str(self.facts["good_data_node"])
        return next((sid.split("@", 1)[1] for sid, rec in self.steps.items()
                     if sid.startswith(GOOD_DATA_STEPS) and rec.status == "done"), None)

    def done(self, step_id: str) -> bool:
        r = self.steps.get(step_id)
        return r is not None and r.status == "done"

    def last_stop(self) -> tuple[str, StepRecord] | None:
        """The step where the previous run stopped (failed, or the newest record)."""
        if not self.steps:
            return None
        sid, rec = max(self.steps.items(), key=lambda kv: kv[1].at)
        return sid, rec

    def save(self) -> None:
        """Temp file, fsync, rename, fsync the directory: a crash leaves the old or the new journal."""
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        data = {
            "version": 1,
            "answers": self.answers,
            "answers_digest": self.answers_digest,
            "facts": self.facts,
            "steps": {k: vars(v) for k, v in self.steps.items()},
        }
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            os.write(fd, (json.dumps(data, indent=2, sort_keys=True) + "\n").encode())
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, self.path)
        dfd = os.open(self.path.parent, os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)
