"""What doctor reports: a finding (✗ problem, ! warning, ✓ fine) with its evidence, why it matters and the fix."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

Status = Literal["fail", "warn", "ok"]
MARKS: dict[str, str] = {"fail": "✗", "warn": "!", "ok": "✓"}
# The families, in the order they are shown: whether both nodes were read, then config before state.
FAMILIES = ("Pair", "DRBD config", "DRBD state", "Heartbeat", "Pacemaker", "Services", "Boot and mounts")


@dataclass(frozen=True)
class Finding:
    family: str
    status: Status
    key: str  # stable id for scripts and tests: "drbd.hostname", "heartbeat.authkeys-mode" ...
    title: str  # what was found, one sentence
    evidence: tuple[str, ...] = ()  # "node1:/etc/drbd.d/r0.res:5: on nodel {", "node2$ uname -n: node2"
    why: str = ""  # why it matters (problems and warnings)
    fix: str = ""  # a command, or what to change (problems and warnings)
    node: str = ""  # the node it is about; "" for the pair

    def to_json(self) -> dict[str, Any]:
        return {"family": self.family, "status": self.status, "mark": MARKS[self.status], "key": self.key,
                "title": self.title, "evidence": list(self.evidence), "why": self.why, "fix": self.fix,
                "node": self.node}


@dataclass(frozen=True)
class Family:
    """Makes the findings of one check family: ``Family("Heartbeat", "heartbeat")("fail", "running", ...)``."""

    name: str
    prefix: str  # of the keys: "heartbeat" -> "heartbeat.running"

    def __call__(self, status: Status, key: str, title: str, evidence: Sequence[str], why: str, fix: str,
                 node: str = "") -> Finding:
        return Finding(self.name, status, f"{self.prefix}.{key}", title, tuple(evidence), why, fix, node)


def ok(family: str, key: str, title: str, *evidence: str, node: str = "") -> Finding:
    return Finding(family, "ok", key, title, tuple(evidence), node=node)


def exit_code(findings: Sequence[Finding]) -> int:
    """0 when every finding is ✓, 1 when there is a ✗ or a !."""
    return 1 if any(f.status != "ok" for f in findings) else 0


def counts(findings: Sequence[Finding]) -> dict[str, int]:
    return {s: sum(1 for f in findings if f.status == s) for s in MARKS}
