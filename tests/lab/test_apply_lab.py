"""Issue 5's scenarios, on the two lab VMs, with ha-wizard installed on node1 as an admin would install it.

node1 gets this checkout as a wheel (plus its dependencies) from a wheelhouse built on the host, installed
offline into /opt/ha-wizard; every scenario runs that ``ha-wizard`` on node1 (local executor for node1,
SSH to node2 over the VMs' own link) and then checks the real nodes:

1. ``apply --yes`` on blank disks gives the tutorial's end state (hosts, fstab, DRBD Connected and
   UpToDate/UpToDate, node1 Primary, /replicated mounted on node1 only, every planned file in place), asked
   no create-md question, showed the initial sync's progress moving (issue 6: the engine's WaitProgress
   samples in ha-wizard.log), and ``ha-wizard status`` then shows both nodes;
2. an ext3 filesystem on node2's partition stops the run until node2:/dev/vdb1 is confirmed; then SIGKILL
   during the initial sync, ``resume``, SIGKILL again once mkfs is done, ``resume``: the same end state,
   nothing destructive done twice.

Data surviving the master's power cut is test_failover_lab.py's (every acknowledged write, three cuts); a
dry run of the whole plan (DRBD, the services, Heartbeat) changing nothing on either node is
test_services_lab.py's first scenario.
Scenarios share one booted pair: each starts from blank disks and the image's own files (``clean_pair``).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from wizard.lab import Lab

from .wizard_on_node import (
    ANSWERS,
    LOG,
    NODES,
    RENDERED,
    WIZARD,
    clean_pair,
    confirm_args,
    confirm_tokens,
    drbd_line,
    fetch_tree,
    journal,
    kill_when,
    mounts,
    not_implemented_in,
    on_both,
    plan_json,
    put_answers,
    run_wizard,
    start_wizard,
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


@pytest.fixture(scope="module")
def pair(restored_lab: Lab, lab_timing: Callable[..., None]) -> Pair:
    return Pair(restored_lab, restored_lab.host_key_fingerprint(2), lab_timing)


@pytest.fixture
def fresh(pair: Pair, wizard_node1: Lab) -> Pair:
    """Blank disks, DRBD down, no journal, the image's /etc files, /root/lab.toml = examples/lab.toml."""
    clean_pair(pair.lab, pids=pair.pids)
    put_answers(pair.lab)
    return pair


# ----------------------------------------------------------------------------------------------- checks
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


# -------------------------------------------------------------------------------------------- scenarios
def test_install_and_apply_as_documented(fresh: Pair) -> None:
    lab = fresh.lab
    plan = fresh.plan()
    assert confirm_tokens(plan), "the plan asks no consent at all? (it promotes and runs mkfs)"
    t0 = time.monotonic()
    rc, out = run_wizard(lab, f"apply --answers {ANSWERS} --yes {confirm_args(plan)}", fresh.fingerprint)
    secs = time.monotonic() - t0
    assert rc == 0, out[-5000:]
    fresh.timing("full_apply_secs", secs)
    fresh.timing("initial_sync_secs", sync_secs(lab, fresh), mib=lab.data_disk_mib - 1)
    check_end_state(fresh, out)
    # blank disks: create-md asked nothing (no node:disk confirmation was given, none was needed)
    assert "node1:/dev/vdb1" not in out and "node2:/dev/vdb1" not in out
    assert journal(lab)["facts"]["good_data_node"] == "node1"
    log = lab.ssh(1, f"cat {LOG}").stdout
    assert log.count("$ drbdadm primary --force") == 1  # only node1, only once
    check_sync_progress(lab, log)
    rc, status = run_wizard(lab, "status --json", fresh.fingerprint, timeout=300)
    assert rc == 0 and '"node1"' in status and '"node2"' in status and status.count('"UpToDate"') == 4, status


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


def test_resume_after_two_kills(fresh: Pair) -> None:
    """ext3 on node2 stops the run until confirmed; SIGKILL in the initial sync, resume, SIGKILL once mkfs is
    journaled, resume: the same end state."""
    lab = fresh.lab
    plan = fresh.plan()
    slow = put_answers(lab, "/root/slow.toml", sync_rate="4M")  # ~30 s of sync for the 127 MiB partition
    confirms = confirm_args(plan)
    t0 = time.monotonic()
    # node2's partition holds an ext3 filesystem (with room for DRBD's metadata): the run stops before
    # create-md touches it, naming node2:/dev/vdb1, until that is confirmed too (issue 6)
    lab.ssh(2, "mkfs.ext3 -q -F /dev/vdb1 32M")
    rc, out = run_wizard(lab, f"apply --answers {slow} --yes {confirms}", fresh.fingerprint)
    assert rc != 0 and "node2:/dev/vdb1" in out and "--confirm" in out, out[-3000:]
    assert "ext3" in lab.ssh(2, "blkid -p -o value -s TYPE /dev/vdb1", check=False).stdout  # untouched
    confirms += " --confirm node2:/dev/vdb1"
    pid = start_wizard(lab, f"resume --yes {confirms}", fresh.fingerprint, "/root/apply1.log")
    fresh.pids.append(pid)
    # Kill 1: the wizard is watching the initial sync (promote journaled, node1 SyncSource with progress).
    state = kill_when(lab, pid, step=fresh.step_id("promote"), drbd=r"cs:SyncSource .*sync'ed:\s*[1-9]",
                      timeout=600, log="/root/apply1.log")
    assert "cs:SyncSource" in state, state
    assert journal(lab)["steps"].get(fresh.step_id("wait-sync"), {}).get("status") != "done"
    # Kill 2: between two later steps, as soon as the filesystem is journaled made.
    pid = start_wizard(lab, f"resume --yes {confirms}", fresh.fingerprint, "/root/apply2.log")
    fresh.pids.append(pid)
    kill_when(lab, pid, step=fresh.step_id("mkfs"), timeout=900, log="/root/apply2.log")
    steps = journal(lab)["steps"]
    last = [s["id"] for s in plan["steps"] if s["implemented"]][-1]
    assert steps.get(last, {}).get("status") != "done", f"the run ended before the kill: {steps}"
    rc, out = run_wizard(lab, f"resume --yes {confirms}", fresh.fingerprint)
    fresh.timing("kill_resume_scenario_secs", time.monotonic() - t0)
    assert rc == 0, out[-5000:]
    assert "Resuming: the last run stopped at" in " ".join(out.split()), out[-3000:]
    log = lab.ssh(1, f"cat {LOG}").stdout
    assert log.count("$ drbdadm primary --force") == 1, "node1 was forced Primary more than once"
    assert len(re.findall(r"^\S+ \S+ \$ mkfs\.", log, re.M)) == 1, "the filesystem was made more than once"
    check_end_state(fresh, out, answers=slow)  # the same end state, with the 4M sync rate in r0.res
