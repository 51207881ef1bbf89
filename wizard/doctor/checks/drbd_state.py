"""DRBD state: the resource is up and connected on both nodes with both disks UpToDate, no split-brain, no stalled
resync, exactly one Primary where Heartbeat claims the resources, and the running settings are the files'."""

from __future__ import annotations

import re

from wizard.doctor.finding import Family, Finding, ok
from wizard.doctor.pair import Pair, said
from wizard.doctor.probe import NodeSnapshot
from wizard.drbd.diagnose import latest_clue
from wizard.drbd.state import SYNCING, DrbdDevice
from wizard.drbd.status_read import read_status

FAMILY = "DRBD state"
WAITING = ("WFConnection", "Unconnected", "Connecting", "WFReportParams", "Timeout", "BrokenPipe",
           "NetworkFailure", "Disconnecting", "TearDown", "ProtocolError")


_f = Family(FAMILY, "drbd")


def device(pair: Pair, node: NodeSnapshot, section: str = "procdrbd") -> DrbdDevice | None:
    sec = node.section(section)
    if sec is None or not sec.ok or pair.minor is None:
        return None
    text = sec.out
    v9 = node.section("drbdsetup-status")
    if section == "procdrbd" and v9 is not None and v9.ok:
        text = text.splitlines()[0] + "\n" + v9.out if text.strip() else v9.out
    return read_status(text).device(pair.minor)


def state_line(node: NodeSnapshot, dev: DrbdDevice) -> str:
    sync = f" {dev.sync_percent:.1f}% synced" if dev.sync_percent is not None else ""
    return (f"{node.name}$ cat /proc/drbd: {dev.minor}: cs:{dev.cs} ro:{'/'.join(dev.roles)} "
            f"ds:{'/'.join(dev.disk_states)}{sync}")


def kernel_log(node: NodeSnapshot) -> str:
    sec = node.section("kernel-log")
    return sec.out if sec is not None else ""


def _devices(pair: Pair) -> dict[str, tuple[NodeSnapshot, DrbdDevice | None]]:
    return {n.name: (n, device(pair, n)) for n in pair.nodes}


def running(pair: Pair) -> list[Finding]:
    r = pair.resource_name or "all"
    out = []
    for n, dev in _devices(pair).values():
        if dev is not None and dev.cs != "Unconfigured":
            continue
        loaded = n.facts.drbd_loaded
        proc = n.section("procdrbd")
        out.append(_f("fail", "up", f"{pair.resource_name or 'the resource'} is not up on {n.name}"
                      + ("" if loaded else " (the DRBD module is not loaded)"),
                      [said(n, "cat /proc/drbd", proc.out if proc is not None and proc.ok else "absent")],
                      "a node whose resource is down neither replicates nor can take over",
                      f"on {n.name}: " + ("" if loaded else "modprobe drbd && ") + f"drbdadm up {r}", n.name))
    return out


def _victim(pair: Pair, devs: dict[str, tuple[NodeSnapshot, DrbdDevice | None]]) -> str:
    """The node whose changes a split-brain recovery discards: the one not serving (no VIP, not mounted)."""
    serving = [n.name for n in pair.nodes if pair.serves(n)]
    if len(serving) == 1:
        return next(n.name for n in pair.nodes if n.name != serving[0])
    secondary = [name for name, (_, d) in devs.items() if d is not None and d.roles[:1] == ("Secondary",)]
    return secondary[0] if len(secondary) == 1 else ""


