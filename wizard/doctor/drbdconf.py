"""DRBD's configuration as it lies on a node: /etc/drbd.conf and its includes, read into resources, hosts and
options, each value with the file and line it came from (doctor's evidence).

A tolerant reader, not a validator: drbdadm on the node is the judge of the syntax (``checks.drbd_config``
runs it). This reader keeps going past the slips admins make, the tutorial's missing ``;`` after
``device /dev/drbd0`` among them, so the other checks still see the host names and addresses.
"""

from __future__ import annotations

import fnmatch
import posixpath
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

DRBD_CONF = "/etc/drbd.conf"
# Words that start a statement inside an `on` section: a missing ';' glues two statements together,
# so a statement is split again where one of these appears.
HOST_KEYS = ("device", "disk", "address", "meta-disk", "flexible-meta-disk", "node-id")
_TOKEN = re.compile(r'\s+|#[^\n]*|"(?:\\.|[^"\\])*"|[{};]|[^\s{};"#]+')


@dataclass(frozen=True)
class Token:
    text: str
    file: str
    line: int


@dataclass
class Statement:
    words: list[Token]
    block: list[Statement] | None = None
    terminated: bool = True  # False: ended by '}' or the file's end instead of ';'

    @property
    def keyword(self) -> str:
        return self.words[0].text if self.words else ""

    @property
    def where(self) -> tuple[str, int]:
        return (self.words[0].file, self.words[0].line) if self.words else ("", 0)


@dataclass(frozen=True)
class Option:
    value: str
    file: str
    line: int
    section: str  # "net", "disk", "syncer", "" (the resource itself)

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}"


@dataclass(frozen=True)
class Host:
    name: str
    file: str
    line: int  # of `on NAME {`
    address: str = ""  # the IP ("" when absent)
    port: int | None = None
    address_line: int = 0
    device: str = ""
    disk: str = ""
    meta_disk: str = ""


@dataclass(frozen=True)
class Resource:
    name: str
    file: str
    line: int
    hosts: tuple[Host, ...]
    options: Mapping[str, Option]  # the resource's own values over `common`'s

    def host(self, name: str) -> Host | None:
        return next((h for h in self.hosts if h.name == name), None)

    def option(self, *names: str) -> Option | None:
        return next((self.options[n] for n in names if n in self.options), None)


@dataclass(frozen=True)
class DrbdConfig:
    resources: tuple[Resource, ...]
    files: tuple[str, ...]  # the files read, in drbdadm's order
    missing: tuple[str, ...] = ()  # includes that matched no file that was read
    unterminated: tuple[tuple[str, int, str], ...] = ()  # (file, line, statement) not ended by ';'
    secrets: tuple[str, ...] = field(default=(), repr=False)  # every shared-secret value, for the Redactor

    def resource(self, name: str) -> Resource | None:
        return next((r for r in self.resources if r.name == name), None)


def tokens(text: str, file: str) -> Iterator[Token]:
    line = 1
    for m in _TOKEN.finditer(text):
        t = m.group(0)
        if not t.isspace() and not t.startswith("#"):
            yield Token(t[1:-1].replace('\\"', '"') if t.startswith('"') else t, file, line)
        line += t.count("\n")


def parse_block(toks: list[Token], i: int = 0, nested: bool = False) -> tuple[list[Statement], int]:
    """Statements from ``toks[i:]`` up to the matching '}' (nested) or the end; returns (statements, next i)."""
    out: list[Statement] = []
    words: list[Token] = []
    while i < len(toks):
        t = toks[i]
        i += 1
        if t.text == ";":
            if words:
                out.append(Statement(words))
            words = []
        elif t.text == "{":
            block, i = parse_block(toks, i, nested=True)
            out.append(Statement(words, block))
            words = []
        elif t.text == "}":
            if words:
                out.append(Statement(words, terminated=False))
            if nested:
                return out, i
            words = []  # a stray '}' at the top: drbdadm reports it; keep reading
        else:
            words.append(t)
    if words:
        out.append(Statement(words, terminated=False))
    return out, i


