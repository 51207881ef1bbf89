"""Heartbeat's files checked against the rules Heartbeat enforces when it starts.

Heartbeat 3 reads ha.cf line by line (so udpport and baud must precede the media they configure), refuses
an authkeys file that others can read, finds itself by `uname -n` among the `node` lines, and expects the
same ha.cf, haresources and authkeys on every node. Pure functions of text: no Heartbeat needed here.
"""

from __future__ import annotations

from collections.abc import Sequence

from wizard.core.actions import WriteFile
from wizard.core.plan import PlanContext
from wizard.errors import Problem

MEDIA = ("serial", "bcast", "mcast", "mcast6", "ucast", "udp")
BEFORE_MEDIA = ("udpport", "baud")
# Resource scripts in /etc/ha.d/resource.d from Debian's heartbeat 3.0.6 and drbd-utils (drbddisk).
RESOURCE_SCRIPTS = frozenset({
    "AudibleAlarm", "Delay", "Filesystem", "ICP", "IPaddr", "IPaddr2", "IPsrcaddr", "IPv6addr", "LVM",
    "LinuxSCSI", "MailTo", "OCF", "Raid1", "SendArp", "ServeRAID", "WAS", "WinPopup", "Xinetd", "apache",
    "db2", "ids", "portblock", "drbddisk", "drbdupper",
    "ha-wizard-mount", "ha-wizard-ip"})  # ha-wizard's own (wizard.heartbeat.agents), written with the files
SHARED = ("/etc/drbd.conf", "/etc/ha.d/ha.cf", "/etc/ha.d/haresources", "/etc/ha.d/authkeys")


def _directives(text: str) -> list[tuple[int, str, list[str]]]:
    """(line number, directive, arguments) of every non-comment line."""
    out = []
    for i, raw in enumerate(text.splitlines(), start=1):
        words = raw.split("#", 1)[0].split()
        if words:
            out.append((i, words[0], words[1:]))
    return out


directives = _directives  # public: ha-wizard doctor reads the files on the nodes with it


def check_ha_cf(text: str, node_names: Sequence[str], addresses: Sequence[str] = (), *,
                path: str = "/etc/ha.d/ha.cf", node: str = "") -> list[Problem]:
    out: list[Problem] = []
    lines = _directives(text)
    first_media = next(((i, d, a) for i, d, a in lines if d in MEDIA), None)
    if first_media is None:
        out.append(Problem(path, "no media line (ucast, bcast, mcast or serial): the nodes would never hear "
                                 "each other", node=node))
    for i, d, a in lines:
        if first_media and d in BEFORE_MEDIA and i > first_media[0]:
            out.append(Problem(path, f"`{d} {' '.join(a)}` comes after the media line `{first_media[1]} "
                                     f"{' '.join(first_media[2])}` (line {first_media[0]}): Heartbeat reads "
                                     f"the file in order, so that medium already uses the default; move {d} "
                                     "above the media lines", i, node=node))
        if d == "nice_failback":
            out.append(Problem(path, "nice_failback is obsolete: write `auto_failback off` instead", i, node=node))
        if d == "crm" and a and a[0].lower() not in ("no", "off", "false", "n", "0"):
            out.append(Problem(path, f"crm {a[0]}: with the CRM on, Heartbeat ignores haresources; "
                                     "write `crm no`", i, node=node))
        if d == "ucast" and len(a) != 2:
            out.append(Problem(path, "ucast needs an interface and an address, like `ucast eth0 192.168.1.2`",
                               i, node=node))
    if not any(d == "auto_failback" for _, d, _ in lines):
        out.append(Problem(path, "no auto_failback line: Heartbeat falls back to 'legacy' and warns; "
                                 "write `auto_failback off`", node=node))
    named = [name for _, d, a in lines if d == "node" for name in a]
    for name in node_names:
        if name not in named:
            out.append(Problem(path, f"no `node {name}` line: Heartbeat would not count {name} as a member",
                               node=node))
    for name in named:
        if name not in node_names:
            out.append(Problem(path, f"`node {name}` is not one of the answers' nodes "
                                     f"({', '.join(node_names)})", node=node))
    ucast = {a[1] for _, d, a in lines if d == "ucast" and len(a) == 2}
    if ucast:
        for addr in addresses:
            if addr not in ucast:
                out.append(Problem(path, f"no ucast line sends to {addr}: that node would hear nothing", node=node))
    return out


def check_authkeys(text: str, mode: int, *, path: str = "/etc/ha.d/authkeys", node: str = "") -> list[Problem]:
    """Format and mode of authkeys. Messages never quote a key."""
    out: list[Problem] = []
    if mode & 0o077 or not mode & 0o400:
        out.append(Problem(path, f"mode {mode:o}: Heartbeat refuses to start unless authkeys is mode 600",
                           node=node))
    lines = _directives(text)
    if not lines or lines[0][1] != "auth" or len(lines[0][2]) != 1:
        out.append(Problem(path, "must start with `auth N` (N: the key number to sign with)",
                           lines[0][0] if lines else None, node=node))
        return out
    keys: dict[str, int] = {}
    for i, num, rest in lines[1:]:
        if not num.isdigit() or not 1 <= int(num) <= 15 or num in keys:
            out.append(Problem(path, f"key number {num!r}: use a unique number from 1 to 15", i, node=node))
        method = rest[0] if rest else ""
        if method not in ("sha1", "md5", "crc"):
            out.append(Problem(path, f"method {method!r}: use sha1", i, node=node))
        elif method == "crc":
            out.append(Problem(path, "crc signs nothing: anyone on the link could join; use sha1", i, node=node))
        elif len(rest) != 2:
            out.append(Problem(path, f"{method} needs exactly one key after it", i, node=node))
        keys[num] = i
    if lines[0][2][0] not in keys:
        out.append(Problem(path, f"`auth {lines[0][2][0]}` names no key line", lines[0][0], node=node))
    return out