def connection(pair: Pair) -> list[Finding]:
    """cs and ds on each node, the kernel log's reason when they are not Connected/UpToDate."""
    r = pair.resource_name or "all"
    devs = _devices(pair)
    out: list[Finding] = []
    split = [(n, line) for n, _ in devs.values() if (c := latest_clue(kernel_log(n)))[0] == "split-brain"
             and (line := c[1])]
    broken = {name: (n, d) for name, (n, d) in devs.items() if d is not None and d.cs not in ("Connected",
                                                                                                 *SYNCING)}
    if split and broken:
        victim = _victim(pair, devs)
        survivor = next((n.name for n in pair.nodes if n.name != victim), "")
        who = (f"{victim}'s changes since the split are discarded (it is not serving); {survivor} keeps its data"
               if victim else "decide which node's changes to keep (the survivor) and which to discard (the victim)")
        fix = (f"{who}. On {victim or 'the victim'}: `drbdadm secondary {r}; drbdadm connect --discard-my-data {r}`; "
               f"on {survivor or 'the survivor'}: `drbdadm connect {r}`")
        out.append(_f("fail", "split-brain", "split-brain: both nodes were Primary while apart, DRBD refuses to "
                      "reconnect", [f"{n.name}$ dmesg: {line}" for n, line in split]
                      + [state_line(n, d) for n, d in broken.values() if d is not None],
                      "each side has writes the other lacks; DRBD will not choose, so nothing replicates and the "
                      "standby's copy grows stale", fix))
    elif split:
        out.append(ok(FAMILY, "drbd.split-brain", "a split-brain in the kernel log has been resolved since (connected)",
                      *(f"{n.name}$ dmesg: {line}" for n, line in split)))
    for name, (n, d) in devs.items():
        if d is None or d.cs == "Unconfigured":
            continue
        if d.cs in ("Connected", *SYNCING):
            continue
        if split and broken:
            continue  # the split-brain finding says it all
        clue, line = latest_clue(kernel_log(n))
        evidence = [state_line(n, d)] + ([f"{n.name}$ dmesg: {line}"] if line else [])
        if clue == "secret":
            why, fix = ("the peers refused each other's shared secret",
                        f"make the shared-secret identical on both nodes, then `drbdadm adjust {r}` on both")
        elif clue == "address":
            why, fix = (f"DRBD on {n.name} cannot bind its address",
                        f"correct the `address` of {n.name} in the config on both nodes, then `drbdadm adjust {r}`")
        elif d.cs == "StandAlone":
            why, fix = ("StandAlone: DRBD gave up connecting (after an error, or `drbdadm disconnect`)",
                        f"see `dmesg | grep -i drbd` on {n.name}, fix the cause, then `drbdadm connect {r}` "
                        f"on {n.name}")
        else:
            why, fix = (f"{n.name} waits for its peer, which does not answer on the replication link",
                        f"check that {r} is up on the peer and that both `address` lines are right, then "
                        f"`drbdadm adjust {r}` on both")
        out.append(_f("fail", "connection", f"{r} is {d.cs} on {name}, not Connected", evidence,
                      f"{why}: nothing replicates, so the standby cannot take over with current data", fix, name))
    for name, (n, d) in devs.items():
        if d is None or len(d.disk_states) < 1:
            continue
        local = d.disk_states[0]
        if local == "UpToDate" or (d.cs in SYNCING and local in ("Inconsistent",)):
            continue
        out.append(_f("fail", "disk", f"{name}'s disk is {local}", [state_line(n, d)],
                      "only an UpToDate disk can serve: an Inconsistent, Outdated or Diskless copy cannot take over",
                      f"on {name}: `drbdadm attach {r}` if Diskless; otherwise connect it so it resyncs from the "
                      "peer", name))
    good = [state_line(n, d) for n, d in devs.values() if d is not None and d.cs == "Connected"
            and d.disk_states == ("UpToDate", "UpToDate")]
    if good and len(good) == len(devs) and not out:
        out.append(ok(FAMILY, "drbd.connection", f"{r} is Connected and UpToDate/UpToDate", *good))
    return out


def resync(pair: Pair) -> list[Finding]:
    """A resync in progress (a warning) or stalled: the out-of-sync count did not shrink in 3 s."""
    out = []
    for n in pair.nodes:
        first, later = device(pair, n), device(pair, n, "procdrbd-later")
        if first is None or first.cs not in SYNCING:
            continue
        left = [d.left_kib if d.left_kib is not None else d.oos_kib for d in (first, later) if d is not None]
        stalled = later is not None and len(left) == 2 and None not in left and left[1] >= left[0]  # type: ignore[operator]
        paused = first.cs.startswith("Paused")
        evidence = [state_line(n, first)] + ([state_line(n, later) + " (3 s later)"] if later else [])
        if stalled or paused:
            out.append(_f("fail", "resync", f"the resync on {n.name} is " + ("paused" if paused else "stalled")
                          + f" ({first.cs})", evidence,
                          "until it finishes the SyncTarget's copy is Inconsistent and cannot take over",
                          (f"`drbdadm resume-sync {pair.resource_name}` on {n.name}" if paused else
                           f"check the replication link and the resync rate; `drbdadm disconnect {pair.resource_name}; "
                           f"drbdadm connect {pair.resource_name}` on {n.name} restarts it"), n.name))
        else:
            out.append(_f("warn", "resync", f"a resync is running on {n.name} ({first.cs})", evidence,
                          "until it finishes the SyncTarget cannot take over", "wait for it to finish "
                          "(`watch cat /proc/drbd`)", n.name))
    return out


