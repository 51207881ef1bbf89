"""Heartbeat: `node` names are the nodes' `uname -n`, the media reach the peer on the same udpport, authkeys is
mode 600 and identical, haresources is identical and every script it names exists on both nodes, the preferred
node is the intended master, the timings are consistent, and Heartbeat runs on both nodes."""

from __future__ import annotations

import re

from wizard.doctor.finding import Family, Finding, ok
from wizard.doctor.pair import Pair, at, holds, said, same_subnet_iface, units_not
from wizard.doctor.probe import NodeSnapshot
from wizard.heartbeat.agents import WRITTEN
from wizard.heartbeat.confcheck import check_authkeys, check_ha_cf, check_haresources
from wizard.heartbeat.render import AUTHKEYS, HA_CF, HARESOURCES

FAMILY = "Heartbeat"
DEFAULT_UDPPORT = "694"


_f = Family(FAMILY, "heartbeat")


def _with_ha_cf(pair: Pair) -> list[NodeSnapshot]:
    return [n for n in pair.nodes if HA_CF in n.files]


def files_present(pair: Pair) -> list[Finding]:
    out = []
    for n in pair.nodes:
        for path in (HA_CF, HARESOURCES, AUTHKEYS):
            if path not in n.files:
                out.append(_f("fail", "files", f"{n.name} has no {path}", [said(n, f"cat {path}", "absent")],
                              "Heartbeat does not start without ha.cf, authkeys and haresources",
                              f"copy {path} from {pair.other(n).name} (mode 600 for authkeys), or run "
                              "`ha-wizard apply`", n.name))
    return out


def ha_cf_rules(pair: Pair) -> list[Finding]:
    """Heartbeat's own rules for ha.cf (the wizard's checker), names and addresses left to the checks below."""
    out = []
    for n, whose in pair.copies(HA_CF):
        named = [a for _, d, args in pair.ha_cf(n) if d == "node" for a in args]
        for p in check_ha_cf(n.files[HA_CF], named):
            soft = p.message.startswith(("nice_failback", "no auto_failback"))
            out.append(_f("warn" if soft else "fail", "ha-cf", f"ha.cf ({whose}): {p.message}",
                          [at(n, HA_CF, p.line or 0)], "Heartbeat reads ha.cf line by line and applies only what it "
                          "understands", f"edit {HA_CF} on both nodes as said, then restart Heartbeat",
                          _node(n, whose)))
    return out


def _node(n: NodeSnapshot, whose: str) -> str:
    return "" if whose == "both nodes" else n.name


def node_names(pair: Pair) -> list[Finding]:
    out = []
    for n, whose in pair.copies(HA_CF):
        lines = [(i, a) for i, d, args in pair.ha_cf(n) if d == "node" for a in args]
        names = [a for _, a in lines]
        for member in pair.nodes:
            if member.name in names:
                continue
            stray = [(i, a) for i, a in lines if a not in [m.name for m in pair.nodes]]
            fix = (f"on both nodes, change `node {stray[0][1]}` (line {stray[0][0]} of {HA_CF}) to `node "
                   f"{member.name}`" if stray else f"add `node {member.name}` to {HA_CF} on both nodes")
            out.append(_f("fail", "node-names", f"ha.cf ({whose}) has no `node {member.name}` line"
                          + (f" (it says `node {stray[0][1]}`)" if stray else ""),
                          [at(n, HA_CF, i) for i, _ in lines] + [said(member, "uname -n", member.name)],
                          f"Heartbeat knows a node by its `uname -n`: {member.name} would not be counted as a member, "
                          "so it never takes over (or the pair never forms)", fix + ", then restart Heartbeat",
                          member.name))
    if not out and len(_with_ha_cf(pair)) == len(pair.nodes) and pair.nodes:
        out.append(ok(FAMILY, "heartbeat.node-names", "ha.cf's `node` lines are the nodes' `uname -n` ("
                      + ", ".join(m.name for m in pair.nodes) + ")"))
    return out