def _split_host_statement(st: Statement) -> list[list[Token]]:
    """`device /dev/drbd0 disk /dev/sda5` (a ';' missing) -> [[device, /dev/drbd0], [disk, /dev/sda5]]."""
    parts: list[list[Token]] = []
    for w in st.words:
        if w.text in HOST_KEYS or not parts:
            parts.append([w])
        else:
            parts[-1].append(w)
    return parts


def parse_address(words: list[str]) -> tuple[str, int | None]:
    """`address [ipv4|ipv6] 10.0.0.1:7788` / `[fd00::1]:7788` -> ("10.0.0.1", 7788)."""
    if words and words[0] in ("ipv4", "ipv6", "ssocks", "sdp"):
        words = words[1:]
    if not words:
        return "", None
    m = re.match(r"^\[?([^\]]*?)\]?:(\d+)$", words[0])
    if not m:
        return words[0], None
    return m.group(1), int(m.group(2))


def _host(st: Statement, inherited: dict[str, str]) -> Host:
    file, line = st.where
    name = st.words[1].text if len(st.words) > 1 else ""
    values = dict(inherited)
    addr, port, addr_line = "", None, 0
    for inner in st.block or []:
        for part in _split_host_statement(inner):
            key, args = part[0].text, [w.text for w in part[1:]]
            if key == "address":
                addr, port = parse_address(args)
                addr_line = part[0].line
            elif args:
                values[key] = args[0]
    return Host(name, file, line, addr, port, addr_line, values.get("device", ""), values.get("disk", ""),
                values.get("meta-disk", values.get("flexible-meta-disk", "")))


def _options(block: list[Statement], section: str = "") -> dict[str, Option]:
    out: dict[str, Option] = {}
    for st in block:
        if st.block is not None:
            if st.keyword in ("net", "disk", "syncer", "startup", "options", "handlers"):
                out.update(_options(st.block, st.keyword))
            continue
        if len(st.words) >= 2:
            file, line = st.where
            out[st.keyword] = Option(" ".join(w.text for w in st.words[1:]), file, line, section)
    return out


def _unterminated(block: list[Statement]) -> Iterator[tuple[str, int, str]]:
    for st in block:
        if st.block is not None:
            yield from _unterminated(st.block)
        elif not st.terminated or (st.keyword in HOST_KEYS and len(_split_host_statement(st)) > 1):
            file, line = st.where
            yield file, line, " ".join(w.text for w in st.words)


def read_config(files: Mapping[str, str], root: str = DRBD_CONF) -> DrbdConfig | None:
    """The configuration drbdadm reads from ``root`` and its includes, among ``files`` (path -> text).
    None when ``root`` is not there."""
    if root not in files:
        return None
    order: list[str] = []
    missing: list[str] = []
    statements: list[Statement] = []

    def read(path: str) -> None:
        if path in order:
            return
        order.append(path)
        block, _ = parse_block(list(tokens(files[path], path)))
        for st in block:
            if st.keyword == "include" and len(st.words) > 1:
                pattern = st.words[1].text
                if not pattern.startswith("/"):
                    pattern = posixpath.join(posixpath.dirname(path), pattern)
                found = sorted(p for p in files if fnmatch.fnmatchcase(p, pattern))
                if not found and not any(c in pattern for c in "*?["):
                    missing.append(pattern)
                for p in found:
                    read(p)
            else:
                statements.append(st)

    read(root)
    common: dict[str, Option] = {}
    for st in statements:
        if st.keyword == "common" and st.block is not None:
            common.update(_options(st.block))
    resources = []
    secrets = [common["shared-secret"].value] if "shared-secret" in common else []
    for st in statements:
        if st.keyword != "resource" or st.block is None or len(st.words) < 2:
            continue
        opts = {**common, **_options(st.block)}
        inherited = {s.keyword: s.words[1].text for s in st.block
                     if s.block is None and len(s.words) > 1 and s.keyword in HOST_KEYS}
        hosts = tuple(_host(s, inherited) for s in st.block if s.keyword == "on" and s.block is not None)
        file, line = st.where
        resources.append(Resource(st.words[1].text, file, line, hosts, opts))
        if "shared-secret" in opts:
            secrets.append(opts["shared-secret"].value)
    return DrbdConfig(tuple(resources), tuple(order), tuple(missing), tuple(_unterminated(statements)),
                      tuple(dict.fromkeys(secrets)))
