"""DRBD bring-up on the two lab VMs (issue 6), driven from the host over SSH (the engine and the step builders).

- the create-md prompt table against the real drbdmeta in a VM, through ``ssh -tt`` (SshExecutor);
- a shared-secret mismatch between the nodes, diagnosed from the real kernel log;
- skipping the initial sync on proven-blank disks (the step builders run by the engine over SSH).

The headless apply on blank disks (no create-md question, a moving progress, then ``ha-wizard status``), an
ext3 filesystem on a disk stopping the run until confirmed, and the kill -9 during the sync with its resume
are test_failover_lab.py's ``test_install_and_apply_as_documented`` and test_apply_lab.py's
``test_resume_after_two_kills``.
Scenarios start from blank disks and the image's own files (``clean_pair``); the module puts everything
back at the end (``restore_and_forget``), as the lab is shared with the other lab modules.
"""

from __future__ import annotations

import dataclasses
import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from wizard.core.actions import Prompt, WaitFor
from wizard.core.answers import load_answers
from wizard.core.engine import Engine
from wizard.core.journal import Journal
from wizard.core.plan import PlanContext
from wizard.core.secrets import Redactor, Secrets
from wizard.drbd import createmd, render
from wizard.drbd import steps as drbd_steps
from wizard.drbd.diagnose import diagnose_wait
from wizard.executors.base import Executor
from wizard.executors.ssh import SshExecutor
from wizard.flow.registry import conditions
from wizard.lab import Lab

from .wizard_on_node import clean_pair

ROOT = Path(__file__).resolve().parents[2]
STATE = "cat /proc/drbd"


def wait_for(lab: Lab, n: int, cmd: str, pattern: str, timeout: float) -> str:
    deadline = time.monotonic() + timeout
    out = ""
    while time.monotonic() < deadline:
        out = lab.ssh(n, cmd, check=False).stdout
        if re.search(pattern, out, re.M):
            return out
        time.sleep(1)
    raise AssertionError(f"node{n}: no {pattern!r} in `{cmd}` after {timeout:.0f} s:\n{out}")


def ssh_executors(lab: Lab, tmp_path: Path) -> dict[str, Executor]:
    """ha-wizard's own SSH executors from the host to both VMs (for runs driven from the host)."""
    kh = tmp_path / "known_hosts"
    kh.write_text("".join(lab.known_hosts_line(n) + "\n" for n in (1, 2)))
    return {f"node{n}": SshExecutor(f"node{n}", "127.0.0.1", port=lab.ssh_port(n), known_hosts=kh,
                                    identity=str(lab.ssh_key)) for n in (1, 2)}


@pytest.fixture(scope="module")
def cluster(restored_lab: Lab) -> Lab:
    return restored_lab


@pytest.fixture
def fresh(cluster: Lab) -> Lab:
    clean_pair(cluster)
    return cluster


# --- the prompt table against the real drbdmeta, through ssh -tt ----------------------------------------
@pytest.fixture
def node2(cluster: Lab, tmp_path: Path) -> Iterator[SshExecutor]:
    clean_pair(cluster)
    kh = tmp_path / "known_hosts"
    kh.write_text(cluster.known_hosts_line(2) + "\n")
    ex = SshExecutor("node2", "127.0.0.1", port=cluster.ssh_port(2), known_hosts=kh, identity=str(cluster.ssh_key))
    try:
        yield ex
    finally:
        ex.close()


def create_md(ex: SshExecutor, confirm: bool) -> tuple[int, str, list[str]]:
    asked: list[str] = []

    def answer(p: Prompt) -> str:
        asked.append(p.expect.split("\r\n")[0])
        return p.answer if p.confirm is None or confirm else p.refuse

    r = ex.run_prompted(["drbdmeta", "0", "v08", "/dev/vdb1", "internal", "create-md"],
                        createmd.prompts("node2", "/dev/vdb1"), answer=answer, timeout=60)
    return r.rc, r.out, asked