def media(pair: Pair) -> list[Finding]:
    """Each node has a medium that reaches the other: ucast to its address, bcast/mcast on an interface, serial."""
    out = []
    reached: list[str] = []
    wrong: set[str] = set()  # bad ucast lines already reported (the same file on both nodes has them twice)
    for n in _with_ha_cf(pair):
        other = pair.other(n)
        ways: list[str] = []
        for i, d, args in pair.ha_cf(n):
            if d not in ("ucast", "bcast", "udp", "mcast", "serial"):
                continue
            if d == "serial":
                serial = n.facts.serial_ports
                if serial is None or args[:1] and args[0] in serial:
                    ways.append(f"serial {' '.join(args)}")
                continue
            iface = args[0] if args else ""
            if n.facts.addresses and iface not in n.facts.addresses:
                out.append(_f("fail", "media", f"{n.name}: `{d} {' '.join(args)}` names interface {iface}, which "
                              f"{n.name} does not have",
                              [at(n, HA_CF, i), said(n, "ip -br addr", n.facts.address_list())],
                              "Heartbeat cannot send or hear beats on it",
                              f"use the interface of the replication link in {HA_CF} on {n.name}", n.name))
                continue
            if d == "ucast" and len(args) == 2:
                addr = args[1]
                if holds(n, addr):
                    continue  # Heartbeat skips the line with its own address
                if other.reached and holds(other, addr):
                    ways.append(f"ucast {iface} {addr}")
                elif other.reached and f"{i} {addr}" not in wrong:
                    wrong.add(f"{i} {addr}")
                    out.append(_f("fail", "media", f"{n.name}: `ucast {iface} {addr}` sends to an address neither node "
                                  "has", [at(n, HA_CF, i), said(other, "ip -br addr", other.facts.address_list())],
                                  "beats sent there reach no node of the pair",
                                  f"write {other.name}'s address on that ucast line in {HA_CF}, then restart Heartbeat",
                                  n.name))
            elif d in ("bcast", "udp"):
                if other.reached and any(same_subnet_iface(n, str(a.ip)) == iface
                                         for addrs in other.facts.addresses.values() for a in addrs):
                    ways.append(f"bcast {iface}")
            elif d == "mcast":
                ways.append(f"mcast {' '.join(args)}")
        if ways:
            reached.append(f"{n.name}: {', '.join(ways)}")
        elif other.reached and not any(f.node == n.name for f in out):
            out.append(_f("fail", "media", f"{n.name}'s ha.cf has no medium that reaches {other.name}",
                          [at(n, HA_CF)] + [said(other, "ip -br addr", other.facts.address_list())],
                          f"{n.name} never hears {other.name}: each believes the other dead and takes the resources "
                          "(split-brain)", f"add `ucast IFACE <{other.name}'s address>` (or bcast IFACE) above the "
                          f"node lines of {HA_CF} on both nodes", n.name))
    ports = {n.name: next((args[0] for _, d, args in pair.ha_cf(n) if d == "udpport" and args), DEFAULT_UDPPORT)
             for n in _with_ha_cf(pair)}
    if len(set(ports.values())) > 1:
        out.append(_f("fail", "udpport", "the udpport differs: " + ", ".join(f"{k} {v}" for k, v in ports.items()),
                      [at(n, HA_CF, next((i for i, d, _ in pair.ha_cf(n) if d == "udpport"), 0))
                       for n in _with_ha_cf(pair)], "each node listens on its own port and never hears the other",
                      "use the same udpport on both nodes (above the media lines), then restart Heartbeat"))
    if not out and reached:
        out.append(ok(FAMILY, "heartbeat.media", "the media reach the peer (" + "; ".join(reached)
                      + f"), udpport {next(iter(ports.values()), DEFAULT_UDPPORT)} on both"))
    return out


def authkeys(pair: Pair) -> list[Finding]:
    out = []
    for n in pair.nodes:
        text, mode = n.files.get(AUTHKEYS), n.modes.get(AUTHKEYS)
        if text is None or mode is None:
            continue
        for p in check_authkeys(text, mode):
            if p.message.startswith("mode"):
                out.append(_f("fail", "authkeys-mode", f"{AUTHKEYS} on {n.name} is mode {mode:o}, not 600",
                              [said(n, f"stat -c %a {AUTHKEYS}", f"{mode:o}")],
                              "Heartbeat refuses to start with an authkeys others can read (it holds the key that "
                              "signs every beat)", f"on {n.name}: chmod 600 {AUTHKEYS}", n.name))
            else:
                out.append(_f("fail", "authkeys", f"{AUTHKEYS} on {n.name}: {p.message}",
                              [at(n, AUTHKEYS, p.line or 0)],
                              "Heartbeat cannot sign or check the beats", f"fix {AUTHKEYS} on both nodes "
                              "(`auth 1` then `1 sha1 <key>`), then restart Heartbeat", n.name))
    if pair.both and AUTHKEYS in pair.local.files and AUTHKEYS in pair.peer.files and \
            pair.local.files[AUTHKEYS] != pair.peer.files[AUTHKEYS]:
        out.append(_f("fail", "authkeys-identical", f"{AUTHKEYS} differs between {pair.local.name} and "
                      f"{pair.peer.name} (contents not shown: they hold the key)",
                      [at(pair.local, AUTHKEYS), at(pair.peer, AUTHKEYS)],
                      "each node drops the other's beats as forged: both think the other is dead",
                      f"copy it: scp -p {AUTHKEYS} {pair.peer.name}:{AUTHKEYS} (mode 600), then restart Heartbeat on "
                      "both"))
    if not out and all(AUTHKEYS in n.files for n in pair.nodes) and pair.nodes:
        out.append(ok(FAMILY, "heartbeat.authkeys", f"{AUTHKEYS} is mode 600 and identical on both nodes"))
    return out


