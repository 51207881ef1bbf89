"""The answers file (TOML) and the validated, frozen Spec built from it.

Every mistake is collected and reported at once, each naming its key and value, so an admin fixes the
file in one pass instead of one error per run. Secrets are not part of the Spec (see ``wizard.core.secrets``):
printing a Spec can never leak them.
"""

from __future__ import annotations

import difflib
import hashlib
import ipaddress
import json
import re
from dataclasses import asdict, dataclass, field
from typing import Any

from wizard.core import validate as v
from wizard.core.resources import recipe_names
from wizard.errors import AnswersError

# The schema, declared once: section -> key -> Field(default, validator). ``REQUIRED`` marks keys without a
# default. Adding a key is one line here (plus its field in the dataclass below); its type is the default's
# (``kind`` for a required key) and is checked before the validator runs, so a validator only ever sees a
# value of the right type. Cross-key rules (the VIP in the nodes' subnet, Heartbeat's timings) are in
# ``_relations``.
REQUIRED = object()


@dataclass(frozen=True)
class Field:
    default: Any
    check: v.Validator | None = None
    kind: type = str  # only read for REQUIRED keys; otherwise the default's type is the kind


F = Field
FILESYSTEMS = ("ext3", "ext4", "xfs")
PROTOCOLS = ("A", "B", "C")
DRBD_VERSIONS = ("auto", "8.3", "8.4", "9")
FENCING = ("none", "dopd")
MEDIA = ("ucast", "bcast", "serial")
BAUDS = (9600, 19200, 38400, 57600, 115200)
PROFILE_NAMES = ("tutorial", "recommended", "custom")
# The mount and the address in the resource chain: "lean" = ha-wizard's own two scripts, "stock" =
# resource-agents' Filesystem and IPaddr2 (docs/heartbeat.md, "The resource chain").
AGENT_SETS = ("lean", "stock")
# The cluster manager: "heartbeat" (the tutorial's), "pacemaker" (Pacemaker + Corosync, rendered and checked
# but not set up yet: docs/pacemaker.md) or "auto" (heartbeat where the nodes have or can install it,
# wizard.pacemaker.stack). Fencing and [stonith] are Pacemaker's: "none-confirmed" turns STONITH off.
STACKS = ("heartbeat", "pacemaker", "auto")
CLUSTER_FENCING = ("stonith", "none-confirmed")
FENCE_AGENTS = ("fence_ipmilan", "fence_virsh")
# DRBD's automatic split-brain policies a person can choose from (the risk of each: wizard.drbd.render).
AFTER_SB = {"after_sb_0pri": ("discard-zero-changes", "disconnect", "discard-least-changes",
                              "discard-younger-primary", "discard-older-primary"),
            "after_sb_1pri": ("discard-secondary", "consensus", "call-pri-lost-after-sb", "disconnect"),
            "after_sb_2pri": ("disconnect", "call-pri-lost-after-sb")}

