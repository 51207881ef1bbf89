"""DRBD config: the files parse with each node's own drbdadm; each `on` section names a node by its `uname -n`
and an address that node has; both nodes hold the same files and the same secret; protocol, timeouts and the
resync rate suit the link."""

from __future__ import annotations

import dataclasses
import difflib
import re

from wizard.doctor.drbdconf import DRBD_CONF, Host, Resource
from wizard.doctor.finding import Family, Finding, ok
from wizard.doctor.pair import Pair, at, holds, line_text, said, same_subnet_iface
from wizard.doctor.probe import NodeSnapshot
from wizard.drbd.confcheck import parse_drbdadm_output
from wizard.drbd.family import family_of
from wizard.drbd.render import format_kib, rate_kib

FAMILY = "DRBD config"


_f = Family(FAMILY, "drbd")


def _adjust(pair: Pair) -> str:
    return f"`drbdadm adjust {pair.resource_name or 'all'}` on both nodes"


def present(pair: Pair) -> list[Finding]:
    out = []
    for n in pair.nodes:
        cfg = pair.drbd(n)
        if cfg is None:
            out.append(_f("fail", "config", f"{n.name} has no {DRBD_CONF}", [said(n, f"cat {DRBD_CONF}", "absent")],
                          "drbdadm reads only this file (and what it includes): without it DRBD is not configured",
                          f"copy {DRBD_CONF} and /etc/drbd.d/ from {pair.other(n).name}, or run `ha-wizard apply`",
                          n.name))
        elif pair.resource(n) is None:
            names = ", ".join(r.name for r in cfg.resources)
            out.append(_f("fail", "config", f"{n.name}'s DRBD config defines no resource"
                          + (f" {pair.resource_name} (it has: {names})" if names else ""),
                          [at(n, p) for p in cfg.files], "Heartbeat's drbddisk and the peer expect this resource on "
                          "both nodes",
                          f"copy the resource file from {pair.other(n).name} to {n.name}", n.name))
        for pattern in cfg.missing if cfg is not None else ():
            out.append(_f("warn", "include", f"{n.name}: `include \"{pattern}\"` matches no file",
                          [at(n, DRBD_CONF)], "drbdadm refuses a config whose include is missing",
                          f"create the file or remove the include line on {n.name}", n.name))
    return out


# drbdadm's own address check; the address check below says more (whose address it is, which one to write)
NOT_HERE = re.compile(r"IP (\S+) not found on this host")


def parses(pair: Pair) -> list[Finding]:
    """drbdadm of the node (its own version and syntax) parses the files, with the missing-';' hint; the same
    message from both nodes about identical files is one finding."""
    out: list[Finding] = []
    seen: dict[tuple[str, int | None, str], Finding] = {}
    for n in pair.nodes:
        sec = n.section("drbdadm-parse")
        if sec is None or pair.drbd(n) is None:
            continue
        utils = n.facts.drbd.utils or "?"
        kernel = n.facts.drbd.kernel_module or n.facts.drbd_module
        syntax = f"DRBD {family_of(kernel)} syntax" if kernel else "the syntax of its drbd-utils"
        cmd = "drbdadm dump all"
        if sec.rc == 127:
            out.append(_f("fail", "parse", f"{n.name} has no drbdadm", [said(n, cmd, sec.out)],
                          "without drbd-utils nothing brings the resource up",
                          f"apt-get install drbd-utils on {n.name}", n.name))
            continue
        if sec.ok:
            out.append(ok(FAMILY, "drbd.parse", f"{n.name}'s drbdadm {utils} parses the config ({syntax})",
                          said(n, cmd, "exit 0"), node=n.name))
            continue
        for p in parse_drbdadm_output(sec.out, dict(n.files)):
            if NOT_HERE.search(p.message):
                continue
            same = seen.get((p.path, p.line, p.message))
            if same is not None and _same_config(pair):
                i = out.index(same)
                title = same.title.replace(f"{same.node}'s drbdadm {utils}", f"drbdadm {utils} on both nodes")
                out[i] = dataclasses.replace(same, title=title, node="",
                                             evidence=same.evidence + (said(n, cmd, f"exit {sec.rc}: {sec.out}"),))
                continue
            semicolon = "';' is missing" in p.message
            fix = (f"add the missing ';' in {p.path} on both nodes (the tutorial's Listing 1 lacks the one after "
                   f"`device /dev/drbd0`), then {_adjust(pair)}" if semicolon else
                   f"correct {p.path}" + (f" line {p.line}" if p.line else "")
                   + f" on both nodes, then {_adjust(pair)}")
            out.append(_f("fail", "parse", f"{n.name}'s drbdadm {utils} rejects {p.path}"
                          + (f":{p.line}" if p.line else "") + f": {p.message}",
                          [at(n, p.path, p.line or 0), said(n, cmd, f"exit {sec.rc}: {sec.out}")],
                          "drbdadm refuses to bring up, adjust or promote a resource whose config it cannot read: "
                          "Heartbeat's drbddisk fails and the slave cannot take over", fix, n.name))
            seen[(p.path, p.line, p.message)] = out[-1]
    return out