def test_real_drbdmeta_over_ssh_tt(cluster: Lab, node2: SshExecutor) -> None:
    lab = cluster
    assert create_md(node2, confirm=False)[::2] == (0, [])  # fresh: no question
    rc, out, asked = create_md(node2, confirm=False)  # existing metadata, refused
    assert (rc, asked) == (1, [createmd.Q_OVERWRITE_MD]) and createmd.outcome(rc, out).kind == "cancelled"
    rc, out, asked = create_md(node2, confirm=True)
    assert (rc, asked) == (0, [createmd.Q_OVERWRITE_MD]) and createmd.outcome(rc, out).kind == "created"
    lab.reset_data_disk(2)
    lab.ssh(2, "mkfs.ext3 -q -F /dev/vdb1 32M")
    rc, out, asked = create_md(node2, confirm=False)  # ext3 with room, refused
    assert (rc, asked) == (1, [createmd.Q_PROCEED]) and "Found ext3 filesystem" in out
    lab.reset_data_disk(2)
    lab.ssh(2, "mkfs.ext3 -q -F /dev/vdb1")
    rc, out, asked = create_md(node2, confirm=True)  # ext3 filling the partition
    assert (rc, asked) == (40, []) and "Operation refused." in out


def test_secret_mismatch_is_diagnosed(fresh: Lab, tmp_path: Path) -> None:
    lab = fresh
    spec, _ = load_answers(ROOT / "examples" / "lab.toml")
    for n, secret in ((1, "secret-one-0123456789abcdef"), (2, "secret-two-0123456789abcdef")):
        ctx = PlanContext(spec=spec, secrets=Secrets(secret, "k" * 32), drbd_family="8.4")
        for f in render.drbd_files(ctx, f"node{n}"):
            lab.ssh(n, f"cat > {f.path}", input=f.content)
        lab.ssh(n, "modprobe drbd && drbdadm create-md r0 </dev/null && drbdadm up r0")
    wait_for(lab, 1, "dmesg | grep -i drbd", r"Authentication of peer failed", timeout=120)
    ex = ssh_executors(lab, tmp_path)
    try:
        wait = drbd_steps.wait_connected_step(ctx).actions[0]
        assert isinstance(wait, WaitFor)
        said = diagnose_wait(wait, ex["node1"], ex["node1"].probe(["cat", "/proc/drbd"]).out)
    finally:
        for e in ex.values():
            e.close()
    assert "shared-secret mismatch" in said, said


def test_skip_initial_sync_on_blank_disks(fresh: Lab, tmp_path: Path) -> None:
    """The skip variant (not wired into plan.py yet), run by the engine from the host over SSH."""
    lab = fresh
    spec, _ = load_answers(ROOT / "examples" / "lab.toml")
    spec = dataclasses.replace(spec, drbd=dataclasses.replace(spec.drbd, skip_initial_sync=True))
    ctx = PlanContext(spec=spec, secrets=Secrets("skip-secret-0123456789abcdef", "k" * 32), drbd_family="8.4")
    ex = ssh_executors(lab, tmp_path)
    try:
        for n in (1, 2):
            for f in render.drbd_files(ctx, f"node{n}"):
                lab.ssh(n, f"cat > {f.path}", input=f.content)
        steps = [*(drbd_steps.create_md_step(ctx, n) for n in ex), *(drbd_steps.up_step(ctx, n) for n in ex),
                 drbd_steps.wait_connected_step(ctx), *drbd_steps.first_primary_steps(ctx),
                 drbd_steps.wait_sync_step(ctx)]
        assert "blank-proof@node2" in [s.id for s in steps]
        engine = Engine(ex, Journal.open(tmp_path / "journal"), redactor=Redactor(),
                        confirm=lambda c, host: c.token == "node1", conditions=conditions())
        done = engine.run(steps).done
        assert "skip-sync@node1" in done and "primary@node1" in done
        s1 = lab.ssh(1, STATE).stdout
        assert "cs:Connected ro:Primary/Secondary ds:UpToDate/UpToDate" in s1 and "sync'ed" not in s1, s1
        sent = re.search(r"\bns:(\d+)", s1)
        assert sent and int(sent.group(1)) < 1024, s1  # nothing was copied (KiB sent to the peer)
        again = Engine(ex, Journal.open(tmp_path / "journal"), redactor=Redactor(), confirm=lambda c, h: False,
                       conditions=conditions())
        assert again.run(steps).skipped == [s.id for s in steps]  # resume: every step proves itself done
    finally:
        for e in ex.values():
            e.close()