FIELDS: dict[str, dict[str, Field]] = {
    "nodes": {  # each of the two [[nodes]] tables
        "name": F(REQUIRED, v.host_name),
        "ssh": F("", v.blank_or(v.dns_name_or_ip, "for this machine")),
        "ssh_port": F(22, v.port),
        "ssh_user": F("root", v.user_name),
        "address": F(REQUIRED, v.ip_address),
        "disk": F(REQUIRED, v.device_path),
        # Pacemaker only: the node's address on a second cluster link (Corosync link 1; "" = one link), and
        # its fence device: the BMC's address (fence_ipmilan) or the VM's name on the hypervisor (fence_virsh)
        "second_address": F("", v.blank_or(v.ip_address, "for one cluster link")),
        "fence_target": F("", v.blank_or(v.fence_target, "for none")),
    },
    "cluster": {"master": F(REQUIRED, v.host_name), "demo": F(False),
                "stack": F("heartbeat", v.choice(STACKS)),
                "fencing": F("stonith", v.choice(CLUSTER_FENCING))},
    # ranges: DRBD 8.4's drbd_limits.h, so a value drbdadm would refuse is named here, at its key
    "drbd": {
        "resource": F("r0", v.drbd_resource),
        "device": F("/dev/drbd0", v.drbd_device),
        "meta_disk": F("internal", v.either(v.choice(["internal"]), v.device_path)),
        "port": F(7788, v.port),
        "protocol": F("C", v.choice(PROTOCOLS)),
        "version": F("auto", v.choice(DRBD_VERSIONS)),
        # ping-int 4 (DRBD's default is 10): a dead peer is noticed within ~4.5 s, before Heartbeat's
        # recommended deadtime (8), so drbddisk promotes at its first try instead of retrying for seconds;
        # timeout (tenths) must stay below ping-int (docs/heartbeat.md).
        "timeout": F(30, v.whole(1, 600, why=" tenths of a second")),
        "connect_int": F(10, v.whole(1, 120, why=" seconds")),
        "ping_int": F(4, v.whole(1, 120, why=" seconds")),
        "max_buffers": F(2048, v.whole(32, 131072)),
        "max_epoch_size": F(2048, v.whole(1, 20000)),
        "ko_count": F(0, v.whole(0, 200)),
        "cram_hmac_alg": F("sha1", v.crypto_name),
        "shared_secret": F("", v.secret),
        "sync_rate": F("", v.blank_or(v.rate(), "to measure the link")),
        "al_extents": F(257, v.whole(7, 65534)),
        "wfc_timeout": F(0, v.whole(0, 300000, why=" seconds")),
        "degr_wfc_timeout": F(120, v.whole(0, 300000, why=" seconds")),
        "fencing": F("none", v.choice(FENCING)),
        "skip_initial_sync": F(False),
        "split_brain_notify": F("root", v.mail_address),
        # DRBD's automatic split-brain policies (the risk of each: wizard.drbd.render, docs/heartbeat.md)
        "after_sb_0pri": F("discard-zero-changes", v.choice(AFTER_SB["after_sb_0pri"])),
        "after_sb_1pri": F("discard-secondary", v.choice(AFTER_SB["after_sb_1pri"])),
        "after_sb_2pri": F("disconnect", v.choice(AFTER_SB["after_sb_2pri"])),
    },
    "storage": {"mount_point": F("/replicated", v.directory), "filesystem": F("ext4", v.choice(FILESYSTEMS))},
    "service": {
        "hostname": F(REQUIRED, v.host_name),
        "vip": F(REQUIRED, v.ip_address),
        "netmask": F(24, v.prefix_length),
        "interface": F("eth0", v.interface),
    },
    "recipes": {
        "enabled": F([], v.list_of(v.recipe(recipe_names))),
        # where a node without the replicated disk relays local mail ("" = the service address)
        "relay_host": F("", v.blank_or(v.host_port, "for the service address")),
    },
    # The custom recipe (enabled = ["custom"]): the service's unit, the paths to move and its health check;
    # whether it is complete is a cross-key rule (_recipe_choices), its deeper checks the recipe schema's.
    "custom": {
        "description": F("", v.one_line),
        "packages": F([], v.list_of(v.package_name)),
        "unit": F("", v.blank_or(v.unit_name, "for none")),
        "init_script": F("", v.blank_or(v.package_name, "to use the unit")),
        "paths": F([], v.list_of(v.abs_path)),
        "health_port": F(0, v.port_or_zero),
        "health_socket": F("", v.blank_or(v.abs_path, "for none")),
        "health_command": F([], v.list_of(v.one_line)),
    },
    "heartbeat": {
        # the recommended profile's values (PROFILES below), so drafts agree with it
        "keepalive": F(1, v.whole(1, 3600, why=" seconds")),
        "warntime": F(4, v.whole(1, 86400, why=" seconds")),
        "deadtime": F(8, v.whole(1, 86400, why=" seconds")),
        "initdead": F(30, v.whole(1, 86400, why=" seconds")),
        # 0: derived from the node names (unique per cluster), see heartbeat_timing
        "udpport": F(0, v.port_or_zero),
        "media": F("ucast", v.choice(MEDIA)),
        "interface": F("eth0", v.interface),
        "second_interface": F("", v.blank_or(v.interface, "for none")),
        "serial": F("", v.blank_or(v.device_path, "for none")),
        "baud": F(19200, v.choice(BAUDS)),
        "auto_failback": F(False),
        "profile": F("", v.blank_or(v.choice(PROFILE_NAMES), "for recommended (custom when timing keys are given)")),
        "agents": F("lean", v.choice(AGENT_SETS)),
        "authkey": F("", v.secret),
    },
    # How Pacemaker fences a node (cluster.fencing = "stonith"); "" agent: not chosen yet, the CIB script then
    # holds named placeholders. No password here: password_script names a script on the nodes that prints it.
    "stonith": {
        "agent": F("", v.blank_or(v.choice(FENCE_AGENTS), "for not chosen yet")),
        "login": F("", v.blank_or(v.plain_name("admin"), "for none")),
        "password_script": F("", v.blank_or(v.abs_path, "for none")),
        "hypervisor": F("", v.blank_or(v.dns_name_or_ip, "for none")),
        "identity_file": F("", v.blank_or(v.abs_path, "for none")),
    },
    "wizard": {"journal_dir": F("/var/lib/ha-wizard", v.any_path), "keep_secrets_in_answers": F(False)},
}


