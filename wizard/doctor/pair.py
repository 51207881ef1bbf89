"""The pair doctor examines: both nodes' snapshots, what the admin intended (answers, or nothing), and the
readings every check family shares (the DRBD resource, haresources' group, the services, the VIP).

Pure: built from snapshots, never reaching a node.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property

from wizard.doctor.drbdconf import DrbdConfig, Host, Resource, read_config
from wizard.doctor.probe import NodeSnapshot
from wizard.heartbeat.agents import ADDRESS_AGENTS, MOUNT_AGENTS
from wizard.heartbeat.confcheck import RESOURCE_SCRIPTS, directives
from wizard.heartbeat.render import AUTHKEYS, HA_CF, HARESOURCES
from wizard.services.recipes import Recipe

FSTAB = "/etc/fstab"
COROSYNC_CONF = "/etc/corosync/corosync.conf"


@dataclass(frozen=True)
class Intent:
    """What the admin meant, when doctor knows it (--answers); discovered pairs leave most of it empty."""

    source: str  # "answers /root/lab.toml", "discovered from node1's files"
    master: str = ""  # the intended master (answers only)
    names: tuple[str, ...] = ()  # the nodes' names in the answers
    resource: str = ""  # the DRBD resource in the answers
    me: str = ""  # the answers' name of the node doctor runs on


@dataclass(frozen=True)
class Group:
    """haresources' resource line: the preferred node and its resources, in start order."""

    line: int
    owner: str
    resources: tuple[str, ...]

    def args(self, script: str) -> list[list[str]]:
        """The ``::``-separated arguments of each use of ``script`` (IPaddr2::10.0.0.5/24/eth0 -> [[...]])."""
        return [r.split("::")[1:] for r in self.resources if r.split("::")[0] == script]

    @property
    def services(self) -> tuple[str, ...]:
        """The init scripts that are not Heartbeat's own resource scripts: the services it starts."""
        return tuple(r for r in self.resources if "::" not in r and r not in RESOURCE_SCRIPTS)

    @property
    def vip(self) -> str:
        for script in ADDRESS_AGENTS:
            for a in self.args(script):
                if a:
                    return a[0].split("/")[0]
        return ""

    @property
    def drbd_resource(self) -> str:
        found = self.args("drbddisk") or self.args("drbdupper") or self.args("datadisk")
        return found[0][0] if found and found[0] else ""

    @property
    def filesystem(self) -> tuple[str, str, str] | None:
        """(device, mount point, fstype) of the mount resource (Filesystem or ha-wizard-mount)."""
        for a in (a for script in MOUNT_AGENTS for a in self.args(script)):
            if len(a) >= 2:
                return a[0], a[1], a[2] if len(a) > 2 else ""
        return None


def parse_haresources(text: str) -> list[Group]:
    return [Group(i, owner, tuple(res)) for i, owner, res in directives(text.replace("\\\n", " "))]


