"""Boot and mounts: DRBD (and Heartbeat) start at boot, the fstab line of the replicated disk is `noauto`, the
standby mounts nothing there, and the VIP, the mount and DRBD's Primary are together on exactly one node."""

from __future__ import annotations

from wizard.doctor.checks.drbd_state import device, state_line
from wizard.doctor.checks.services import ENABLED
from wizard.doctor.finding import Family, Finding, ok
from wizard.doctor.pair import FSTAB, Pair, at, said, units_not
from wizard.doctor.probe import NodeSnapshot

FAMILY = "Boot and mounts"


_f = Family(FAMILY, "boot")


def at_boot(pair: Pair) -> list[Finding]:
    if pair.stack == "pacemaker":
        return []  # the opposite holds there: DRBD off at boot (the Pacemaker family checks it)
    out = [_f("fail", "drbd", f"DRBD does not start at boot on {n.name} ({state})",
              [said(n, "systemctl is-enabled drbd", state)], "after a reboot the resource is down: Heartbeat's "
              "drbddisk cannot promote it and the node cannot take over (nor resync as the standby)",
              f"on {n.name}: systemctl enable drbd", n.name)
           for n, state in units_not(pair, "enabled", "drbd", ENABLED)]
    out += [_f("warn", "heartbeat", f"Heartbeat does not start at boot on {n.name} ({state})",
               [said(n, "systemctl is-enabled heartbeat", state)], "after a reboot the node stays out of the pair "
               "until someone starts Heartbeat by hand", f"on {n.name}: systemctl enable heartbeat", n.name)
            for n, state in units_not(pair, "enabled", "heartbeat", ENABLED)]
    if not out and pair.nodes:
        names = " and ".join(n.name for n in pair.nodes)
        out.append(ok(FAMILY, "boot.units", f"DRBD and Heartbeat start at boot on {names}"))
    return out


def _fstab_lines(pair: Pair, n: NodeSnapshot) -> list[tuple[int, list[str]]]:
    mount = pair.mount
    devices = {mount[0]} if mount else set()
    host = pair.own_host(n)
    devices |= {host.device} if host is not None and host.device else set()
    points = {mount[1]} if mount else set()
    found = []
    for i, raw in enumerate(n.files.get(FSTAB, "").splitlines(), start=1):
        f = raw.split("#", 1)[0].split()
        if len(f) >= 2 and (f[0] in devices or f[1] in points or f[0].startswith("/dev/drbd")):
            found.append((i, f))
    return found


def fstab(pair: Pair) -> list[Finding]:
    out = []
    seen = []
    for n in pair.nodes:
        for i, f in _fstab_lines(pair, n):
            opts = f[3].split(",") if len(f) > 3 else ["defaults"]
            if "noauto" in opts:
                seen.append(f"{n.name}:{FSTAB}:{i}")
                continue
            fixed = [o for o in opts if o not in ("auto", "defaults")] + ["noauto"]
            line = " ".join([f[0], f[1], f[2] if len(f) > 2 else "auto", ",".join(fixed), *(f[4:] or ["0", "0"])])
            out.append(_f("fail", "fstab", f"{n.name}'s {FSTAB} mounts {f[0]} at boot (no `noauto`)",
                          [at(n, FSTAB, i)],
                          "at boot DRBD is Secondary (or not up yet): the mount fails and the boot stops in emergency "
                          "mode, or it races Heartbeat, which must be the only one to mount it",
                          f"on {n.name}, make line {i} of {FSTAB}: `{line}`", n.name))
    if seen and not out:
        out.append(ok(FAMILY, "boot.fstab", "the replicated disk's fstab line is `noauto` (" + ", ".join(seen) + ")"))
    return out


def holder(pair: Pair) -> list[Finding]:
    """Primary, the mount and the VIP together on one node; nothing mounted on the standby; the VIP once."""
    mount, vip = pair.mount, pair.vip
    out: list[Finding] = []
    where: dict[str, list[str]] = {}
    for n in pair.nodes:
        dev = device(pair, n)
        has = []
        if dev is not None and dev.roles[:1] == ("Primary",):
            has.append("Primary")
        if mount is not None and any(m.mountpoint == mount[1] for m in n.facts.mounts):
            has.append(mount[1])
        if vip and n.facts.interface_with(vip):
            has.append(vip)
        where[n.name] = has
        if mount is not None and mount[1] in has and "Primary" not in has:
            out.append(_f("fail", "standby-mount", f"{mount[1]} is mounted on {n.name}, which is not DRBD Primary",
                          [said(n, "grep " + mount[1] + " /proc/mounts",
                                " ".join(next(m for m in _mounts(n, mount[1]))))]
                          + ([state_line(n, dev)] if dev else []),
                          "a standby must not mount the mount point: what is written there lands on its local disk "
                          "and is lost", f"on {n.name}: umount {mount[1]}", n.name))
    if vip and pair.both:
        holders = [name for name, has in where.items() if vip in has]
        evidence = [said(n, "ip -o addr", ", ".join(f"{k} {a}" for k, v in n.facts.addresses.items() for a in v
                                                     if not a.ip.is_loopback)) for n in pair.nodes]
        if len(holders) == 2:
            out.append(_f("fail", "vip", f"the service address {vip} is up on both nodes", evidence,
                          "two machines answer for one address: clients reach either at random (ARP), and the "
                          "standby's copy of the services answers too", f"on the standby: ip addr del {vip}/... "
                          "dev IFACE (or stop Heartbeat there and let it clean up)"))
        elif not holders:
            out.append(_f("fail", "vip", f"the service address {vip} is on neither node", evidence,
                          "clients cannot reach the service", "start Heartbeat on the preferred node, or read "
                          "/var/log/ha-log for why the address agent failed"))
    owners = [name for name, has in where.items() if has]
    if len(owners) == 1 and not out:
        full = [x for x in ("Primary", mount[1] if mount else None, vip or None) if x]
        if all(x in where[owners[0]] for x in full):
            out.append(ok(FAMILY, "boot.holder", f"{owners[0]} holds " + ", ".join(where[owners[0]])
                          + "; the other node holds none of them"))
        else:
            missing = [x for x in full if x not in where[owners[0]]]
            out.append(_f("fail", "holder", f"{owners[0]} holds {', '.join(where[owners[0]])} but not "
                          f"{', '.join(missing)}", [f"{k}: {', '.join(v) or 'nothing'}" for k, v in where.items()],
                          "the resources only serve together: a Primary without the mount or the address serves "
                          "nothing", f"read /var/log/ha-log on {owners[0]}, or restart Heartbeat there", owners[0]))
    return out


def _mounts(n: NodeSnapshot, point: str) -> list[list[str]]:
    return [[m.device, m.mountpoint, m.fstype] for m in n.facts.mounts if m.mountpoint == point] or [[point]]


CHECKS = (at_boot, fstab, holder)