def _fields(section: str) -> dict[str, Field]:
    # a key added as a bare default (no Field) is typed by its default and has no validator
    return {k: f if isinstance(f, Field) else Field(f) for k, f in FIELDS[section].items()}


# The old shape, {key: default}, for the writers of answers files (wizard.core.answers) and the screens.
NODE_KEYS: dict[str, Any] = {k: f.default for k, f in _fields("nodes").items()}
SECTIONS: dict[str, dict[str, Any]] = {
    name: {k: f.default for k, f in _fields(name).items()} for name in FIELDS if name != "nodes"
}
TOP_LEVEL = [*SECTIONS, "nodes"]


@dataclass(frozen=True)
class Node:
    name: str
    ssh: str  # address the wizard uses to reach the node ("" = this machine)
    ssh_port: int
    ssh_user: str
    address: str  # replication address (DRBD + Heartbeat ucast)
    disk: str  # backing partition
    second_address: str = ""  # Pacemaker: the node's address on Corosync's link 1 ("" = one link)
    fence_target: str = ""  # Pacemaker: its BMC address (fence_ipmilan) or VM name (fence_virsh)


@dataclass(frozen=True)
class Drbd:
    resource: str
    device: str
    meta_disk: str
    port: int
    protocol: str
    version: str
    timeout: int
    connect_int: int
    ping_int: int
    max_buffers: int
    max_epoch_size: int
    ko_count: int
    cram_hmac_alg: str
    sync_rate: str
    al_extents: int
    wfc_timeout: int
    degr_wfc_timeout: int
    fencing: str
    skip_initial_sync: bool
    split_brain_notify: str
    after_sb_0pri: str
    after_sb_1pri: str
    after_sb_2pri: str

    @property
    def minor(self) -> int:
        m = re.search(r"(\d+)$", self.device)
        return int(m.group(1)) if m else 0


@dataclass(frozen=True)
class Storage:
    mount_point: str
    filesystem: str


@dataclass(frozen=True)
class Service:
    hostname: str
    vip: str
    netmask: int
    interface: str


@dataclass(frozen=True)
class Heartbeat:
    keepalive: int
    warntime: int
    deadtime: int
    initdead: int
    udpport: int
    media: str
    interface: str
    second_interface: str
    serial: str
    baud: int
    auto_failback: bool
    profile: str
    agents: str = "lean"


@dataclass(frozen=True)
class Stonith:
    """[stonith]: Pacemaker's fence device (wizard.pacemaker.cib); each node's own target is in [[nodes]]."""

    agent: str = ""
    login: str = ""
    password_script: str = ""
    hypervisor: str = ""
    identity_file: str = ""


@dataclass(frozen=True)
class WizardSettings:
    journal_dir: str
    keep_secrets_in_answers: bool


@dataclass(frozen=True)
class Custom:
    """The answers' own recipe ([custom]); ``wizard.services.recipes`` turns it into a Recipe."""

    description: str = ""
    packages: tuple[str, ...] = ()
    unit: str = ""
    init_script: str = ""
    paths: tuple[str, ...] = ()
    health_port: int = 0
    health_socket: str = ""
    health_command: tuple[str, ...] = ()