def check_haresources(text: str, node_names: Sequence[str], master: str = "", *,
                      path: str = "/etc/ha.d/haresources", node: str = "") -> list[Problem]:
    out: list[Problem] = []
    groups = _directives(text.replace("\\\n", " "))
    if len(groups) != 1:
        out.append(Problem(path, f"{len(groups)} resource lines: the pair needs exactly one", node=node))
    for i, owner, resources in groups:
        if owner not in node_names:
            out.append(Problem(path, f"{owner!r} is not a node ({', '.join(node_names)}): the first word is "
                                     "the node that owns the resources", i, node=node))
        elif master and owner != master:
            out.append(Problem(path, f"owned by {owner}, but the answers' master is {master}", i, node=node))
        for r in resources:
            script, _, args = r.partition("::")
            if args and script not in RESOURCE_SCRIPTS:
                hint = " (the tutorial's datadisk is drbddisk today)" if script == "datadisk" else ""
                out.append(Problem(path, f"{script}:: is not a Heartbeat resource script{hint}", i, node=node))
            elif script == "IPaddr":
                out.append(Problem(path, "IPaddr needs ifconfig (net-tools), absent from a modern Debian; "
                                         "IPaddr2 uses ip", i, node=node, fatal=False))
            elif script in ("Filesystem", "ha-wizard-mount") and len(args.split("::")) < 3:
                out.append(Problem(path, f"{r}: write {script}::DEVICE::MOUNTPOINT::FSTYPE", i, node=node))
            elif script == "ha-wizard-ip" and (len(args.split("::")) != 1 or args.count("/") != 2):
                out.append(Problem(path, f"{r}: write ha-wizard-ip::ADDRESS/PREFIX/INTERFACE", i, node=node))
    return out


def _dopd(cf: WriteFile, node: str) -> list[Problem]:
    if "apiauth dopd" not in cf.content:
        return [Problem(cf.path, "drbd.fencing = dopd but ha.cf neither respawns nor allows dopd", node=node)]
    # DRBD's guide: dopd needs two independent Heartbeat links, or it cannot reach the peer exactly when the
    # replication link (often the same network) fails.
    links = {(d, a[0] if a else "") for _, d, a in _directives(cf.content) if d in MEDIA}
    if len(links) < 2:
        return [Problem(cf.path, "dopd fencing with a single Heartbeat link: add a second one (heartbeat.serial, "
                                 "a null-modem cable) or dopd cannot reach the peer when that link fails",
                        node=node, fatal=False)]
    return []


def check_heartbeat(ctx: PlanContext, files: dict[str, dict[str, WriteFile]], *,
                    uname_by_node: dict[str, str] | None = None) -> list[Problem]:
    names = [n.name for n in ctx.spec.nodes]
    addresses = [n.address for n in ctx.spec.nodes]
    out: list[Problem] = []
    for node in names:
        mine = files.get(node, {})
        if (cf := mine.get("/etc/ha.d/ha.cf")) is not None:
            out += check_ha_cf(cf.content, names, addresses, node=node)
            if ctx.spec.drbd.fencing == "dopd":
                out += _dopd(cf, node)
        if (hr := mine.get("/etc/ha.d/haresources")) is not None:
            out += check_haresources(hr.content, names, ctx.spec.master, node=node)
        if (ak := mine.get("/etc/ha.d/authkeys")) is not None:
            out += check_authkeys(ak.content, ak.mode, node=node)
        seen = (uname_by_node or {}).get(node)
        if seen is not None and seen != node:
            out.append(Problem("/etc/ha.d/ha.cf", f"`uname -n` on this node says {seen!r}, but the answers call "
                                                  f"it {node!r}: Heartbeat and DRBD find themselves by that name",
                               node=node))
    return out


def check_identical(files: dict[str, dict[str, WriteFile]], names: Sequence[str],
                    shared: Sequence[str] = SHARED) -> list[Problem]:
    """Files both nodes must hold byte for byte (``shared`` and DRBD's). Never quotes content (it may hold a
    secret)."""
    a, b = (files.get(n, {}) for n in names)
    out = []
    for path in sorted(set(a) | set(b)):
        if not (path in shared or path == "/etc/drbd.conf" or path.startswith("/etc/drbd.d/")):
            continue
        if path not in a or path not in b:
            lacking = names[0] if path not in a else names[1]
            out.append(Problem(path, f"planned on one node only: {lacking} would not have it"))
        elif a[path].content != b[path].content or a[path].mode != b[path].mode:
            out.append(Problem(path, f"differs between {names[0]} and {names[1]}; it must be identical"))
    return out