def _claims(node: NodeSnapshot) -> bool:
    sec = node.section("heartbeat-resources")
    return sec is not None and sec.ok and sec.out.strip() in ("all", "local")


def roles(pair: Pair) -> list[Finding]:
    devs = {name: d for name, (_, d) in _devices(pair).items() if d is not None and d.roles}
    if not devs:
        return []
    primaries = [name for name, d in devs.items() if d.roles[0] == "Primary"]
    nodes = {n.name: n for n in pair.nodes}
    evidence = [state_line(nodes[name], d) for name, d in devs.items()]
    r = pair.resource_name or "all"
    if len(primaries) == 2:
        return [_f("fail", "roles", "DRBD is Primary on both nodes", evidence,
                   "two Primaries with an ordinary filesystem (ext3/ext4) corrupt it, and their writes diverge",
                   f"choose the node that serves; on the other stop the services, `umount` the disk and run "
                   f"`drbdadm secondary {r}`")]
    claimers = [n.name for n in pair.nodes if _claims(n)]
    if not primaries and claimers:
        return [_f("fail", "roles", f"Heartbeat on {', '.join(claimers)} holds the resources, but neither node is "
                   "DRBD Primary", evidence + [said(nodes[c], "cl_status rscstatus",
                                                    nodes[c].section("heartbeat-resources").out)  # type: ignore[union-attr]
                                               for c in claimers],
                   "drbddisk failed to promote: the filesystem cannot be mounted and the services cannot start",
                   f"read /var/log/ha-log on {claimers[0]} for drbddisk's error, fix it, then restart Heartbeat "
                   f"there (systemctl restart heartbeat)")]
    if len(primaries) == 1:
        return [ok(FAMILY, "drbd.roles", f"{primaries[0]} is the only Primary", *evidence)]
    return []


# adjust -d lines that only say "connect": explained by a connection finding, not a config difference
_CONNECT_ONLY = re.compile(r"^\s*(drbdsetup\S*\s+)?(connect|new-peer|new-path|peer-device-options)\b")
SECRET_ARG = re.compile(r"(--shared-secret[= ])\S+")  # adjust -d prints drbdsetup's arguments, the secret too


def adjust(pair: Pair) -> list[Finding]:
    """``drbdadm -d adjust``: what adjust would change = the running resource differs from the files."""
    out = []
    for n, dev in _devices(pair).values():
        sec = n.section("drbdadm-adjust")
        parse = n.section("drbdadm-parse")
        if sec is None or dev is None or (parse is not None and not parse.ok):
            continue  # not loaded, or the files do not parse (a DRBD config finding)
        if not sec.ok and pair.own_host(n) is None:
            continue  # "no resources defined for this host": the host name finding says it, with the fix
        lines = [SECRET_ARG.sub(r"\1********", ln) for ln in sec.out.splitlines() if ln.strip()]
        if dev.cs != "Connected":
            lines = [ln for ln in lines if not _CONNECT_ONLY.match(ln)]
        if sec.ok and not lines:
            continue
        cmd = f"drbdadm -d adjust {pair.resource_name or 'all'}"
        out.append(_f("warn", "adjust", f"the running {pair.resource_name} on {n.name} differs from its config files"
                      if sec.ok else f"`{cmd}` fails on {n.name}", [said(n, cmd, "\n".join(lines))],
                      "the files were changed after the resource came up: the next `drbdadm adjust`, reboot or "
                      "takeover applies them, perhaps at a bad moment",
                      f"check the files, then apply them now: `drbdadm adjust {pair.resource_name or 'all'}` "
                      f"on {n.name}", n.name))
    if not out and any(n.section("drbdadm-adjust") is not None for n in pair.nodes):
        out.append(ok(FAMILY, "drbd.adjust", "the running resource matches the config files (drbdadm -d adjust: "
                      "nothing to do)"))
    return out


CHECKS = (running, connection, resync, roles, adjust)