def _closest(name: str, choices: list[str]) -> str | None:
    found = difflib.get_close_matches(name, choices, n=1, cutoff=0.5)
    return found[0] if found else None


def hostnames(pair: Pair) -> list[Finding]:
    """Each node finds its own `on` section by `uname -n`: one finding per node, quoting every copy that lacks it."""
    out = []
    for n in pair.nodes:
        lacking = [(f, res) for f in pair.nodes if (res := pair.resource(f)) is not None and res.host(n.name) is None]
        if not lacking:
            continue
        strays = [(f, h) for f, res in lacking for h in res.hosts if not any(h.name == m.name for m in pair.nodes)]
        guess = next((h for _, h in strays if holds(n, h.address)), None) or \
            next((h for _, h in strays if h.name == _closest(n.name, [s.name for _, s in strays])), None)
        copies = "both nodes' copies" if len(lacking) == 2 else f"{lacking[0][0].name}'s copy"
        evidence = [at(f, h.file, h.line) for f, res in lacking for h in res.hosts] + [said(n, "uname -n", n.name)]
        if guess is not None:
            fix = (f"on both nodes, change `on {guess.name}` to `on {n.name}` in {guess.file} (line {guess.line}), "
                   f"then {_adjust(pair)}")
        else:
            fix = f"add an `on {n.name} {{ ... }}` section (device, disk, address, meta-disk) on both nodes"
        out.append(_f("fail", "hostname", f"{pair.resource_name} has no `on {n.name}` section in {copies}"
                      + (f" (it says `on {guess.name}`)" if guess else ""), evidence,
                      f"DRBD finds its own section by `uname -n` ({n.name}): without it `drbdadm up` says the "
                      "resource is not defined for this host, and Heartbeat's drbddisk cannot promote it", fix, n.name))
    if not out and any(pair.resource(n) is not None for n in pair.nodes):
        out.append(ok(FAMILY, "drbd.hostname", "every `on` section names a node by its `uname -n` ("
                      + ", ".join(n.name for n in pair.nodes) + ")"))
    return out


def _right_address(node: NodeSnapshot, peer_addr: str) -> str:
    iface = same_subnet_iface(node, peer_addr) if peer_addr else None
    for a in node.facts.addresses.get(iface or "", ()):
        if not a.ip.is_loopback and not a.ip.is_link_local:
            return str(a.ip)
    return ""


def addresses(pair: Pair) -> list[Finding]:
    """Each `on` section's address is on that node (the tutorial's server1 typed as .3)."""
    out: list[Finding] = []
    seen: list[str] = []
    for n in pair.nodes:
        # n's section as each node's file has it
        entries: list[tuple[NodeSnapshot, Host, Host | None]] = []
        for f in pair.nodes:
            mine = pair.own_host(f) if f is n else pair.peer_host(f)
            if mine is not None and mine.address:
                entries.append((f, mine, pair.own_host(f) if f is not n else pair.peer_host(f)))
        wrong = [(f, h, o) for f, h, o in entries if not holds(n, h.address)]
        if not wrong:
            seen += [f"{n.name} {h.address}" for _, h, _ in entries[:1]]
            continue
        f0, h0, other = wrong[0]
        right = _right_address(n, other.address if other else "")
        owner = pair.other(n)
        swapped = owner.reached and holds(owner, h0.address)
        port = f":{h0.port}" if h0.port else ""
        out.append(_f(
            "fail", "address", f"{n.name}'s `on` section gives {h0.address}, an address {n.name} does not have"
            + (f" ({owner.name} has it)" if swapped else ""),
            [at(f, h.file, h.address_line) for f, h, _ in wrong]
            + [said(n, "ip -br addr", n.facts.address_list())] + _drbdadm_says(n, h0.address),
            f"DRBD on {n.name} binds to this address and its peer connects to it: with an address {n.name} does "
            "not have, the resource stays StandAlone/WFConnection and never replicates",
            (f"on both nodes, set `address {right}{port};` in {h0.file} (line {h0.address_line}), then "
             f"{_adjust(pair)}") if right else
            f"give {n.name} its replication address, or correct line {h0.address_line} of {h0.file} on both nodes",
            n.name))
    if seen and not out:
        out.append(ok(FAMILY, "drbd.address", "each `on` section's address belongs to that node ("
                      + ", ".join(seen) + ")"))
    return out


