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

from wizard.core.resources import recipe_names
from wizard.errors import AnswersError

# The schema: section -> {key: default}. ``REQUIRED`` marks keys without a default.
REQUIRED = object()

NODE_KEYS: dict[str, Any] = {
    "name": REQUIRED,
    "ssh": "",
    "ssh_port": 22,
    "ssh_user": "root",
    "address": REQUIRED,
    "disk": REQUIRED,
}
SECTIONS: dict[str, dict[str, Any]] = {
    "cluster": {"master": REQUIRED, "demo": False},
    "drbd": {
        "resource": "r0",
        "device": "/dev/drbd0",
        "meta_disk": "internal",
        "port": 7788,
        "protocol": "C",
        "version": "auto",
        "timeout": 60,
        "connect_int": 10,
        "ping_int": 10,
        "max_buffers": 2048,
        "max_epoch_size": 2048,
        "ko_count": 0,
        "cram_hmac_alg": "sha1",
        "shared_secret": "",
        "sync_rate": "",
        "al_extents": 257,
        "wfc_timeout": 0,
        "degr_wfc_timeout": 120,
        "fencing": "none",
        "skip_initial_sync": False,
        "split_brain_notify": "root",
    },
    "storage": {"mount_point": "/replicated", "filesystem": "ext4"},
    "service": {"hostname": REQUIRED, "vip": REQUIRED, "netmask": 24, "interface": "eth0"},
    "recipes": {"enabled": [], "relay_host": ""},
    # The custom recipe (enabled = ["custom"]): the service's unit, the paths to move and its health check.
    "custom": {"description": "", "packages": [], "unit": "", "init_script": "", "paths": [], "health_port": 0,
               "health_socket": "", "health_command": []},
    "heartbeat": {
        "keepalive": 2,
        "warntime": 10,
        "deadtime": 30,
        "initdead": 60,
        "udpport": 694,
        "media": "ucast",
        "interface": "eth0",
        "serial": "",
        "baud": 19200,
        "auto_failback": False,
        "authkey": "",
    },
    "wizard": {"journal_dir": "/var/lib/ha-wizard", "keep_secrets_in_answers": False},
}
TOP_LEVEL = [*SECTIONS, "nodes"]

FILESYSTEMS = ("ext3", "ext4", "xfs")
PROTOCOLS = ("A", "B", "C")
DRBD_VERSIONS = ("auto", "8.3", "8.4", "9")
FENCING = ("none", "dopd")
MEDIA = ("ucast", "bcast")
BAUDS = (9600, 19200, 38400, 57600, 115200)
NAME_RE = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$")
RATE_RE = re.compile(r"^[0-9]+[KMG]?$")


@dataclass(frozen=True)
class Node:
    name: str
    ssh: str  # address the wizard uses to reach the node ("" = this machine)
    ssh_port: int
    ssh_user: str
    address: str  # replication address (DRBD + Heartbeat ucast)
    disk: str  # backing partition


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
    serial: str
    baud: int
    auto_failback: bool


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
        """A stable hash of the answers (secrets excluded), recorded in the journal."""
        blob = json.dumps(self.to_dict(), sort_keys=True).encode()
        return hashlib.sha256(blob).hexdigest()[:16]


@dataclass(frozen=True)
class SecretsInAnswers:
    """Secrets the admin chose to keep in the answers file (empty = generate / state file)."""

    shared_secret: str = ""
    authkey: str = ""


