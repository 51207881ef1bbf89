"""What must hold at boot before Heartbeat can be trusted with the resources: DRBD starts on its own, as
Secondary, on both nodes (so drbddisk can promote it); Heartbeat starts after it. The filesystem's fstab
line stays ``noauto`` (written by the mount-point step) and the services stay off at boot (the services
step): Heartbeat alone mounts and starts them, on one node.
"""

from __future__ import annotations

from wizard.core.actions import Check, Run, Step
from wizard.core.plan import PlanContext
from wizard.heartbeat.agents import init_system


def enable_argv(ctx: PlanContext, node: str, *units: str) -> tuple[str, ...]:
    """Start ``units`` at every boot: systemctl where systemd runs, update-rc.d (Debian's sysv) elsewhere."""
    if init_system(ctx, node) == "systemd":
        return ("systemctl", "enable", *(f"{u}.service" for u in units))
    return ("sh", "-c", 'for u in "$@"; do update-rc.d "$u" defaults || exit 1; done', "sh", *units)


def enabled_probe(ctx: PlanContext, node: str, unit: str) -> tuple[str, ...]:
    if init_system(ctx, node) == "systemd":
        return ("systemctl", "is-enabled", "--quiet", f"{unit}.service")
    return ("sh", "-c", 'ls /etc/rc2.d/S*"$1" >/dev/null 2>&1', "sh", unit)


def drbd_boot_step(ctx: PlanContext, node: str) -> Step:
    d = ctx.spec.drbd
    return Step(
        id=f"drbd-boot@{node}", kind="drbd-boot", title="DRBD, then Heartbeat, start at every boot", host=node,
        actions=(Run(enable_argv(ctx, node, "drbd", "heartbeat"), explain=(
            (1, "the drbd or heartbeat unit (or init script) is missing: they ship with drbd-utils and "
                "heartbeat; reinstall them"),)),),
        checks=(Check(enabled_probe(ctx, node, "drbd"), "exit-zero"),
                Check(enabled_probe(ctx, node, "heartbeat"), "exit-zero")),
        why=f"After a reboot {node} must bring {d.resource} up by itself and wait for its peer, as Secondary: "
            "the configuration names no become-primary-on, so only Heartbeat's drbddisk ever promotes it; "
            "Heartbeat starts after DRBD. /replicated stays `noauto` in /etc/fstab: Heartbeat mounts it, on one "
            "node only.",
    )


# Before Heartbeat first starts on the master, what the earlier steps left running there is released, so
# that Heartbeat acquires the whole chain itself: it judges a group by its first resource, and a DRBD
# already Primary would make it skip the group (no address, no services). Never runs while Heartbeat runs.
# The release itself (after a stack's own guard): $1 mount point, $2 DRBD resource, then the services.
RELEASE = ('mp=$1 res=$2; shift 2; '
            # the services in reverse order, as Heartbeat stops a group
            'r=; for s in "$@"; do r="$s $r"; done; '
            'for s in $r; do if [ -x "/etc/ha.d/resource.d/$s" ]; then "/etc/ha.d/resource.d/$s" stop; '
            'else systemctl stop "$s" 2>/dev/null || "/etc/init.d/$s" stop 2>/dev/null; fi; done; '
            # a stopped service's last child (sendmail's queue runner, a PostgreSQL backend) may need a few
            # seconds to let go of the disk: retry as Heartbeat's Filesystem agent does, then say who holds it
            'i=0; while mountpoint -q "$mp"; do umount "$mp" 2>/dev/null && break; i=$((i+1)); '
            'if [ $i -ge 20 ]; then fuser -vm "$mp" >&2; exit 1; fi; sleep 1; done; drbdadm secondary "$res"')
HANDOVER = 'PATH=$PATH:/usr/sbin:/sbin; cl_status hbstatus >/dev/null 2>&1 && exit 0; ' + RELEASE


def handover(ctx: PlanContext, services: list[str], script: str = HANDOVER) -> Run:
    """``script``: HANDOVER (Heartbeat's guard), or another stack's guard followed by RELEASE."""
    s = ctx.spec
    return Run(("sh", "-c", script, "sh", s.storage.mount_point, s.drbd.resource, *services), explain=(
        (1, f"{s.storage.mount_point} is busy on this node (a process keeps it open; `fuser -vm "
            f"{s.storage.mount_point}` names it): stop it, then run `ha-wizard resume`"),
        (11, f"DRBD refused to become Secondary: is {s.storage.mount_point} still in use?")))