def _drbdadm_says(n: NodeSnapshot, address: str) -> list[str]:
    sec = n.section("drbdadm-parse")
    if sec is None or sec.ok or f"IP {address} not found" not in sec.out:
        return []
    return [said(n, "drbdadm dump all", " ".join(sec.out.split()))]


def _drbd_files(pair: Pair) -> list[str]:
    found: list[str] = []
    for n in pair.nodes:
        cfg = pair.drbd(n)
        found += cfg.files if cfg is not None else ()
    return list(dict.fromkeys(found))


def identical(pair: Pair) -> list[Finding]:
    if not pair.both:
        return []
    a, b = pair.local, pair.peer
    out = []
    for path in _drbd_files(pair):
        ta, tb = a.files.get(path), b.files.get(path)
        if ta == tb:
            continue
        if ta is None or tb is None:
            lacking = a if ta is None else b
            out.append(_f("fail", "identical", f"{path} is on {pair.other(lacking).name} but not on {lacking.name}",
                          [at(pair.other(lacking), path), said(lacking, f"cat {path}", "No such file")],
                          "DRBD expects the same configuration on both nodes", f"copy {path} from "
                          f"{pair.other(lacking).name} to {lacking.name}, then {_adjust(pair)}"))
            continue
        la, lb = ta.splitlines(), tb.splitlines()
        line = next((i + 1 for i, (x, y) in enumerate(zip(la, lb, strict=False)) if x != y), min(len(la), len(lb)) + 1)
        hidden = any(s in text for s in pair.secrets() for text in (line_text(a, path, line), line_text(b, path, line)))
        out.append(_f("fail", "identical", f"{path} differs between {a.name} and {b.name} (first at line {line}"
                      + (", in a secret: not shown)" if hidden else ")"),
                      [at(a, path, line), at(b, path, line)],
                      "DRBD expects verbatim copies: a difference in the net or disk options makes the peers refuse "
                      "each other, a difference in the `on` sections makes one of them talk to the wrong address",
                      f"decide which copy is right, correct it, copy it to the other node (scp {path} "
                      f"{b.name}:{path}), then {_adjust(pair)}"))
    if not out and pair.both and _drbd_files(pair):
        out.append(ok(FAMILY, "drbd.identical", f"the DRBD files are identical on both nodes "
                      f"({', '.join(_drbd_files(pair))})"))
    return out


def secret(pair: Pair) -> list[Finding]:
    res = {n.name: r for n in pair.nodes if (r := pair.resource(n)) is not None}
    if not res:
        return []
    out = []
    values = {name: (r.option("shared-secret"), r.option("cram-hmac-alg")) for name, r in res.items()}
    nodes = {n.name: n for n in pair.nodes}
    if all(s is None for s, _ in values.values()):
        return [_f("warn", "secret", f"{pair.resource_name} has no shared-secret",
                   [at(nodes[name], r.file, r.line) for name, r in res.items()],
                   "without cram-hmac-alg and shared-secret any host that reaches the DRBD port can connect as the "
                   "peer", "add `cram-hmac-alg sha1;` and `shared-secret \"<a random secret>\";` to the net section "
                   f"on both nodes, then {_adjust(pair)}")]
    if len(values) == 2:
        (na, (sa, aa)), (nb, (sb, ab)) = values.items()
        if (sa.value if sa else None) != (sb.value if sb else None):
            out.append(_f("fail", "secret", f"the shared secret differs between {na} and {nb}",
                          [at(nodes[na], sa.file, sa.line) if sa else f"{na}: no shared-secret",
                           at(nodes[nb], sb.file, sb.line) if sb else f"{nb}: no shared-secret"],
                          "the peers authenticate each other with it: DRBD drops the connection (\"Authentication "
                          "of peer failed\") and nothing replicates",
                          "write the same shared-secret in both nodes' copies (copy the file from one node to the "
                          f"other), then {_adjust(pair)}"))
        if (aa.value if aa else None) != (ab.value if ab else None):
            out.append(_f("fail", "secret", f"cram-hmac-alg differs between {na} and {nb}",
                          [at(nodes[na], aa.file, aa.line) if aa else f"{na}: none",
                           at(nodes[nb], ab.file, ab.line) if ab else f"{nb}: none"],
                          "both peers must use the same algorithm to check the secret",
                          f"use the same cram-hmac-alg on both nodes, then {_adjust(pair)}"))
        if not out:
            out.append(ok(FAMILY, "drbd.secret", "the shared secret is the same on both nodes (********)",
                          at(nodes[na], sa.file, sa.line) if sa else ""))
    return out