@dataclass(frozen=True)
class Spec:
    """The whole cluster as the admin described it, validated."""

    nodes: tuple[Node, Node]
    master: str
    demo: bool
    drbd: Drbd
    storage: Storage
    service: Service
    recipes: tuple[str, ...]
    heartbeat: Heartbeat
    wizard: WizardSettings
    source: str = field(default="", compare=False)
    relay_host: str = ""  # where a node without the replicated disk relays local mail ("" = service.vip)
    custom: Custom = field(default_factory=Custom)
    stack: str = "heartbeat"  # as answered: "heartbeat", "pacemaker" or "auto" (resolved: PlanContext.stack)
    fencing: str = "stonith"  # Pacemaker: "stonith", or "none-confirmed" (STONITH off, typed consent)
    stonith: Stonith = field(default_factory=Stonith)

    @property
    def master_node(self) -> Node:
        return next(n for n in self.nodes if n.name == self.master)

    @property
    def peer_node(self) -> Node:
        return next(n for n in self.nodes if n.name != self.master)

    def node(self, name: str) -> Node:
        return next(n for n in self.nodes if n.name == name)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d.pop("source", None)
        return d

    def digest(self) -> str:
        """A stable hash of the answers (secrets excluded), recorded in the journal. The Pacemaker keys count
        only when they are not at their defaults: a Heartbeat pair's digest stays what it was before they
        existed, so a resume after an upgrade does not report changed answers."""
        d = self.to_dict()
        for key, default in (("stack", "heartbeat"), ("fencing", "stonith"), ("stonith", asdict(Stonith()))):
            if d[key] == default:
                del d[key]
        for n in d["nodes"]:
            for key in ("second_address", "fence_target"):
                if n[key] == "":
                    del n[key]
        blob = json.dumps(d, sort_keys=True).encode()
        return hashlib.sha256(blob).hexdigest()[:16]


@dataclass(frozen=True)
class SecretsInAnswers:
    """Secrets the admin chose to keep in the answers file (empty = generate / state file)."""

    shared_secret: str = ""
    authkey: str = ""


