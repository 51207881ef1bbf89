"""Steps 1-2 of the tutorial: /etc/hosts entries, the mount point and its ``noauto`` fstab line."""

from __future__ import annotations

from wizard.core.actions import EditBlock, MakeDir, Step
from wizard.core.plan import PlanContext


def hosts_block(ctx: PlanContext) -> str:
    s = ctx.spec
    lines = [f"{n.address}\t{n.name}" for n in s.nodes]
    lines.append(f"{s.service.vip}\t{s.service.hostname}")
    return "\n".join(lines) + "\n"


def fstab_line(ctx: PlanContext) -> str:
    s = ctx.spec
    # noauto: only Heartbeat (or the wizard) mounts it, and only on the node that is DRBD Primary.
    return f"{s.drbd.device}\t{s.storage.mount_point}\t{s.storage.filesystem}\tnoauto\t0\t0\n"


def hosts_step(ctx: PlanContext, node: str) -> Step:
    return Step(
        id=f"hosts@{node}", kind="hosts", title="/etc/hosts entries for both servers and the service",
        host=node,
        actions=(EditBlock("/etc/hosts", hosts_block(ctx), marker="ha-wizard hosts"),),
        why="Both servers and the service name must resolve the same way on both nodes, even when DNS is down.",
    )


def mountpoint_step(ctx: PlanContext, node: str) -> Step:
    s = ctx.spec
    return Step(
        id=f"mountpoint@{node}", kind="mountpoint",
        title=f"mount point {s.storage.mount_point} and its noauto fstab line", host=node,
        actions=(
            MakeDir(s.storage.mount_point),
            EditBlock("/etc/fstab", fstab_line(ctx), marker="ha-wizard fstab"),
        ),
        why="The replicated disk is mounted on the master only; 'noauto' keeps a booting node from mounting it.",
    )