def _suggest(key: str, choices: list[str]) -> str:
    close = difflib.get_close_matches(key, choices, n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else f" (known keys: {', '.join(choices)})"


class _Collector:
    def __init__(self) -> None:
        self.problems: list[str] = []

    def add(self, msg: str) -> None:
        self.problems.append(msg)


def _section(raw: dict[str, Any], name: str, out: _Collector) -> dict[str, Any]:
    schema = SECTIONS[name]
    given = raw.get(name, {})
    if not isinstance(given, dict):
        out.add(f"[{name}] must be a table like '[{name}]', not {type(given).__name__}")
        given = {}
    values: dict[str, Any] = {}
    for key in given:
        if key not in schema:
            out.add(f"{name}.{key}: unknown key{_suggest(key, list(schema))}")
    for key, default in schema.items():
        if key in given:
            val = given[key]
            if default is not REQUIRED and not _same_kind(val, default):
                out.add(f"{name}.{key} = {val!r}: expected {_kind(default)}")
                val = default
            values[key] = val
        elif default is REQUIRED:
            out.add(f"{name}.{key} is missing: add it under [{name}]")
            values[key] = None
        else:
            values[key] = default
    return values


def _same_kind(val: Any, default: Any) -> bool:
    if isinstance(default, bool):
        return isinstance(val, bool)
    if isinstance(default, int):
        return isinstance(val, int) and not isinstance(val, bool)
    if isinstance(default, list):
        return isinstance(val, list)
    return isinstance(val, type(default))


def _kind(default: Any) -> str:
    if isinstance(default, bool):
        return "true or false"
    if isinstance(default, int):
        return "a whole number"
    if isinstance(default, list):
        return "a list like [\"a\", \"b\"]"
    return "a quoted string"


def _ip(value: Any, key: str, out: _Collector) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    if not isinstance(value, str):
        return None
    try:
        return ipaddress.ip_address(value)
    except ValueError:
        out.add(f"{key} = {value!r}: not a valid IP address (write it like 192.168.1.5)")
        return None


def _port(value: Any, key: str, out: _Collector) -> None:
    if isinstance(value, int) and not 1 <= value <= 65535:
        out.add(f"{key} = {value}: port out of range (use 1-65535)")


def _positive(values: dict[str, Any], section: str, keys: list[str], out: _Collector, zero_ok: bool = False) -> None:
    for k in keys:
        v = values.get(k)
        if isinstance(v, int) and (v < 0 or (v == 0 and not zero_ok)):
            out.add(f"{section}.{k} = {v}: must be {'0 or more' if zero_ok else 'greater than 0'}")


def _choice(values: dict[str, Any], section: str, key: str, choices: tuple[Any, ...], out: _Collector) -> None:
    v = values.get(key)
    if v is not None and v not in choices:
        out.add(f"{section}.{key} = {v!r}: choose one of {', '.join(map(str, choices))}")


def _nodes(raw: dict[str, Any], out: _Collector) -> list[dict[str, Any]]:
    given = raw.get("nodes")
    if not isinstance(given, list) or not all(isinstance(n, dict) for n in given):
        out.add("nodes: give exactly two [[nodes]] tables (one per server)")
        return []
    if len(given) != 2:
        out.add(f"nodes: found {len(given)} [[nodes]] tables; DRBD mirrors between exactly two servers")
    nodes = []
    for i, n in enumerate(given[:2], start=1):
        values: dict[str, Any] = {}
        for key in n:
            if key not in NODE_KEYS:
                out.add(f"nodes[{i}].{key}: unknown key{_suggest(key, list(NODE_KEYS))}")
        for key, default in NODE_KEYS.items():
            if key in n:
                if default is not REQUIRED and not _same_kind(n[key], default):
                    out.add(f"nodes[{i}].{key} = {n[key]!r}: expected {_kind(default)}")
                    values[key] = default
                else:
                    values[key] = n[key]
            elif default is REQUIRED:
                out.add(f"nodes[{i}].{key} is missing: add it to the {i}. [[nodes]] table")
                values[key] = None
            else:
                values[key] = default
        name = values["name"]
        if isinstance(name, str) and not NAME_RE.match(name):
            out.add(f"nodes[{i}].name = {name!r}: must be the host's short name as `uname -n` prints it")
        elif name is not None and not isinstance(name, str):
            out.add(f"nodes[{i}].name = {name!r}: expected a quoted string")
        _ip(values["address"], f"nodes[{i}].address", out)
        disk = values["disk"]
        if isinstance(disk, str) and not disk.startswith("/dev/"):
            out.add(f"nodes[{i}].disk = {disk!r}: must be a partition path like /dev/sda5")
        _port(values["ssh_port"], f"nodes[{i}].ssh_port", out)
        nodes.append(values)
    names = [n["name"] for n in nodes if n["name"]]
    if len(names) == 2 and names[0] == names[1]:
        out.add(f"nodes: the name {names[0]!r} is used twice: each server needs its own `uname -n`")
    addrs = [n["address"] for n in nodes if n["address"]]
    if len(addrs) == 2 and addrs[0] == addrs[1]:
        out.add(f"nodes: the address {addrs[0]!r} is used twice: each server needs its own address")
    return nodes


def spec_from_dict(raw: dict[str, Any], source: str = "answers") -> tuple[Spec, SecretsInAnswers]:
    out = _Collector()
    for key in raw:
        if key not in TOP_LEVEL:
            out.add(f"[{key}]: unknown section{_suggest(key, TOP_LEVEL)}")
    nodes = _nodes(raw, out)
    s = {name: _section(raw, name, out) for name in SECTIONS}

    master = s["cluster"]["master"]
    names = [n["name"] for n in nodes]
    if master is not None and names and master not in names:
        out.add(f"cluster.master = {master!r}: not one of the nodes ({', '.join(map(str, names))})")

    d = s["drbd"]
    _port(d["port"], "drbd.port", out)
    _choice(d, "drbd", "protocol", PROTOCOLS, out)
    _choice(d, "drbd", "version", DRBD_VERSIONS, out)
    _choice(d, "drbd", "fencing", FENCING, out)
    if d["meta_disk"] != "internal" and not str(d["meta_disk"]).startswith("/dev/"):
        out.add(f"drbd.meta_disk = {d['meta_disk']!r}: use \"internal\" or a device like /dev/sdb1")
    if not re.match(r"^/dev/drbd[0-9]+$", str(d["device"])):
        out.add(f"drbd.device = {d['device']!r}: must look like /dev/drbd0")
    if not NAME_RE.match(str(d["resource"]).replace("_", "-")):
        out.add(f"drbd.resource = {d['resource']!r}: use letters, digits and '-' (e.g. r0)")
    if d["sync_rate"] and not RATE_RE.match(str(d["sync_rate"])):
        out.add(f"drbd.sync_rate = {d['sync_rate']!r}: write a rate like 100M (or \"\" to measure the link)")
    _positive(d, "drbd", ["timeout", "connect_int", "ping_int", "max_buffers", "max_epoch_size",
                          "al_extents"], out)
    _positive(d, "drbd", ["ko_count", "wfc_timeout", "degr_wfc_timeout"], out, zero_ok=True)

    st = s["storage"]
    _choice(st, "storage", "filesystem", FILESYSTEMS, out)
    if not str(st["mount_point"]).startswith("/") or st["mount_point"] == "/":
        out.add(f"storage.mount_point = {st['mount_point']!r}: must be an absolute directory like /replicated")

    sv = s["service"]
    vip = _ip(sv["vip"], "service.vip", out)
    if isinstance(sv["netmask"], int) and not 1 <= sv["netmask"] <= 32:
        out.add(f"service.netmask = {sv['netmask']}: give the prefix length, 1-32 (24 for 255.255.255.0)")
    elif vip is not None and isinstance(sv["netmask"], int):
        _check_vip(vip, sv["netmask"], nodes, out)
    if sv["hostname"] is not None and not NAME_RE.match(str(sv["hostname"])):
        out.add(f"service.hostname = {sv['hostname']!r}: use a short host name like mail")

    rc = s["recipes"]["enabled"]
    known = recipe_names()
    for r in rc if isinstance(rc, list) else []:
        if r not in known:
            out.add(f"recipes.enabled: unknown recipe {r!r}{_suggest(str(r), known)}")
    _recipe_choices(s["recipes"], s["custom"], out)

    hb = s["heartbeat"]
    _port(hb["udpport"], "heartbeat.udpport", out)
    _choice(hb, "heartbeat", "media", MEDIA, out)
    _choice(hb, "heartbeat", "baud", BAUDS, out)
    _positive(hb, "heartbeat", ["keepalive", "warntime", "deadtime", "initdead"], out)
    if all(isinstance(hb[k], int) for k in ("keepalive", "warntime", "deadtime", "initdead")):
        if hb["deadtime"] <= hb["keepalive"] * 2:
            out.add(f"heartbeat.deadtime = {hb['deadtime']}: must be well above keepalive "
                    f"({hb['keepalive']}); use at least {hb['keepalive'] * 3}")
        if not hb["keepalive"] < hb["warntime"] < hb["deadtime"]:
            out.add(f"heartbeat.warntime = {hb['warntime']}: must lie between keepalive and deadtime")
        if hb["initdead"] < hb["deadtime"]:
            out.add(f"heartbeat.initdead = {hb['initdead']}: must be at least deadtime ({hb['deadtime']})")
    if hb["serial"] and not str(hb["serial"]).startswith("/dev/"):
        out.add(f"heartbeat.serial = {hb['serial']!r}: give a device like /dev/ttyS1, or \"\" for none")

    if out.problems:
        raise AnswersError(out.problems, source)

    node_objs = tuple(Node(**n) for n in nodes)
    secrets = SecretsInAnswers(shared_secret=d.pop("shared_secret"), authkey=hb.pop("authkey"))
    spec = Spec(
        nodes=(node_objs[0], node_objs[1]),
        master=master,
        demo=s["cluster"]["demo"],
        drbd=Drbd(**d),
        storage=Storage(**st),
        service=Service(**sv),
        recipes=tuple(rc),
        heartbeat=Heartbeat(**hb),
        wizard=WizardSettings(**s["wizard"]),
        source=source,
        relay_host=s["recipes"]["relay_host"],
        custom=custom_from(s["custom"]),
    )
    return spec, secrets


def custom_from(values: dict[str, Any]) -> Custom:
    fields: dict[str, Any] = {k: tuple(v) if isinstance(v, list) else v for k, v in values.items()}
    return Custom(**fields)


HOST_PORT_RE = re.compile(r"^[A-Za-z0-9.:-]+$")


def _recipe_choices(rc: dict[str, Any], custom: dict[str, Any], out: _Collector) -> None:
    """The services keys: no recipe twice, a plain relay host, and a usable [custom] when it is enabled
    (its deeper checks are the recipe schema's, in wizard.services.schema)."""
    enabled = rc["enabled"] if isinstance(rc["enabled"], list) else []
    twice = sorted({str(r) for r in enabled if enabled.count(r) > 1})
    if twice:
        out.add(f"recipes.enabled: {', '.join(twice)} listed twice")
    if rc["relay_host"] and not HOST_PORT_RE.match(str(rc["relay_host"])):
        out.add(f"recipes.relay_host = {rc['relay_host']!r}: give a host or address, optionally with :port "
                "(\"\" = the service address)")
    if "custom" not in enabled:
        return
    if not custom["unit"]:
        out.add("custom.unit is missing: the custom recipe needs the service's systemd unit, like myapp.service")
    if not custom["paths"]:
        out.add("custom.paths is missing: list the folders the custom service keeps its config and data in")
    for p in custom["paths"]:
        if not isinstance(p, str) or not p.startswith("/"):
            out.add(f"custom.paths: {p!r} is not an absolute path")
    given = [k for k in ("health_port", "health_socket", "health_command") if custom[k]]
    if len(given) != 1:
        out.add("custom: give exactly one of health_port, health_socket or health_command (how to tell the "
                "service answers)")


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