def haresources(pair: Pair) -> list[Finding]:
    out: list[Finding] = []
    names = [n.name for n in pair.nodes]
    for n, whose in pair.copies(HARESOURCES):
        text = n.files[HARESOURCES]
        for p in check_haresources(text, names if pair.both else [], pair.intent.master):
            if p.message.startswith("IPaddr needs"):
                continue  # a matter of each node's net-tools: _ifconfig below
            key = "preferred" if p.message.startswith("owned by") or "is not a node" in p.message else "haresources"
            out.append(_f("fail" if p.fatal else "warn", key, f"haresources ({whose}): {p.message}",
                          [at(n, HARESOURCES, p.line or 0)],
                          "haresources is the list Heartbeat acts on: the preferred node, then the resources it "
                          "starts in order", f"edit {HARESOURCES} on both nodes, then restart Heartbeat",
                          _node(n, whose)))
    if pair.both and HARESOURCES in pair.local.files and HARESOURCES in pair.peer.files:
        a, b = pair.local.files[HARESOURCES].splitlines(), pair.peer.files[HARESOURCES].splitlines()
        if a != b:
            line = next((i + 1 for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b)) + 1)
            out.append(_f("fail", "haresources-identical", f"{HARESOURCES} differs between {pair.local.name} and "
                          f"{pair.peer.name}", [at(pair.local, HARESOURCES, line), at(pair.peer, HARESOURCES, line)],
                          "after a takeover the standby starts what its own copy says: a different list starts "
                          "different resources, or none", f"copy it: scp {HARESOURCES} {pair.peer.name}:{HARESOURCES}"))
    out += _ifconfig(pair) + _scripts(pair)
    if not out:
        g = next((g for n in pair.nodes if (g := pair.group(n)) is not None), None)
        if g is not None:
            out.append(ok(FAMILY, "heartbeat.haresources", f"haresources is identical, every script it names exists "
                          f"on both nodes, preferred node {g.owner}"
                          + (" (the answers' master)" if pair.intent.master else ""),
                          *(at(n, HARESOURCES, g.line) for n in pair.nodes[:1])))
    return out


def _ifconfig(pair: Pair) -> list[Finding]:
    """Heartbeat's IPaddr calls ifconfig (net-tools), which a modern Debian leaves out: a problem only where missing."""
    out = []
    for n in pair.nodes:
        g = pair.group(n)
        sec = n.section("ifconfig")
        if g is None or not g.args("IPaddr") or sec is None or sec.ok:
            continue
        out.append(_f("warn", "haresources", f"haresources uses IPaddr, which needs ifconfig, and {n.name} has none",
                      [at(n, HARESOURCES, g.line), said(n, "command -v ifconfig", "not found")],
                      f"the service address cannot come up on {n.name} after a takeover",
                      f"use IPaddr2 (same arguments, uses `ip`) in {HARESOURCES} on both nodes, or install net-tools "
                      f"on {n.name}", n.name))
    return out


