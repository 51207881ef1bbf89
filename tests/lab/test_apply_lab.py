"""Issue 5's kill + resume, on the two lab VMs, with ha-wizard installed on node1 as an admin would install it.

node1 gets this checkout as a wheel (plus its dependencies) from a wheelhouse built on the host, installed
offline into /opt/ha-wizard; the scenario runs that ``ha-wizard`` on node1 (local executor for node1, SSH to
node2 over the VMs' own link) and then checks the real nodes: an ext3 filesystem on node2's partition stops
the run until node2:/dev/vdb1 is confirmed; then SIGKILL during the initial sync, ``resume``, SIGKILL again
once mkfs is done, ``resume``: the tutorial's end state (tests/lab/end_state.py), nothing destructive done
twice.

The plain documented apply on blank disks (no create-md question, the sync's progress moving, ``status``)
builds the failover scenarios' pair, in test_failover_lab.py, so that one apply serves both; a dry run of the
whole plan (DRBD, the services, Heartbeat) changing nothing on either node is test_services_lab.py's first
scenario. The scenario starts from blank disks and the image's own files (``clean_pair``).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable

import pytest

from wizard.lab import Lab

from .end_state import Pair, check_end_state
from .wizard_on_node import (
    LOG,
    clean_pair,
    confirm_args,
    journal,
    kill_when,
    put_answers,
    run_wizard,
    start_wizard,
)


@pytest.fixture(scope="module")
def pair(restored_lab: Lab, lab_timing: Callable[..., None]) -> Pair:
    return Pair(restored_lab, restored_lab.host_key_fingerprint(2), lab_timing)


@pytest.fixture
def fresh(pair: Pair, wizard_node1: Lab) -> Pair:
    """Blank disks, DRBD down, no journal, the image's /etc files, /root/lab.toml = examples/lab.toml."""
    clean_pair(pair.lab, pids=pair.pids)
    put_answers(pair.lab)
    return pair


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
