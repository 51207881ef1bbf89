"""The recipe schema: what a ``recipes/<name>.toml`` may say, checked when it is loaded.

A broken recipe stops ha-wizard with one error naming the file and each wrong field, never a
traceback, never a half-understood recipe. ``recipes/_schema.md`` documents the same fields for people.
The custom recipe (``[custom]`` in the answers) goes through the same checks.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from wizard.errors import WizardError

NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+-]*$")  # packages, init scripts, programs
UNIT_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9:._@-]*\.service$")
SEGMENT_RE = re.compile(r"^(\*|[A-Za-z0-9._+@-]+)$")
# Moving one of these (or anything outside a service's own folders) would take the system down with it.
TOO_WIDE = frozenset({"/etc", "/var", "/usr", "/opt", "/srv", "/home", "/root", "/boot", "/var/lib", "/var/spool",
                      "/var/cache", "/var/log", "/usr/lib", "/usr/sbin", "/usr/bin", "/usr/local", "/run", "/tmp"})
MOUNT = "{mount}"  # in a link target: the replicated disk's mount point (storage.mount_point)
# The relays whose configuration ha-wizard writes, and where Debian installs them.
RELAY_PROGRAMS = {"msmtp": "/usr/bin/msmtp", "ssmtp": "/usr/sbin/ssmtp"}


class RecipeError(WizardError):
    """A recipe file (or the answers' [custom] section) is wrong: every problem, each naming its field."""

    exit_code = 2

    def __init__(self, source: str, problems: list[str]) -> None:
        self.source = source
        self.problems = problems
        body = problems[0] if len(problems) == 1 else "\n" + "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"{source}: {body}")


@dataclass(frozen=True)
class Health:
    """How to prove the service answers: a TCP port on 127.0.0.1, a listening unix socket, or a command."""

    port: int = 0
    socket: str = ""
    command: tuple[str, ...] = ()

    def describe(self) -> str:
        if self.port:
            return f"answers on TCP port {self.port} (127.0.0.1)"
        if self.socket:
            return f"listens on the unix socket {self.socket}"
        return f"`{' '.join(self.command)}` succeeds"


@dataclass(frozen=True)
class Link:
    """An extra symlink made on both nodes: ``path`` (kept as PATH.ha-wizard-orig) -> ``target``."""

    path: str
    target: str  # may start with {mount}


@dataclass(frozen=True)
class Relay:
    """The tutorial's sendmail trick. ``binary`` becomes a link to the same path on the replicated disk,
    where it leads to the real program; under the mount point (what a node sees while the disk is not
    mounted there) that path leads to a relay that hands local mail on."""

    binary: str
    programs: tuple[str, ...]  # relays that can stand in, the first installed one is used
    install: str  # the package installed when none of them is


@dataclass(frozen=True)
class Recipe:
    name: str
    description: str
    packages: tuple[str, ...]  # Debian packages; all must be installed, at the same version, on both nodes
    unit: str  # the systemd unit (for an init-script-only service, the unit systemd generates for it)
    init_script: str  # the name Heartbeat starts from haresources (/etc/ha.d/resource.d/<name>)
    paths: tuple[str, ...]  # moved onto the replicated disk and linked back; a "*" segment is found on the node
    health: Health
    links: tuple[Link, ...] = ()
    mask: bool = False  # also `systemctl mask` the unit while Heartbeat does not run it
    # `systemctl daemon-reload` before each start: a generator builds the unit from moved config, which the
    # node could not read at boot (PostgreSQL's clusters, Postfix's instances); for others it only costs time
    reload: bool = False
    relay: Relay | None = None
    note: str = ""  # anything else the admin should know, in words
    source: str = ""  # the file it came from

    @property
    def versioned(self) -> bool:
        """True when some path is found on the node (a "*" segment, e.g. PostgreSQL's version)."""
        return any("*" in p for p in self.paths)


# field -> (kind, required). Kinds: str, bool, list (of strings), table.
FIELDS: dict[str, tuple[str, bool]] = {
    "description": ("str", True),
    "packages": ("list", True),
    "unit": ("str", True),
    "init_script": ("str", False),
    "paths": ("list", True),
    "health": ("table", True),
    "links": ("tables", False),
    "mask": ("bool", False),
    "reload": ("bool", False),
    "relay": ("table", False),
    "note": ("str", False),
    "from_answers": ("str", False),  # only in the stand-in file of a recipe the answers define
}
HEALTH_FIELDS = {"port": "int", "socket": "str", "command": "list"}
LINK_FIELDS = {"path": "str", "target": "str"}
RELAY_FIELDS = {"binary": "str", "programs": "list", "install": "str"}


class _Problems:
    def __init__(self) -> None:
        self.items: list[str] = []

    def add(self, msg: str) -> None:
        self.items.append(msg)


def _typed(value: Any, kind: str) -> bool:
    if kind == "str":
        return isinstance(value, str)
    if kind == "bool":
        return isinstance(value, bool)
    if kind == "int":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "list":
        return isinstance(value, list) and all(isinstance(v, str) for v in value)
    if kind == "table":
        return isinstance(value, dict)
    return isinstance(value, list) and all(isinstance(v, dict) for v in value)  # "tables"


KIND_WORDS = {"str": "a quoted string", "bool": "true or false", "int": "a whole number",
              "list": 'a list of strings like ["a", "b"]', "table": "a table like [health]",
              "tables": "a list of tables like [[links]]"}


def _fields(raw: Mapping[str, Any], schema: Mapping[str, str], where: str, out: _Problems) -> dict[str, Any]:
    got: dict[str, Any] = {}
    for key, value in raw.items():
        kind = schema.get(key)
        if kind is None:
            out.add(f"{where}{key}: unknown field (known: {', '.join(schema)})")
        elif not _typed(value, kind):
            out.add(f"{where}{key} = {value!r}: expected {KIND_WORDS[kind]}")
        else:
            got[key] = value
    return got


def check_path(path: str, field: str, out: _Problems, *, pattern: bool = True) -> None:
    """A path a recipe moves or links: absolute, plain, and narrow enough to move safely."""
    if not path.startswith("/") or path.endswith("/") or "//" in path:
        out.add(f"{field} = {path!r}: must be an absolute path like /etc/mail (no trailing /)")
        return
    segments = path.strip("/").split("/")
    bad = [s for s in segments if not SEGMENT_RE.match(s) or s in (".", "..")]
    if bad:
        out.add(f"{field} = {path!r}: {bad[0]!r} is not allowed in a path (letters, digits, . _ + @ - or a "
                "lone * found on the node)")
    elif "*" in segments and not pattern:
        out.add(f"{field} = {path!r}: no * here; give the exact path")
    elif segments[0] == "*" or path in TOO_WIDE or len(segments) < 2:
        out.add(f"{field} = {path!r}: too wide to move (it holds more than this service); name the "
                "service's own folder, like /etc/mail")
    elif path.split("/")[-1].endswith((".ha-wizard-orig", ".ha-wizard-partial", ".ha-wizard-copied",
                                       ".ha-wizard-copy")):
        out.add(f"{field} = {path!r}: ends like ha-wizard's own backups and copies")


def recipe_from_dict(name: str, raw: Mapping[str, Any], source: str, *, need_packages: bool = True) -> Recipe:
    """Check one recipe's fields and build it; raises RecipeError naming ``source`` and every wrong field.

    ``need_packages`` is False for the custom recipe: a service built by hand has no package to check.
    """
    out = _Problems()
    got = _fields(raw, {k: kind for k, (kind, _) in FIELDS.items() if k != "from_answers"}, "", out)
    for key, (_, required) in FIELDS.items():
        if required and key not in raw and (key != "packages" or need_packages):
            out.add(f"{key} is missing")
    packages = tuple(got.get("packages", ()))
    if "packages" in got and not packages and need_packages:
        out.add("packages = []: name at least one Debian package")
    for i, p in enumerate(packages):
        if not NAME_RE.match(p):
            out.add(f"packages[{i}] = {p!r}: not a package name")
    unit = str(got.get("unit", ""))
    if "unit" in got and not UNIT_RE.match(unit):
        out.add(f"unit = {unit!r}: give the systemd unit, like apache2.service")
    init_script = str(got.get("init_script") or unit.removesuffix(".service"))
    if init_script and not NAME_RE.match(init_script):
        out.add(f"init_script = {init_script!r}: give the name haresources uses, like apache2")
    paths = tuple(got.get("paths", ()))
    if "paths" in got and not paths:
        out.add("paths = []: name at least one folder or file to move")
    for i, p in enumerate(paths):
        check_path(p, f"paths[{i}]", out)
    if len(set(paths)) != len(paths):
        out.add("paths: a path is listed twice")
    for a in paths:
        for b in paths:
            if a != b and b.startswith(a + "/"):
                out.add(f"paths: {b} lies inside {a}; list only {a}")
    health = _health(got["health"], out) if "health" in got else Health()
    links = tuple(_link(i, t, out) for i, t in enumerate(got.get("links", ())))
    relay = _relay(got["relay"], out) if "relay" in got else None
    if out.items:
        raise RecipeError(source, out.items)
    return Recipe(name=name, description=got["description"], packages=packages, unit=unit, init_script=init_script,
                  paths=paths, health=health, links=links, mask=bool(got.get("mask", False)),
                  reload=bool(got.get("reload", False)), relay=relay,
                  note=str(got.get("note", "")), source=source)


def _health(raw: Mapping[str, Any], out: _Problems) -> Health:
    got = _fields(raw, HEALTH_FIELDS, "health.", out)
    given = [k for k in HEALTH_FIELDS if raw.get(k)]
    if len(given) != 1:
        out.add("health: give exactly one of port, socket or command, to tell the service answers"
                + (f" (found {', '.join(given)})" if given else ""))
        return Health()
    port = int(got.get("port", 0))
    if "port" in got and not 1 <= port <= 65535:
        out.add(f"health.port = {port}: use 1-65535")
    socket = str(got.get("socket", ""))
    if socket and not socket.startswith("/"):
        out.add(f"health.socket = {socket!r}: give the socket's absolute path")
    return Health(port=port, socket=socket, command=tuple(got.get("command", ())))


def _link(i: int, raw: Mapping[str, Any], out: _Problems) -> Link:
    got = _fields(raw, LINK_FIELDS, f"links[{i}].", out)
    path, target = str(got.get("path", "")), str(got.get("target", ""))
    if not path or not target:
        out.add(f"links[{i}]: give both path and target")
        return Link(path, target)
    check_path(path, f"links[{i}].path", out, pattern=False)
    if not target.removeprefix(MOUNT).startswith("/"):
        out.add(f"links[{i}].target = {target!r}: an absolute path, or {MOUNT}/... on the replicated disk")
    return Link(path, target)


def _relay(raw: Mapping[str, Any], out: _Problems) -> Relay:
    got = _fields(raw, RELAY_FIELDS, "relay.", out)
    binary = str(got.get("binary", ""))
    check_path(binary, "relay.binary", out, pattern=False)
    programs = tuple(got.get("programs", ()))
    if not programs or not set(programs) <= set(RELAY_PROGRAMS):
        out.add(f"relay.programs = {list(programs)!r}: name relays ha-wizard can configure: "
                f"{', '.join(RELAY_PROGRAMS)}")
    install = str(got.get("install", ""))
    if install not in RELAY_PROGRAMS:
        out.add(f"relay.install = {install!r}: the package to install when no relay is there")
    return Relay(binary, programs, install)
