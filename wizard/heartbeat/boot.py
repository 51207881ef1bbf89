"""What must hold at boot before Heartbeat can be trusted with the resources: DRBD starts on its own, as
Secondary, on both nodes (so drbddisk can promote it); Heartbeat starts after it. The filesystem's fstab
line stays ``noauto`` (written by the mount-point step) and the services stay off at boot (the services
step): Heartbeat alone mounts and starts them, on one node.
"""

from __future__ import annotations

from wizard.core.actions import Check, Run, Step
from wizard.core.plan import PlanContext
from wizard.heartbeat.agents import init_system


def enable_argv(ctx: PlanContext, node: str, unit: str) -> tuple[str, ...]:
    """Start ``unit`` at every boot: systemctl where systemd runs, update-rc.d (Debian's sysv) elsewhere."""
    if init_system(ctx, node) == "systemd":
        return ("systemctl", "enable", f"{unit}.service")
    return ("update-rc.d", unit, "defaults")


def enabled_probe(ctx: PlanContext, node: str, unit: str) -> tuple[str, ...]:
    if init_system(ctx, node) == "systemd":
        return ("systemctl", "is-enabled", "--quiet", f"{unit}.service")
    return ("sh", "-c", 'ls /etc/rc2.d/S*"$1" >/dev/null 2>&1', "sh", unit)


def drbd_boot_step(ctx: PlanContext, node: str) -> Step:
    d = ctx.spec.drbd
    return Step(
        id=f"drbd-boot@{node}", kind="drbd-boot", title="DRBD starts at boot, as Secondary", host=node,
        actions=(Run(enable_argv(ctx, node, "drbd"), explain=(
            (1, "the drbd unit (or init script) is missing: it ships with drbd-utils; reinstall it"),)),),
        checks=(Check(enabled_probe(ctx, node, "drbd"), "exit-zero"),),
        why=f"After a reboot {node} must bring {d.resource} up by itself and wait for its peer, as Secondary: "
            "the configuration names no become-primary-on, so only Heartbeat's drbddisk ever promotes it. "
            "/replicated stays `noauto` in /etc/fstab: Heartbeat mounts it, on one node only.",
    )