def _scripts(pair: Pair) -> list[Finding]:
    out = []
    for n in pair.nodes:
        g = pair.group(n)
        for r in g.resources if g is not None else ():
            script = r.split("::")[0]
            found = n.script_paths(script)
            if found is None or found:
                continue
            if script == "datadisk":
                hint = "use drbddisk::RESOURCE (the tutorial's datadisk no longer exists)"
            elif script in WRITTEN:
                hint = f"run `ha-wizard resume` (or apply): its Heartbeat files step writes {script} on both nodes"
            else:
                hint = f"install the package that provides it, or link its init script into /etc/ha.d/resource.d/ " \
                       f"on {n.name}"
            out.append(_f("fail", "scripts", f"{script} (named in haresources) exists on neither "
                          f"/etc/ha.d/resource.d nor /etc/init.d of {n.name}",
                          [at(n, HARESOURCES, g.line) if g else "", said(n, f"ls /etc/ha.d/resource.d/{script} "
                                                                     f"/etc/init.d/{script}", "No such file")],
                          "Heartbeat stops the takeover at the first resource it cannot start", hint, n.name))
    return out


def _secs(value: str) -> float | None:
    m = re.fullmatch(r"(\d+(?:\.\d+)?)\s*(ms|s)?", value.strip())
    if not m:
        return None
    return float(m.group(1)) / (1000 if m.group(2) == "ms" else 1)


def timing(pair: Pair) -> list[Finding]:
    out = []
    for n in _with_ha_cf(pair)[:1] if pair.both and _same(pair, HA_CF) else _with_ha_cf(pair):
        values = {d: (i, _secs(a[0])) for i, d, a in pair.ha_cf(n) if d in ("keepalive", "warntime", "deadtime",
                                                                             "initdead") and a}
        ka, wt, dt, idd = (values.get(k, (0, None))[1] for k in ("keepalive", "warntime", "deadtime", "initdead"))
        ka, dt = ka or 2.0, dt or 30.0  # Heartbeat's defaults

        def where(*keys: str, n: NodeSnapshot = n, values: dict[str, tuple[int, float | None]] = values) -> list[str]:
            return [at(n, HA_CF, values[k][0]) for k in keys if k in values]

        if ka >= dt:
            out.append(_f("fail", "timing", f"keepalive {ka:g} s is not below deadtime {dt:g} s",
                          where("keepalive", "deadtime"),
                          "the peer is declared dead between two beats: constant false takeovers",
                          f"keep keepalive at most deadtime/4 (e.g. keepalive {max(1, int(dt // 4))}) on both nodes",
                          n.name))
        elif ka > dt / 4:
            out.append(_f("warn", "timing", f"keepalive {ka:g} s is more than a quarter of deadtime {dt:g} s",
                          where("keepalive", "deadtime"), "a few lost packets make the peer look dead",
                          f"keepalive {max(1, int(dt // 4))} or less, on both nodes", n.name))
        if wt is not None and wt >= dt:
            out.append(_f("warn", "timing", f"warntime {wt:g} s is not below deadtime {dt:g} s",
                          where("warntime", "deadtime"),
                          "Heartbeat never warns of late beats before it declares the peer dead",
                          "set warntime between keepalive and deadtime on both nodes", n.name))
        if idd is not None and idd < 2 * dt:
            out.append(_f("warn", "timing", f"initdead {idd:g} s is less than twice deadtime ({2 * dt:g} s)",
                          where("initdead", "deadtime"), "right after boot the network may not be up yet: the node "
                          "takes the resources from a peer that is alive (Heartbeat warns about this itself)",
                          f"initdead {int(2 * dt)} or more, on both nodes", n.name))
        if not any(f.node == n.name for f in out):
            out.append(ok(FAMILY, "heartbeat.timing", f"keepalive {ka:g} s, deadtime {dt:g} s"
                          + (f", warntime {wt:g} s" if wt is not None else "")
                          + (f", initdead {idd:g} s" if idd is not None else "") + " are consistent", node=n.name))
    return out


def _same(pair: Pair, path: str) -> bool:
    return pair.local.files.get(path) == pair.peer.files.get(path)


def running(pair: Pair) -> list[Finding]:
    out = [_f("fail", "running", f"Heartbeat is not running on {n.name} ({state})",
              [said(n, "systemctl is-active heartbeat", state)], "without it on both nodes nothing takes over when "
              "the other dies", f"on {n.name}: systemctl start heartbeat (then `tail /var/log/ha-log`)", n.name)
           for n, state in units_not(pair, "active", "heartbeat", ("active",))]
    if not out and pair.nodes:
        names = " and ".join(n.name for n in pair.nodes)
        out.append(ok(FAMILY, "heartbeat.running", f"Heartbeat is running on {names}"))
    return out


CHECKS = (files_present, ha_cf_rules, node_names, media, authkeys, haresources, timing, running)
