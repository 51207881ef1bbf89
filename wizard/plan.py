"""The plan: the tutorial's steps, in order, each on the host it runs on, derived from Spec + facts.

The plan is computed afresh on every run and resume (never unpickled), so a changed answers file or a
changed node is always reflected.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from wizard.actions import Step
from wizard.secrets import Secrets
from wizard.spec import Spec


@dataclass(frozen=True)
class PlanContext:
    spec: Spec
    secrets: Secrets
    drbd_family: str = "8.4"  # DRBD config/command syntax: "8.3", "8.4" or "9"
    drbd_family_source: str = "assumed (no node probed)"
    # Facts per node name, as gathered by wizard.gather (None when the node was not probed).
    facts: dict[str, object] = field(default_factory=dict)

    @property
    def order(self) -> tuple[str, str]:
        """Master first: the tutorial configures the master, then the slave."""
        return self.spec.master, self.spec.peer_node.name


def build_plan(ctx: PlanContext) -> list[Step]:
    from wizard.steps import configs, drbd, hosts, later

    m, p = ctx.order
    steps: list[Step] = []
    steps += [hosts.hosts_step(ctx, n) for n in (m, p)]
    steps += [hosts.mountpoint_step(ctx, n) for n in (m, p)]
    steps += [configs.drbd_config_step(ctx, n) for n in (m, p)]
    steps += [drbd.create_md_step(ctx, n) for n in (m, p)]
    steps += [drbd.up_step(ctx, n) for n in (m, p)]
    steps.append(drbd.wait_connected_step(ctx))
    steps += drbd.first_primary_steps(ctx)
    steps.append(drbd.wait_sync_step(ctx))
    steps.append(drbd.mkfs_step(ctx))
    steps.append(drbd.mount_step(ctx))
    steps.append(later.services_step(ctx))
    steps += [configs.heartbeat_files_step(ctx, n) for n in (m, p)]
    steps += [later.heartbeat_start_step(ctx, n) for n in (m, p)]
    steps.append(later.failover_test_step(ctx))
    ids = [s.id for s in steps]
    assert len(ids) == len(set(ids)), f"duplicate step ids: {ids}"
    return steps


def affected_steps(steps: list[Step], recorded: dict[str, str]) -> list[Step]:
    """Steps whose actions changed since the journal recorded them (``recorded``: id -> digest)."""
    from wizard.engine import step_digest

    return [s for s in steps if s.id in recorded and recorded[s.id] != step_digest(s)]
