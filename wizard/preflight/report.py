"""The preflight report: before anything changes, each requirement of the tutorial as a pass/warn/fail
line with the fix in plain words.

``evaluate(spec, facts, reach)`` is pure (facts in, lines out: the unit tests are tables of it);
``preflight(...)`` gathers what is missing first. ``require_ok`` turns fails into one WizardError.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any, Literal

from wizard.core.spec import Spec
from wizard.disks.choice import check_pair
from wizard.drbd.family import syntax_family
from wizard.errors import WizardError
from wizard.executors.base import Executor
from wizard.nodes.facts import NodeFacts
from wizard.nodes.gather import BASE_PACKAGES, STACK_PACKAGES, gather_all
from wizard.preflight.install import install_actions, install_steps, stack_packages
from wizard.preflight.reach import PING_WAIT_S, TCP_TIMEOUT_S, Reach, probe_peer

__all__ = ["install_actions", "install_steps"]  # re-exported: the preflight command and older callers

Status = Literal["pass", "warn", "fail"]
MARKS = {"pass": "✓", "warn": "!", "fail": "✗"}
DEMO = "demo answers"


@dataclass(frozen=True)
class CheckLine:
    status: Status
    what: str  # what was found, one sentence
    fix: str = ""  # what to change (warn/fail)
    node: str = ""  # the node it is about; "" for the pair
    key: str = ""  # stable id for screens and tests: hostname, address, drbd-port, disk, version:heartbeat ...


class PreflightFailed(WizardError):
    exit_code = 6

    def __init__(self, lines: Sequence[CheckLine]) -> None:
        self.lines = [ln for ln in lines if ln.status == "fail"]
        names = "; ".join(ln.what for ln in self.lines)
        super().__init__(f"preflight found {len(self.lines)} problem{'s' if len(self.lines) != 1 else ''} to fix "
                         f"before anything is changed: {names} (details: ha-wizard preflight --answers FILE)")


def require_ok(lines: Sequence[CheckLine]) -> None:
    """Raise PreflightFailed naming every fail line; warnings pass."""
    if any(ln.status == "fail" for ln in lines):
        raise PreflightFailed(lines)


# --- the checks --------------------------------------------------------------------------------------


def _node_lines(spec: Spec, name: str, nf: NodeFacts | None, wanted: Sequence[str]) -> list[CheckLine]:
    node = spec.node(name)
    i = spec.nodes.index(node) + 1
    other = next(n for n in spec.nodes if n.name != name)
    lines: list[CheckLine] = []

    def add(status: Status, key: str, what: str, fix: str = "") -> None:
        lines.append(CheckLine(status, what, fix, name, key))

    if nf is None or not nf.reached:
        if spec.demo and name != spec.master:
            add("warn", "contact", f"{name}: not checked ({DEMO}): the tutorial's network is never contacted",
                "copy the answers, put in your own servers and delete the 'demo' line")
        else:
            add("fail", "contact", f"{name}: not contacted ({nf.why_not if nf else 'no connection'})",
                f"check nodes[{i}].ssh and ssh_port in the answers, that sshd runs on {name} and that this "
                f"machine's root key is authorised there (ssh-copy-id -p {node.ssh_port} "
                f"{node.ssh_user}@{node.ssh or node.address})")
        return lines
    # the host name: drbd.conf's "on NAME" and ha.cf's "node NAME" must equal `uname -n` exactly
    if nf.hostname is None:
        add("fail", "hostname", f"{name}: `uname -n` could not be read ({nf.unknown.get('uname', '?')})")
    elif nf.hostname == name:
        add("pass", "hostname", f"{name}: `uname -n` is {name}")
    else:
        is_master = name == spec.master
        master = f" and cluster.master = \"{nf.hostname}\"" if is_master else ""
        add("fail", "hostname", f"{name}: `uname -n` says '{nf.hostname}' but the answers call it '{name}'",
            f"either change nodes[{i}].name to \"{nf.hostname}\"{master} in the answers, or rename the "
            f"machine: hostnamectl set-hostname {name} (and fix its line in /etc/hosts)"
            + (f"; if this machine is not {name}, run ha-wizard on {name} (the master)" if is_master else ""))
    # the replication address must be this node's, not the other's
    iface = nf.interface_with(node.address)
    if iface:
        add("pass", "address", f"{name}: the replication address {node.address} is on {iface}")
    elif "ip" in nf.unknown:
        add("warn", "address", f"{name}: addresses unknown ({nf.unknown['ip']})", "install iproute2")
    elif nf.interface_with(other.address):
        add("fail", "address", f"{name}: holds {other.address}, the address the answers give {other.name}; "
            f"{node.address} is not on it", "swap the two nodes' address values in the answers")
    else:
        add("fail", "address", f"{name}: no interface has {node.address} (it has {nf.address_list()})",
            f"set nodes[{i}].address to one of those, or configure {node.address} on {name} "
            f"(ip addr add {node.address}/{spec.service.netmask} dev IFACE, and make it permanent)")
    if iface and nf.interface_with(other.address):
        add("fail", "address", f"{name}: also holds {other.address}, {other.name}'s address",
            f"nodes[{i}].ssh probably reaches the wrong machine, or the addresses are swapped")
    for key, what, ifname in (("heartbeat-interface", "heartbeat.interface", spec.heartbeat.interface),
                              ("service-interface", "service.interface", spec.service.interface)):
        if nf.addresses and ifname not in nf.addresses:
            add("fail", key, f"{name}: has no interface {ifname} ({what}); it has {', '.join(nf.addresses)}",
                f"set {what} to the interface of the replication network (e.g. {iface or 'eth0'})")
    # DRBD's kernel module and the packages
    module = nf.drbd.kernel_module or nf.drbd_module
    if module:
        add("pass", "drbd-module", f"{name}: DRBD kernel module {module}"
            + (" (loaded)" if nf.drbd_loaded else ""))
    else:
        add("fail", "drbd-module", f"{name}: no DRBD kernel module found",
            "install the DRBD module for this kernel (Debian/Ubuntu ship it with the kernel; RHEL: kmod-drbd "
            "from ELRepo), then: modprobe drbd")
    missing = nf.missing_packages(wanted)
    if missing is None:
        add("warn", "packages", f"{name}: installed packages unknown ({nf.unknown.get('packages', '?')})",
            "check by hand that drbd-utils, heartbeat and the services are installed")
    elif absent := nf.not_offered(missing):
        add("fail", "packages", f"{name}: no package repository known to {name} offers {', '.join(absent)}",
            f"add the repository that has {'it' if len(absent) == 1 else 'them'} on {name} (then apt-get update), "
            "install it by hand, or leave the recipe that needs it out of [recipes] enabled")
    elif missing:
        try:
            cmd = " && ".join(r.display() for r in install_actions(name, missing, nf.package_manager))
        except WizardError as e:
            add("fail", "packages", f"{name}: not installed: {', '.join(missing)}", str(e))
        else:
            add("warn", "packages", f"{name}: not installed: {', '.join(missing)}: the plan installs them first "
                f"(install@{name})", f"nothing to do: apply runs `{cmd}` on {name} before any other step (or "
                f"install them yourself, or: ha-wizard preflight --answers {spec.source or 'FILE'} --install)")
    else:
        add("pass", "packages", f"{name}: {', '.join(wanted)} installed")
    # the serial link, if Heartbeat is to use one
    if spec.heartbeat.serial:
        port = spec.heartbeat.serial
        if nf.serial_ports is None:
            add("warn", "serial", f"{name}: serial ports unknown", f"check that {port} exists (setserial -g {port})")
        elif port in nf.serial_ports:
            add("pass", "serial", f"{name}: serial port {port} present")
        else:
            found = ", ".join(nf.serial_ports) or "none"
            add("fail", "serial", f"{name}: no serial port {port} (found: {found})",
                "set heartbeat.serial to one of those, or \"\" for no serial link")
    return lines


def _version_lines(spec: Spec, facts: Mapping[str, NodeFacts | None], wanted: Sequence[str]) -> list[CheckLine]:
    a, b = (facts.get(n) for n in (spec.master, spec.peer_node.name))
    if a is None or b is None or not a.reached or not b.reached:
        return []
    lines = []
    ka, kb = a.drbd.kernel_module or a.drbd_module, b.drbd.kernel_module or b.drbd_module
    if ka and kb:
        if ka == kb:
            lines.append(CheckLine("pass", f"DRBD kernel module {ka} on both nodes", key="version:drbd-module"))
        else:
            same = _family(ka) == _family(kb)
            lines.append(CheckLine("warn" if same else "fail", f"DRBD kernel module {ka} on {a.node} but {kb} "
                                   f"on {b.node}", "install the same DRBD version on both nodes"
                                   + (" (they speak the same protocol family, so this may work)" if same else ""),
                                   key="version:drbd-module"))
    for pkg in wanted:
        va, vb = a.packages.get(pkg), b.packages.get(pkg)
        if not va or not vb:
            continue  # a missing package is its own fail line
        if va == vb:
            lines.append(CheckLine("pass", f"{pkg} {va} on both nodes", key=f"version:{pkg}"))
        else:
            core = pkg in BASE_PACKAGES or pkg in STACK_PACKAGES["pacemaker"]
            lines.append(CheckLine("fail" if core else "warn", f"{pkg} {va} on {a.node} but {vb} on {b.node}",
                                   f"install the same {pkg} version on both nodes (the tutorial's rule: the same "
                                   "daemon versions on both)", key=f"version:{pkg}"))
    if a.machine_id and a.machine_id == b.machine_id:
        same_host = a.hostname == b.hostname
        lines.append(CheckLine("fail" if same_host else "warn",
                               f"{a.node} and {b.node} have the same /etc/machine-id"
                               + (" and host name: they are one machine" if same_host else " (cloned VMs?)"),
                               f"check nodes[].ssh: {b.node} must be reached at its own address" if same_host else
                               "give each clone its own id: rm /etc/machine-id && systemd-machine-id-setup",
                               key="same-machine"))
    return lines


def _family(version: str) -> str:
    try:
        return syntax_family(version)
    except ValueError:
        return version


def _disk_lines(spec: Spec, facts: Mapping[str, NodeFacts | None]) -> list[CheckLine]:
    pair = check_pair(spec, facts)
    lines = []
    for c in pair.checks:
        if c.verdict == "ok":
            lines.append(CheckLine("pass", c.reason, node=c.node, key="disk"))
        elif c.verdict == "confirm":
            lines.append(CheckLine("warn", c.reason, c.fix, c.node, "disk"))
        elif c.verdict == "unknown" and spec.demo:
            lines.append(CheckLine("warn", f"{c.device} on {c.node}: not checked ({DEMO})", node=c.node, key="disk"))
        elif c.verdict == "unknown":
            lines.append(CheckLine("fail", c.reason, "reach the node first", c.node, "disk"))
        else:  # refused: a usage reason already says what to do
            lines.append(CheckLine("fail", c.reason, c.fix, c.node, "disk"))
    if pair.equal is not None:
        lines.append(CheckLine("pass" if pair.equal else "warn", pair.note,
                               "" if pair.equal else "use equal-sized partitions (the tutorial's advice) to "
                               "waste nothing", key="disk-size"))
    return lines


def _reach_lines(spec: Spec, reach: Reach) -> list[CheckLine]:
    peer, master = spec.peer_node, spec.master_node
    port, udp = spec.drbd.port, spec.heartbeat.udpport
    tcp_what = f"TCP {port} (DRBD) on {peer.name} at {peer.address}"
    udp_what = f"UDP {udp} (Heartbeat) on {peer.name} at {peer.address}"
    if reach.skipped:
        return [CheckLine("warn", f"{tcp_what}: not checked ({reach.skipped})", key="drbd-port"),
                CheckLine("warn", f"{udp_what}: not checked ({reach.skipped})", key="heartbeat-udp")]
    lines = []
    if reach.route_local:
        lines.append(CheckLine("fail", f"{peer.address} is an address of {master.name} itself", "give "
                               f"{peer.name} its own address in the answers", key="route"))
    elif reach.route_error:
        lines.append(CheckLine("fail", f"{master.name} has no route to {peer.address} ({reach.route_error})",
                               "put both replication addresses in one subnet and check the link", key="route"))
    elif reach.route_dev:
        via = f"{master.name} reaches {peer.address} via {reach.route_dev}" + \
              (f" from {reach.route_src}" if reach.route_src else "")
        if reach.route_src and reach.route_src != master.address:
            lines.append(CheckLine("warn", f"{via}, not from its replication address {master.address}",
                                   "put both replication addresses in one subnet on the replication link",
                                   key="route"))
        else:
            lines.append(CheckLine("pass", via, key="route"))
    fw = (f"allow TCP {port} between the nodes on {peer.name} (e.g. iptables -I INPUT -p tcp --dport {port} "
          f"-s {master.address} -j ACCEPT, and the same on {master.name} for {peer.address})")
    tcp = {
        "open": ("pass", f"{tcp_what}: something already listens (DRBD of an earlier run?)", ""),
        "refused": ("pass", f"{tcp_what}: the host answers; nothing listens yet (DRBD starts later)", ""),
        "timeout": ("warn", f"{tcp_what}: no answer within {TCP_TIMEOUT_S} s: blocked by a firewall?", fw),
        "unreachable": ("fail", f"{tcp_what}: {master.name} cannot reach it ({reach.tcp_detail or reach.route_error})",
                        "check the cabling and that both replication addresses are in one subnet"),
        "unknown": ("warn", f"{tcp_what}: not checked (bash or timeout missing on {master.name})",
                    f"test by hand later: telnet {peer.address} {port}"),
    }[reach.tcp]
    lines.append(CheckLine(tcp[0], tcp[1], tcp[2], key="drbd-port"))  # type: ignore[arg-type]
    note = f"UDP has no handshake, so port {udp} cannot be tested before Heartbeat runs"
    udp_fix = f"if Heartbeat later reports {peer.name} dead, allow UDP {udp} between the nodes in the firewall"
    if reach.ping:
        lines.append(CheckLine("pass", f"{udp_what}: the host answers ping ({note})", udp_fix, key="heartbeat-udp"))
    elif reach.ping is False:
        lines.append(CheckLine("warn", f"{udp_what}: no ping answer within {PING_WAIT_S} s (ICMP filtered or host "
                               f"down; {note})", udp_fix, key="heartbeat-udp"))
    else:
        lines.append(CheckLine("warn", f"{udp_what}: not checked (no ping on {master.name}; {note})", udp_fix,
                               key="heartbeat-udp"))
    return lines


def evaluate(spec: Spec, facts: Mapping[str, object], reach: Reach | None = None) -> list[CheckLine]:
    """Every check line, master first, then the peer, then what concerns both (pure)."""
    nf = {n: f if isinstance(f, NodeFacts) else None for n, f in ((m, facts.get(m)) for m in
                                                                   (spec.master, spec.peer_node.name))}
    lines: list[CheckLine] = []
    wanted = stack_packages(spec, facts)  # for the stack these facts resolve the answers to
    for name in (spec.master, spec.peer_node.name):
        lines += _node_lines(spec, name, nf[name], wanted)
    lines += _version_lines(spec, nf, wanted)
    lines += _disk_lines(spec, nf)
    lines += _reach_lines(spec, reach or Reach(spec.peer_node.address, spec.drbd.port,
                                               skipped=DEMO if spec.demo else "not probed"))
    return lines


def preflight(source: Any, facts: Mapping[str, object] | None = None, *,
              reach: Reach | None = None) -> list[CheckLine]:
    """The report for a Session, or for ``(spec, executors)``. Facts and the reach probe are gathered when
    not given (read-only, so this runs in dry-run too)."""
    spec, executors = _unpack(source)
    if facts is None:
        facts = gather_all(spec, executors)
    if reach is None:
        m = facts.get(spec.master)
        reach = probe_peer(spec, executors.get(spec.master), m if isinstance(m, NodeFacts) else None)
    return evaluate(spec, facts, reach)


def _unpack(source: Any) -> tuple[Spec, Mapping[str, Executor]]:
    if isinstance(source, tuple):
        return source[0], source[1]
    return source.spec, source.executors


# --- display ------------------------------------------------------------------------------------------


def render(lines: Iterable[CheckLine]) -> str:
    out = []
    for ln in lines:
        out.append(f"{MARKS[ln.status]} {ln.what}")
        if ln.fix and ln.status != "pass":
            out.append(f"    fix: {ln.fix}")
    return "\n".join(out)


def summary(lines: Sequence[CheckLine]) -> str:
    n = {s: sum(1 for ln in lines if ln.status == s) for s in MARKS}
    verdict = "nothing blocks the setup" if not n["fail"] else "fix the ✗ lines, then run preflight again"
    return f"{n['pass']} passed, {n['warn']} warnings, {n['fail']} failed: {verdict}"


def to_json(lines: Sequence[CheckLine]) -> dict[str, Any]:
    return {"ok": not any(ln.status == "fail" for ln in lines), "lines": [asdict(ln) for ln in lines]}