def _suggest(key: str, choices: list[str]) -> str:
    close = difflib.get_close_matches(key, choices, n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else f" (known keys: {', '.join(choices)})"


_PLAIN_KEY = re.compile(r"^[A-Za-z0-9_-]{1,40}$")


def _key(key: Any) -> str:
    """A key as it can be printed on one line (TOML allows quoted keys with any character)."""
    return key if isinstance(key, str) and _PLAIN_KEY.match(key) else v.shown(key, 40)


class _Collector:
    def __init__(self) -> None:
        self.problems: list[str] = []

    def add(self, msg: str) -> None:
        self.problems.append(msg)

    def bad(self, key: str, value: Any, rule: str, *, secret: bool = False) -> None:
        self.add(f"{key} = {'********' if secret else v.shown(value)}: {rule}")


# Never echoed in a sentence when wrong. stonith.password_script is a path, but a wrong one may well be the
# BMC password typed where its script belongs.
SECRET_FIELDS = {("drbd", "shared_secret"), ("heartbeat", "authkey"), ("stonith", "password_script")}


def _kind_ok(val: Any, f: Field) -> bool:
    want = f.kind if f.default is REQUIRED else type(f.default)
    if want is bool:
        return isinstance(val, bool)
    if want is int:
        return isinstance(val, int) and not isinstance(val, bool)
    return isinstance(val, want)


def _kind(f: Field) -> str:
    want = f.kind if f.default is REQUIRED else type(f.default)
    return {bool: "true or false", int: "a whole number", list: 'a list like ["a", "b"]'}.get(
        want, "a quoted string")


def _table(given: dict[str, Any], section: str, label: str, missing: str, out: _Collector) -> dict[str, Any]:
    """One table's values, each checked for type then value; a wrong one is reported and replaced by its
    default (None for a required key) so the cross-key checks still run on the others."""
    fields = _fields(section)
    for key in given:
        if key not in fields:
            out.add(f"{label}.{_key(key)}: unknown key{_suggest(str(key), list(fields))}")
    values: dict[str, Any] = {}
    for key, f in fields.items():
        fallback = None if f.default is REQUIRED else f.default
        if key not in given:
            if f.default is REQUIRED:
                out.add(f"{label}.{key} is missing: {missing}")
            values[key] = fallback
            continue
        val = given[key]
        secret = (section, key) in SECRET_FIELDS
        rule = f"expected {_kind(f)}" if not _kind_ok(val, f) else f.check(val) if f.check else None
        if rule:
            out.bad(f"{label}.{key}", val, rule, secret=secret)
            val = fallback
        values[key] = val
    return values


def _section(raw: dict[str, Any], name: str, out: _Collector) -> dict[str, Any]:
    given = raw.get(name, {})
    if not isinstance(given, dict):
        out.add(f"[{name}] must be a table like '[{name}]', not {type(given).__name__}")
        given = {}
    return _table(given, name, name, f"add it under [{name}]", out)


def _nodes(raw: dict[str, Any], out: _Collector) -> list[dict[str, Any]]:
    given = raw.get("nodes")
    if not isinstance(given, list) or not all(isinstance(n, dict) for n in given):
        out.add("nodes: give exactly two [[nodes]] tables (one per server)")
        return []
    if len(given) != 2:
        out.add(f"nodes: found {len(given)} [[nodes]] tables; DRBD mirrors between exactly two servers")
    nodes = [_table(n, "nodes", f"nodes[{i}]", f"add it to the {i}. [[nodes]] table", out)
             for i, n in enumerate(given[:2], start=1)]
    for key, what in (("name", "each server needs its own `uname -n`"),
                      ("address", "each server needs its own address")):
        seen = [n[key] for n in nodes if n[key]]
        if len(seen) == 2 and seen[0] == seen[1]:
            out.add(f"nodes: the {key} {seen[0]!r} is used twice: {what}")
    return nodes


def _relations(nodes: list[dict[str, Any]], s: dict[str, dict[str, Any]], given_hb: Any, given_custom: Any,
               out: _Collector, given_nodes: Any = None) -> None:
    """Rules between keys. Each value here already passed its own check (or is None / its default)."""
    master = s["cluster"]["master"]
    names = [n["name"] for n in nodes]
    if master is not None and names and master not in names:
        out.add(f"cluster.master = {master!r}: not one of the nodes ({', '.join(map(str, names))})")
    sv = s["service"]
    if sv["vip"] is not None:
        _check_vip(ipaddress.ip_address(sv["vip"]), sv["netmask"], nodes, out)
    d = s["drbd"]
    if d["timeout"] >= 10 * min(d["connect_int"], d["ping_int"]):
        out.add(f"drbd.timeout = {d['timeout']}: must be below drbd.connect_int ({d['connect_int']} s) and "
                f"drbd.ping_int ({d['ping_int']} s); it counts tenths of a second, so at most "
                f"{10 * min(d['connect_int'], d['ping_int']) - 1}")
    if d["fencing"] == "dopd" and d["version"] == "9":
        out.add('drbd.fencing = \'dopd\': works with DRBD 8.x only (DRBD 9 no longer exports DRBD_PEER); '
                'use fencing = "none"')
    heartbeat_timing(given_hb, s["heartbeat"], [n.get("name") for n in nodes], out.add)
    _pacemaker_choices(nodes, s, given_nodes, out)

    _recipe_choices(s["recipes"], s["custom"], given_custom, out)


def spec_from_dict(raw: dict[str, Any], source: str = "answers") -> tuple[Spec, SecretsInAnswers]:
    out = _Collector()
    if not isinstance(raw, dict):
        raise AnswersError(["the answers must be a TOML document of [sections]"], source)
    for key in raw:
        if key not in TOP_LEVEL:
            out.add(f"[{_key(key)}]: unknown section{_suggest(str(key), TOP_LEVEL)}")
    nodes = _nodes(raw, out)
    s = {name: _section(raw, name, out) for name in SECTIONS}
    _relations(nodes, s, raw.get("heartbeat"), raw.get("custom"), out, raw.get("nodes"))
    if out.problems:
        raise AnswersError(out.problems, source)

    d, st, sv, hb = s["drbd"], s["storage"], s["service"], s["heartbeat"]
    node_objs = tuple(Node(**n) for n in nodes)
    secrets = SecretsInAnswers(shared_secret=d.pop("shared_secret"), authkey=hb.pop("authkey"))
    spec = Spec(
        nodes=(node_objs[0], node_objs[1]),
        master=s["cluster"]["master"],
        demo=s["cluster"]["demo"],
        drbd=Drbd(**d),
        storage=Storage(**st),
        service=Service(**sv),
        recipes=tuple(s["recipes"]["enabled"]),
        heartbeat=Heartbeat(**hb),
        wizard=WizardSettings(**s["wizard"]),
        source=source,
        relay_host=s["recipes"]["relay_host"],
        custom=custom_from(s["custom"]),
        stack=s["cluster"]["stack"],
        fencing=s["cluster"]["fencing"],
        stonith=Stonith(**s["stonith"]),
    )
    return spec, secrets


def custom_from(values: dict[str, Any]) -> Custom:
    fields: dict[str, Any] = {k: tuple(v) if isinstance(v, list) else v for k, v in values.items()}
    return Custom(**fields)


def _recipe_choices(rc: dict[str, Any], custom: dict[str, Any], given: Any, out: _Collector) -> None:
    """The services keys: no recipe twice, a plain relay host, and a usable [custom] when it is enabled
    (its deeper checks are the recipe schema's, in wizard.services.schema)."""
    enabled = rc["enabled"] if isinstance(rc["enabled"], list) else []
    twice = sorted({str(r) for r in enabled if enabled.count(r) > 1})
    if twice:
        out.add(f"recipes.enabled: {', '.join(twice)} listed twice")
    if "custom" not in enabled:
        return
    given = given if isinstance(given, dict) else {}  # a key given but wrong was named already, by its check
    if not custom["unit"] and not given.get("unit"):
        out.add("custom.unit is missing: the custom recipe needs the service's systemd unit, like myapp.service")
    if not custom["paths"] and not given.get("paths"):
        out.add("custom.paths is missing: list the folders the custom service keeps its config and data in")
    given = [k for k in ("health_port", "health_socket", "health_command") if custom[k]]
    if len(given) != 1:
        out.add("custom: give exactly one of health_port, health_socket or health_command (how to tell the "
                "service answers)")


# What each fence agent needs besides the nodes' fence_target (wizard.pacemaker.cib turns them into parameters).
FENCE_NEEDS = {"fence_ipmilan": ("login", "password_script"), "fence_virsh": ("hypervisor", "login", "identity_file")}


def _pacemaker_choices(nodes: list[dict[str, Any]], s: dict[str, dict[str, Any]], given_nodes: Any,
                       out: _Collector) -> None:
    """The Pacemaker keys between themselves (only where Pacemaker may run: stack pacemaker or auto)."""
    seconds = [n.get("second_address") or "" for n in nodes]
    # given, right or wrong (a wrong one was named by its check): "one node only" is about the file
    given = [isinstance(n, dict) and bool(n.get("second_address")) for n in given_nodes[:2]] \
        if isinstance(given_nodes, list) else []
    if any(given) and not all(given):
        out.add("nodes: second_address is given for one node only: give both nodes' addresses on the second "
                "cluster link, or neither")
    for n in nodes:
        if n.get("second_address") and n["second_address"] == n.get("address"):
            out.add(f"nodes: {n.get('name')}'s second_address equals its address: the second link needs the "
                    "node's address on another network")
    if len(seconds) == 2 and seconds[0] and seconds[0] == seconds[1]:
        out.add(f"nodes: the second_address {seconds[0]!r} is used twice: each node needs its own")
    c, st = s["cluster"], s["stonith"]
    # (link 0's addresses cannot differ so: the service address is in both nodes' subnet)
    families = [ipaddress.ip_address(a).version for a in seconds if a]
    if len(families) == 2 and families[0] != families[1]:
        out.add(f"nodes: the second_addresses are IPv{families[0]} and IPv{families[1]}: a Corosync link joins "
                "the nodes over one IP family; give both the same kind of address")
    if c["stack"] == "heartbeat":
        return
    if c["stack"] == "pacemaker" and s["drbd"]["fencing"] == "dopd":
        out.add('drbd.fencing = "dopd": dopd is Heartbeat\'s; under Pacemaker DRBD fences through drbd-utils\' '
                'crm-fence-peer handlers (always on): use fencing = "none"')
    agent = st["agent"]
    if c["fencing"] == "none-confirmed" and agent:
        out.add(f'stonith.agent = "{agent}": cluster.fencing = "none-confirmed" turns STONITH off; remove one '
                "of the two")
    if not agent or c["fencing"] != "stonith":
        return
    for key in FENCE_NEEDS[agent]:
        if not st[key]:
            out.add(f"stonith.{key} is missing: {agent} needs it (docs/pacemaker.md, Fencing)")
    for i, n in enumerate(nodes, start=1):
        if not n.get("fence_target"):
            what = "its BMC's address" if agent == "fence_ipmilan" else "its VM's name on the hypervisor"
            out.add(f"nodes[{i}].fence_target is missing: {agent} needs {what}")


def _check_vip(vip: Any, prefix: int, nodes: list[dict[str, Any]], out: _Collector) -> None:
    try:
        net = ipaddress.ip_network(f"{vip}/{prefix}", strict=False)
    except ValueError:
        return
    for n in nodes:
        try:
            addr = ipaddress.ip_address(n["address"])
        except (ValueError, TypeError):
            continue
        if addr == vip:
            out.add(f"service.vip = {vip}: equals {n['name']}'s address; the VIP must be a free address")
        elif addr not in net:
            out.add(f"service.vip = {vip}: outside {n['name']}'s subnet ({addr} is not in {net}); "
                    f"pick a free address in the nodes' subnet or fix service.netmask")


# --- Heartbeat: timing profiles, media, udpport ------------------------------------------------------
# keepalive, warntime, deadtime, initdead. "tutorial": the tutorial's Listing 3 (warntime: Heartbeat's own
# default, deadtime / 2). "recommended": measured in the lab (docs/heartbeat.md). "custom": the answers' own.
PROFILES: dict[str, tuple[int, int, int, int]] = {"tutorial": (2, 60, 120, 120), "recommended": (1, 4, 8, 30)}
TIMING = ("keepalive", "warntime", "deadtime", "initdead")
UDPPORT_BASE, UDPPORT_SPAN = 20694, 256  # derived ports: outside the kernel's ephemeral range


def derived_udpport(names: list[Any]) -> int:
    """A udpport from the two node names: two clusters on one LAN get different ports (the tutorial's
    advice for broadcast heartbeats), and both nodes compute the same one."""
    import zlib

    key = " ".join(sorted(str(n) for n in names)).encode()
    return UDPPORT_BASE + zlib.crc32(key) % UDPPORT_SPAN


def heartbeat_timing(given: Any, hb: dict[str, Any], names: list[Any], add: Any) -> None:
    """[heartbeat]'s rules between keys, and the profile's timing and the derived udpport filled in (in
    ``hb``). Each key's own type and value were checked by its validator (FIELDS) already."""
    given = given if isinstance(given, dict) else {}
    set_timing = [k for k in TIMING if k in given]
    profile = hb["profile"] or ("custom" if set_timing else "recommended")
    hb["profile"] = profile
    if profile in PROFILES:
        for k, v in zip(TIMING, PROFILES[profile], strict=True):
            if k in given and given[k] != v:
                add(f"heartbeat.{k} = {given[k]!r}: the {profile} profile sets {v}; remove the line, or set "
                    "heartbeat.profile = \"custom\" to choose your own timing")
            hb[k] = v
    if not hb["udpport"]:
        hb["udpport"] = derived_udpport(names)
    if hb["media"] == "serial" and not hb["serial"]:
        add("heartbeat.media = \"serial\" needs heartbeat.serial, the port (e.g. /dev/ttyS0) on both nodes")
    second = str(hb["second_interface"])
    if second and second == hb["interface"]:
        add(f"heartbeat.second_interface = {second!r}: name another network interface than heartbeat.interface, "
            "or \"\" for none")
    if profile != "custom":
        return
    keepalive, warntime, deadtime, initdead = (hb[k] for k in TIMING)
    # Heartbeat's own rules (its config.c warns about each): a late beat is logged before the node is
    # declared dead, several beats fit into deadtime, and a booting node waits long enough for its peer.
    if not warntime < deadtime:
        add(f"heartbeat.warntime = {warntime}: must be below deadtime ({deadtime}), or a late heartbeat is "
            "never logged before the peer is declared dead")
    if not keepalive < warntime:
        add(f"heartbeat.warntime = {warntime}: must be above keepalive ({keepalive})")
    if keepalive * 4 > deadtime:
        add(f"heartbeat.keepalive = {keepalive}: at most deadtime / 4 ({deadtime / 4:g}), so a few lost beats "
            "never look like a dead node")
    if initdead < 2 * deadtime:
        add(f"heartbeat.initdead = {initdead}: at least twice deadtime ({2 * deadtime}), so a booting node "
            "waits for its peer's network before taking everything")