@dataclass(frozen=True)
class Pair:
    local: NodeSnapshot  # where doctor runs
    peer: NodeSnapshot  # unreached facts when it could not be read
    intent: Intent
    recipes: Mapping[str, Recipe] = field(default_factory=dict)

    @property
    def nodes(self) -> tuple[NodeSnapshot, ...]:
        """The nodes that were read."""
        return tuple(n for n in (self.local, self.peer) if n.reached)

    @property
    def both(self) -> bool:
        return self.local.reached and self.peer.reached

    def other(self, node: NodeSnapshot) -> NodeSnapshot:
        return self.peer if node is self.local else self.local

    @property
    def stack(self) -> str:
        """"pacemaker" where the nodes have a corosync.conf and no ha.cf (what ha-wizard writes for that stack),
        else "heartbeat": the families of the other stack are not checked."""
        nodes = self.nodes
        if nodes and any(COROSYNC_CONF in n.files for n in nodes) and not any(HA_CF in n.files for n in nodes):
            return "pacemaker"
        return "heartbeat"

    # --- DRBD -------------------------------------------------------------------------------------------
    @cached_property
    def _configs(self) -> dict[int, DrbdConfig | None]:
        return {id(n): read_config(n.files) for n in (self.local, self.peer)}

    def drbd(self, node: NodeSnapshot) -> DrbdConfig | None:
        return self._configs[id(node)]

    @cached_property
    def resource_name(self) -> str:
        """The resource the pair is about: the answers', haresources' drbddisk, else the only (first) one."""
        if self.intent.resource:
            return self.intent.resource
        for n in self.nodes:
            g = self.group(n)
            if g is not None and g.drbd_resource:
                return g.drbd_resource
        for n in self.nodes:
            cfg = self.drbd(n)
            if cfg is not None and cfg.resources:
                return cfg.resources[0].name
        return ""

    def resource(self, node: NodeSnapshot) -> Resource | None:
        cfg = self.drbd(node)
        return cfg.resource(self.resource_name) if cfg is not None else None

    def own_host(self, node: NodeSnapshot) -> Host | None:
        """The `on` section DRBD picks on ``node``: the one named by its `uname -n`."""
        res = self.resource(node)
        return res.host(node.name) if res is not None else None

    def peer_host(self, node: NodeSnapshot) -> Host | None:
        """The section for the other node, in ``node``'s file: named by the other's `uname -n` when read,
        else the section that is not ``node``'s own."""
        res = self.resource(node)
        if res is None:
            return None
        other = self.other(node)
        if other.reached and (h := res.host(other.name)) is not None:
            return h
        return next((h for h in res.hosts if h.name != node.name), None)

    @property
    def minor(self) -> int | None:
        for n in self.nodes:
            h = self.own_host(n) or self.peer_host(n)
            if h is not None and h.device.removeprefix("/dev/drbd").isdigit():
                return int(h.device.removeprefix("/dev/drbd"))
        return 0 if self.resource_name else None

    # --- Heartbeat --------------------------------------------------------------------------------------
    def group(self, node: NodeSnapshot) -> Group | None:
        text = node.files.get(HARESOURCES)
        groups = parse_haresources(text) if text is not None else []
        return groups[0] if groups else None

    def copies(self, path: str) -> list[tuple[NodeSnapshot, str]]:
        """Each distinct copy of a file that must be the same on both nodes, with whose it is: one (this node,
        "both nodes") when the copies are identical, so a slip in both is reported once; else one per node."""
        have = [n for n in self.nodes if path in n.files]
        if len(have) == 2 and have[0].files[path] == have[1].files[path]:
            return [(have[0], "both nodes")]
        return [(n, n.name) for n in have]

    def ha_cf(self, node: NodeSnapshot) -> list[tuple[int, str, list[str]]]:
        return directives(node.files.get(HA_CF, ""))

    def services(self) -> tuple[str, ...]:
        found: list[str] = []
        for n in self.nodes:
            g = self.group(n)
            found += g.services if g is not None else ()
        return tuple(dict.fromkeys(found))

    def recipe_for(self, service: str) -> Recipe | None:
        """The recipe whose init script (or name) is this haresources entry."""
        return next((r for r in self.recipes.values() if service in (r.init_script, r.name)), None)

    @property
    def vip(self) -> str:
        return next((g.vip for n in self.nodes if (g := self.group(n)) is not None and g.vip), "")

    @property
    def mount(self) -> tuple[str, str, str] | None:
        return next((fs for n in self.nodes if (g := self.group(n)) is not None and (fs := g.filesystem)), None)

    def serves(self, node: NodeSnapshot) -> bool:
        """Does ``node`` hold the service side: the replicated filesystem mounted, or the VIP?"""
        mount = self.mount
        mounted = mount is not None and any(m.mountpoint == mount[1] for m in node.facts.mounts)
        return mounted or (bool(self.vip) and node.facts.interface_with(self.vip) is not None)

    def secrets(self) -> list[str]:
        """Every secret read from the nodes (shared-secret, authkeys keys), so output can mask them."""
        out: list[str] = []
        for n in self.nodes:
            cfg = self.drbd(n)
            out += cfg.secrets if cfg is not None else ()
            for _, num, rest in directives(n.files.get(AUTHKEYS, "")):
                if num.isdigit() and len(rest) >= 2:
                    out.append(rest[1])
        return out


# --- small readings the checks share -------------------------------------------------------------------
def units_not(pair: Pair, kind: str, unit: str, good: tuple[str, ...]) -> list[tuple[NodeSnapshot, str]]:
    """(node, state) where ``systemctl is-KIND UNIT`` answered something not in ``good`` (no answer: skipped)."""
    return [(n, s) for n in pair.nodes if (s := n.unit(kind, unit)) is not None and s not in good]


def holds(node: NodeSnapshot, address: str) -> bool:
    """Does ``node`` have ``address`` on one of its interfaces?"""
    return node.facts.interface_with(address) is not None


def same_subnet_iface(node: NodeSnapshot, address: str) -> str | None:
    """The interface of ``node`` whose network contains ``address``."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return None
    for name, addrs in node.facts.addresses.items():
        if any(ip in a.network and not a.ip.is_loopback for a in addrs):
            return name
    return None


def line_text(node: NodeSnapshot, path: str, line: int) -> str:
    lines = node.files.get(path, "").splitlines()
    return lines[line - 1].strip() if 0 < line <= len(lines) else ""


def at(node: NodeSnapshot, path: str, line: int = 0) -> str:
    """Evidence pointing into a file: ``node1:/etc/drbd.d/r0.res:5: on nodel {``."""
    if not line:
        return f"{node.name}:{path}"
    text = line_text(node, path, line)
    return f"{node.name}:{path}:{line}" + (f": {text}" if text else "")


def said(node: NodeSnapshot, command: str, output: str) -> str:
    """Evidence from a command: ``node2$ systemctl is-enabled apache2: enabled``."""
    first = " | ".join(ln.strip() for ln in output.strip().splitlines()[:3]) or "(no output)"
    return f"{node.name}$ {command}: {first}"