def _rate(res: Resource) -> tuple[int, str] | None:
    """The resync ceiling in KiB/s and where it is set: c-max-rate with the controller, else the fixed rate."""
    plan = res.option("c-plan-ahead")
    cap = res.option("c-max-rate")
    fixed = res.option("resync-rate", "rate")
    use = cap if cap is not None and (plan is None or plan.value.strip() != "0") else fixed
    if use is None:
        return None
    try:
        return rate_kib(use.value.split()[0]), use.where
    except ValueError:
        return None


def link(pair: Pair) -> list[Finding]:
    """Protocol, timeouts and the resync rate, against the link's speed."""
    out = []
    for n in pair.nodes[:1] if pair.both and _same_config(pair) else pair.nodes:
        res = pair.resource(n)
        if res is None:
            continue
        proto = res.option("protocol")
        if proto is not None and proto.value.upper() != "C":
            out.append(_f("warn", "protocol", f"protocol {proto.value} in {pair.resource_name}",
                          [at(n, proto.file, proto.line)],
                          "with A or B a write is acknowledged before it is on the peer's disk: a failover can lose "
                          "the last writes the service believed safe", f"use `protocol C;` on both nodes, then "
                          f"{_adjust(pair)}", n.name))
        opts = {k: res.option(k) for k in ("timeout", "connect-int", "ping-int")}
        try:
            t, ci, pi = (int(o.value) if o else None for o in opts.values())
        except ValueError:
            t = ci = pi = None
        t_opt = opts["timeout"]
        if t is not None and t_opt is not None and any(v is not None and t >= 10 * v for v in (ci, pi)):
            out.append(_f("fail", "timeouts", f"timeout {t} (tenths of a second) is not below connect-int ({ci} s) "
                          f"and ping-int ({pi} s)", [at(n, t_opt.file, t_opt.line)],
                          "DRBD requires timeout < connect-int and ping-int; drbdadm refuses the net options otherwise",
                          f"lower timeout (e.g. 60) or raise ping-int/connect-int on both nodes, then {_adjust(pair)}",
                          n.name))
        rate = _rate(res)
        iface = next((i for h in res.hosts if h.address and (i := n.facts.interface_with(h.address))), None)
        speed = n.link_speed_mbit(iface) if iface else None
        if rate is None:
            continue
        kib, where = rate
        if speed is None:
            link = f"{iface} reports none" if iface else "no `on` address is on this node"
            out.append(ok(FAMILY, "drbd.rate", f"resync rate {format_kib(kib)}: the link's speed is unknown "
                          f"({link}), so it was not compared",
                          f"{n.name}:{where}", node=n.name))
            continue
        link_kib = speed * 1_000_000 // 8 // 1024
        if kib > link_kib:
            out.append(_f("warn", "rate", f"resync rate {format_kib(kib)} is more than {iface} carries "
                          f"({speed} Mb/s, about {format_kib(link_kib)})",
                          [f"{n.name}:{where}", said(n, f"cat /sys/class/net/{iface}/speed", str(speed))],
                          "a resync then takes the whole link: the replication of new writes (and Heartbeat, if it "
                          "shares the link) waits behind it",
                          f"set the rate to about a third of the link (resync-rate {format_kib(max(1, link_kib // 3))}"
                          f") on both nodes, then {_adjust(pair)}", n.name))
        else:
            out.append(ok(FAMILY, "drbd.rate", f"resync rate {format_kib(kib)} fits {iface} ({speed} Mb/s)",
                          f"{n.name}:{where}", node=n.name))
    return out


def _same_config(pair: Pair) -> bool:
    return all(pair.local.files.get(p) == pair.peer.files.get(p) for p in _drbd_files(pair))


CHECKS = (present, parses, hostnames, addresses, identical, secret, link)
