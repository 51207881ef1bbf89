"""Step builders, pyinfra style: answers + DRBD family in, exact argv / tokens / checks out."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from wizard.core.actions import Run, Step, WaitFor
from wizard.core.answers import load_answers
from wizard.core.plan import PlanContext
from wizard.core.secrets import Secrets
from wizard.drbd import steps as drbd

ROOT = Path(__file__).resolve().parents[3]
LAB = ROOT / "examples" / "lab.toml"


def ctx(family: str = "8.4", **drbd_changes: object) -> PlanContext:
    spec, _ = load_answers(LAB)
    storage = {k: drbd_changes.pop(k) for k in ("filesystem",) if k in drbd_changes}
    spec = dataclasses.replace(spec, drbd=dataclasses.replace(spec.drbd, **drbd_changes),
                               storage=dataclasses.replace(spec.storage, **storage))
    return PlanContext(spec=spec, secrets=Secrets("s" * 32, "a" * 32), drbd_family=family)


def runs(step: Step) -> list[tuple[str, ...]]:
    return [a.argv for a in step.actions if isinstance(a, Run)]


@pytest.mark.parametrize("family,argv", [
    ("8.3", ("drbdadm", "--", "--overwrite-data-of-peer", "primary", "r0")),
    ("8.4", ("drbdadm", "primary", "--force", "r0")),
    ("9", ("drbdadm", "primary", "--force", "r0")),
])
def test_promote_syntax_per_family(family: str, argv: tuple[str, ...]) -> None:
    step = drbd.promote_step(ctx(family))
    assert runs(step) == [argv] and step.host == "node1"
    assert [c.token for c in step.confirmations] == ["node1"]
    assert step.checks[0].until == "drbd-good-data-here"  # never forced twice


@pytest.mark.parametrize("family,probe", [
    ("8.3", ("cat", "/proc/drbd")), ("8.4", ("cat", "/proc/drbd")),
    ("9", ("drbdsetup", "status", "--json", "--statistics", "r0")),
])
def test_state_probe_per_family(family: str, probe: tuple[str, ...]) -> None:
    c = ctx(family)
    assert drbd.state_probe(c) == probe
    assert drbd.wait_sync_step(c).actions[0].probe == probe  # type: ignore[union-attr]


def test_create_md_on_each_node_through_the_pty() -> None:
    for node in ("node1", "node2"):
        step = drbd.create_md_step(ctx(), node)
        assert runs(step)[:2] == [("modprobe", "drbd"), ("drbdadm", "create-md", "r0")]
        run = [a for a in step.actions if isinstance(a, Run)][1]
        assert run.prompts and {c.token for c in step.confirmations} == {f"{node}:/dev/vdb1"}
        assert 40 in dict(run.explain)
        assert step.checks[0].until == "drbd-md-exists"
        assert step.checks[0].probe[-1] == "/var/lib/drbd/ha-wizard-r0.md"


def test_up_is_idempotent_adjust_after_modprobe() -> None:
    step = drbd.up_step(ctx(), "node2")
    assert runs(step) == [("modprobe", "drbd"), ("drbdadm", "adjust", "r0")]
    assert step.checks[0].until == "drbd-up"


def test_wait_connected_carries_what_diagnose_needs() -> None:
    (w,) = drbd.wait_connected_step(ctx()).actions
    assert isinstance(w, WaitFor) and w.until == "drbd-connected" and w.timeout <= 120
    assert w.args == ("0", "r0", "node2", "10.99.0.2", "7788", "10.99.0.1", "node1")


def test_wait_sync_moves_at_least_once_a_second() -> None:
    (w,) = drbd.wait_sync_step(ctx()).actions
    assert isinstance(w, WaitFor) and w.progress and w.interval <= 1.0 and w.until == "drbd-synced"


@pytest.mark.parametrize("fs,argv", [
    ("ext3", ("mkfs.ext3", "/dev/drbd0")), ("ext4", ("mkfs.ext4", "/dev/drbd0")),
    ("xfs", ("mkfs.xfs", "-f", "/dev/drbd0")),
])
def test_mkfs_per_filesystem(fs: str, argv: tuple[str, ...]) -> None:
    step = drbd.mkfs_step(ctx(filesystem=fs))
    assert runs(step) == [argv] and [c.token for c in step.confirmations] == ["/dev/drbd0"]
    assert step.checks[0].args == (fs,)


def test_mount_uses_the_fstab_line() -> None:
    step = drbd.mount_step(ctx())
    assert runs(step) == [("mount", "/replicated")]
    assert step.checks[0].until == "mounted" and step.checks[0].args == ("/dev/drbd0", "/replicated")


@pytest.mark.parametrize("family,argv", [
    ("8.4", ("drbdadm", "--", "--clear-bitmap", "new-current-uuid", "r0")),
    ("9", ("drbdadm", "new-current-uuid", "--clear-bitmap", "r0")),
])
def test_skip_initial_sync(family: str, argv: tuple[str, ...]) -> None:
    steps = drbd.first_primary_steps(ctx(family, skip_initial_sync=True))
    assert [s.id for s in steps] == ["blank-proof@node1", "blank-proof@node2", "skip-sync@node1", "primary@node1"]
    assert runs(steps[2]) == [argv] and [c.token for c in steps[2].confirmations] == ["node1"]
    assert "cmp -n" in runs(steps[0])[0][2]


def test_no_skip_on_83_or_when_not_asked() -> None:
    for c in (ctx("8.3", skip_initial_sync=True), ctx("8.4")):
        assert [s.id for s in drbd.first_primary_steps(c)] == ["promote@node1", "primary@node1"]


def test_every_command_step_can_prove_itself_done() -> None:
    c = ctx()
    steps = [drbd.create_md_step(c, "node1"), drbd.up_step(c, "node1"), drbd.wait_connected_step(c),
             *drbd.first_primary_steps(c), drbd.wait_sync_step(c), drbd.mkfs_step(c), drbd.mount_step(c),
             *drbd.first_primary_steps(ctx(skip_initial_sync=True))]
    for s in steps:
        assert s.checks, s.id


@pytest.mark.parametrize("meta,where", [
    ("internal", ("/dev/vdb1", "end")),
    ("/dev/vdc1", ("/dev/vdc1", "0")),
    ("/dev/vdc1[2]", ("/dev/vdc1", str(2 * 128 << 20))),
])
def test_metadata_location(meta: str, where: tuple[str, str]) -> None:
    assert drbd.md_location(ctx(meta_disk=meta), "node1") == where
