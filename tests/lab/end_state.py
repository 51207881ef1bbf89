"""The tutorial's end state of an applied pair, checked from the nodes (issue 5): DRBD Connected and
UpToDate/UpToDate with node1 Primary, /replicated mounted on node1 only, every planned file byte for byte as
``ha-wizard render`` makes it, an honest summary; and the initial sync's progress as the wizard logged it.
Shared by the lab scenarios that apply: the kill + resume one (test_apply_lab.py) and the documented apply
that builds the failover scenarios' pair (test_failover_lab.py)."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from wizard.lab import Lab

from .wizard_on_node import (
    ANSWERS,
    NODES,
    RENDERED,
    WIZARD,
    drbd_line,
    fetch_tree,
    journal,
    mounts,
    not_implemented_in,
    on_both,
    plan_json,
    summary_line,
)

PRIMARY = "cs:Connected ro:Primary/Secondary ds:UpToDate/UpToDate"
SECONDARY = "cs:Connected ro:Secondary/Primary ds:UpToDate/UpToDate"


@dataclass
class Pair:
    lab: Lab
    fingerprint: str  # node2's host key, for --accept-host-key
    timing: Callable[..., None]
    plans: dict[str, dict[str, Any]] = field(default_factory=dict)  # answers path -> plan JSON
    pids: list[int] = field(default_factory=list)  # background wizards started by this module

    def plan(self, answers: str = ANSWERS) -> dict[str, Any]:
        if answers not in self.plans:
            self.plans[answers] = plan_json(self.lab, self.fingerprint, answers)
        return self.plans[answers]

    def step_id(self, kind: str) -> str:
        return next(s["id"] for s in self.plan()["steps"] if s["kind"] == kind)


def check_end_state(p: Pair, out: str, answers: str = ANSWERS) -> None:
    """The tutorial's end state on both nodes, the files exactly as planned, and an honest summary."""
    lab, plan = p.lab, p.plan()
    # The not-yet-built steps are reported as such, and only those.
    summary = summary_line(out)
    assert not_implemented_in(summary) == {s["id"] for s in plan["steps"] if not s["implemented"]}, summary
    steps = journal(lab)["steps"]
    for s in plan["steps"]:
        assert steps[s["id"]]["status"] == ("done" if s["implemented"] else "not-implemented"), (s["id"], steps)
    # DRBD: connected, both UpToDate, node1 Primary.
    assert drbd_line(lab, 1).startswith(PRIMARY), drbd_line(lab, 1)
    assert drbd_line(lab, 2).startswith(SECONDARY), drbd_line(lab, 2)
    # /replicated mounted on node1 only.
    m1 = [m for m in mounts(lab, 1) if m[1] == "/replicated"]
    assert [m[:3] for m in m1] == [["/dev/drbd0", "/replicated", "ext4"]], m1
    assert not [m for m in mounts(lab, 2) if m[1] == "/replicated" or m[0] == "/dev/drbd0"]
    check_files_as_planned(p, answers)


def check_files_as_planned(p: Pair, answers: str) -> None:
    """Every file of the plan, on each node, is what ``ha-wizard render`` (run on node1, real secrets from
    the journal dir) says it should be: whole files byte for byte with their mode and owner, managed blocks
    (/etc/hosts, /etc/fstab) present verbatim in the node's file."""
    lab, plan = p.lab, p.plan()
    r = lab.ssh(1, f"rm -rf {RENDERED} && {WIZARD} render --answers {answers} --out {RENDERED}", check=False,
                timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    rendered = fetch_tree(lab, 1, ".", cwd=RENDERED)
    planned: dict[str, dict[str, dict[str, Any]]] = {f"node{n}": {} for n in NODES}
    for step in plan["steps"]:
        for a in step["actions"]:
            if a["type"] in ("write", "edit-block"):
                planned[step["host"]][a["path"]] = a
    trees = on_both(lambda n: fetch_tree(lab, n, sorted(planned[f"node{n}"])))
    for n in NODES:
        node = f"node{n}"
        files = planned[node]
        assert {"/etc/hosts", "/etc/fstab"} <= files.keys(), files.keys()
        actual = trees[n]
        for path, a in files.items():
            want = rendered[f"/{node}{path}"]
            assert isinstance(want, bytes)
            got = actual.get(path)
            assert isinstance(got, bytes), f"{node}:{path} is missing"
            if a["type"] == "write":
                assert got == want, f"{node}:{path} differs from the plan"
                info = actual[path + ":info"]
                assert not isinstance(info, bytes)
                assert f"{info.mode:o}" == a["mode"], (node, path, oct(info.mode), a["mode"])
                assert f"{info.uname}:{info.gname}" == a["owner"], (node, path, info.uname, info.gname)
            else:
                assert want.decode() in got.decode(), f"{node}:{path} lacks its managed block:\n{got.decode()}"
        # The two lines the issue names, checked literally too.
        hosts = actual["/etc/hosts"].decode()  # type: ignore[union-attr]
        for m in (1, 2):
            assert re.search(rf"^10\.99\.0\.{m}\s+node{m}$", hosts, re.M), hosts
        fstab = actual["/etc/fstab"].decode()  # type: ignore[union-attr]
        assert re.search(r"^/dev/drbd0\s+/replicated\s+ext4\s+noauto\s", fstab, re.M), fstab


def sync_secs(lab: Lab, p: Pair) -> float:
    """The initial sync as the journal timed it: promote recorded done -> wait-sync recorded done."""
    steps = journal(lab)["steps"]
    return float(steps[p.step_id("wait-sync")]["at"] - steps[p.step_id("promote")]["at"])


def progress_samples(log: str) -> list[tuple[str, float]]:
    """(time, percent) of each initial-sync WaitProgress the engine published (EventPrinter logs them)."""
    return [(m.group(1), float(m.group(2))) for m in re.finditer(
        r"^\S+ (\S+) wait initial sync .*? ([\d.]+)$", log, re.M)]


def check_sync_progress(lab: Lab, log: str) -> None:
    """The initial sync's bar moved (not just 0 -> 100), in order, at least once a second."""
    samples = progress_samples(log)
    (lab.lab_dir / "drbd_bringup_progress.txt").write_text("".join(f"{t} {p:.1f}\n" for t, p in samples))
    percents = [p for _, p in samples]
    assert percents == sorted(percents) and percents[-1] == 100.0, samples
    assert len({round(p) for p in percents}) >= 4, samples
    # never more than 2 s between two logged samples (the log has 1 s resolution)
    stamps = [time.mktime(time.strptime(f"2000-01-01 {t}", "%Y-%m-%d %H:%M:%S")) for t, _ in samples]
    assert max((b - a for a, b in zip(stamps, stamps[1:], strict=False)), default=0) <= 2, samples
