"""The Pacemaker stack's files checked: by the rules Corosync and Pacemaker enforce (pure, here), and by the
real tools where this machine has them.

- corosync.conf: ``corosync -c FILE -t`` (Corosync's own parser and its checks) outside /etc/corosync. It
  needs the key file and a local address of the node, so a copy gets the key through a ``keyfile`` line
  appended after the file (line numbers stay) and runs in a private network namespace (``unshare -n``)
  whose loopback holds the node's addresses: nothing leaves this machine, no address is touched.
  Corosync's parser ignores keys it does not know and accepts a consensus below 1.2 x token, so those
  rules are checked here too.
- the CIB script: crmsh (``crm -F configure load update``) loads it into an empty CIB file (``CIB_file``),
  then Pacemaker's ``crm_verify`` checks the result. Agents this machine does not have (the recipes'
  systemd units, the fence agents) cannot be looked up here: those notes say so; each node has them.
Without a tool, one non-fatal note says what was not checked. Messages never quote a key.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import tempfile
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from pathlib import Path

from wizard.core.actions import WriteFile
from wizard.core.plan import PlanContext
from wizard.errors import Problem
from wizard.heartbeat.confcheck import check_identical
from wizard.pacemaker.cib import cib_objects, object_ids, placeholders
from wizard.pacemaker.render import AUTHKEY, COROSYNC_CONF, cib_script_path, links

KEY_MIN_BYTES = 128  # Corosync 3: "Could only read N bits of minimum 1024 bits"
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


# --- corosync.conf: the rules, pure -----------------------------------------------------------------
def parse_corosync(text: str) -> list[tuple[str, str, int]]:
    """("section.sub.key", value, line) of every key, sections joined by dots (corosync.conf's grammar:
    `name {`, `}`, `key: value`, `#` comments)."""
    out: list[tuple[str, str, int]] = []
    stack: list[str] = []
    for i, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):  # corosync.conf has whole-line comments only
            continue
        if line.endswith("{"):
            stack.append(line[:-1].strip())
        elif line == "}":
            if stack:
                stack.pop()
        elif ":" in line:
            key, value = line.split(":", 1)
            out.append((".".join([*stack, key.strip()]), value.strip(), i))
    return out


def _nodes(keys: Sequence[tuple[str, str, int]]) -> list[dict[str, str]]:
    """The nodelist's node {} blocks, in order (a new block starts at each `name`)."""
    nodes: list[dict[str, str]] = []
    for key, value, _ in keys:
        if key.startswith("nodelist.node."):
            field = key.rsplit(".", 1)[1]
            if field == "name" or not nodes or field in nodes[-1]:
                nodes.append({})
            nodes[-1][field] = value
    return nodes


def check_corosync_conf(text: str, names: Sequence[str], addresses: Sequence[str], *,
                        path: str = COROSYNC_CONF) -> list[Problem]:
    keys = parse_corosync(text)
    get = {k: (v, line) for k, v, line in keys}
    out: list[Problem] = []

    def need(key: str, want: str, why: str) -> None:
        value, line = get.get(key, ("", None))
        if value != want:
            out.append(Problem(path, f"{key} is {value or 'missing'}, expected {want}: {why}", line))

    need("totem.transport", "knet", "Corosync 3's transport, with encryption and several links")
    need("quorum.provider", "corosync_votequorum", "without it Pacemaker has no quorum to go by")
    need("quorum.two_node", "1", "with two nodes the survivor must keep quorum when its peer dies")
    for key in ("totem.crypto_cipher", "totem.crypto_hash"):
        if get.get(key, ("none",))[0] == "none":
            out.append(Problem(path, f"{key} is none: anyone on the network could join the cluster",
                               get.get(key, ("", None))[1]))
    token, consensus = get.get("totem.token"), get.get("totem.consensus")
    if token and consensus and token[0].isdigit() and consensus[0].isdigit() \
            and int(consensus[0]) * 5 < int(token[0]) * 6:
        out.append(Problem(path, f"consensus {consensus[0]} is below 1.2 x token ({token[0]}), the minimum "
                                 "corosync.conf(5) requires", consensus[1]))
    nodes = _nodes(keys)
    if [n.get("name") for n in nodes] != list(names):
        out.append(Problem(path, f"the nodelist names {', '.join(n.get('name', '?') for n in nodes) or 'no node'}; "
                                 f"the answers' nodes are {', '.join(names)}"))
    ids = [n.get("nodeid") for n in nodes]
    if None in ids or len(set(ids)) != len(ids):
        out.append(Problem(path, "every node needs its own nodeid"))
    rings = {tuple(sorted(k for k in n if k.startswith("ring"))) for n in nodes}
    if len(rings) > 1:
        out.append(Problem(path, "the nodes do not have the same links (ringN_addr lines): Corosync refuses that"))
    for n, addr in zip(nodes, addresses, strict=False):
        if n.get("ring0_addr") != addr:
            out.append(Problem(path, f"{n.get('name')}'s ring0_addr is {n.get('ring0_addr')}, not its replication "
                                     f"address {addr}: link 0 is the replication network"))
    return out


def check_authkey(content: str, mode: int, *, path: str = AUTHKEY) -> list[Problem]:
    out = []
    if len(content.encode()) < KEY_MIN_BYTES:
        out.append(Problem(path, f"{len(content.encode())} bytes: Corosync needs at least {KEY_MIN_BYTES} "
                                 "(1024 bits)"))
    if mode & 0o077:
        out.append(Problem(path, f"mode {mode:o}: the key must be readable by root only (400)"))
    return out


# --- corosync.conf: Corosync's own parser ----------------------------------------------------------
def corosync_tool() -> str | None:
    return shutil.which("corosync") or next((p for p in ("/usr/sbin/corosync",) if os.access(p, os.X_OK)), None)


_PARSER = re.compile(r"^parser error: [^:]+:(?P<line>\d+): (?P<msg>.*)$")
_MAIN = re.compile(r"^\w{3} \d\d \d\d:\d\d:\d\d (?:\[\d+\] \S+ corosync )?error\s+\[\w+\s*\] (?P<msg>.*)$")


def parse_corosync_output(out: str, path: str = COROSYNC_CONF) -> list[Problem]:
    problems = []
    for raw in out.splitlines():
        line = raw.strip()
        if m := _PARSER.match(line):
            problems.append(Problem(path, f"corosync: {m['msg']}", int(m["line"])))
        elif (m := _MAIN.match(line)) and "exiting with status" not in m["msg"]:
            problems.append(Problem(path, f"corosync: {m['msg']}"))
    return problems


def run_corosync_check(text: str, key: str, local: Sequence[str], *, timeout: float = 30.0) -> list[Problem]:
    """``corosync -t`` on ``text`` as the node whose addresses are ``local`` (a private network namespace)."""
    tool = corosync_tool()
    if tool is None:
        return [Problem(COROSYNC_CONF, "not parsed by Corosync on this machine: corosync is not installed here "
                                       "(scripts/setup --test installs it)", fatal=False)]
    with tempfile.TemporaryDirectory(prefix="ha-wizard-corosync-") as tmp:
        keyfile, conf = Path(tmp) / "authkey", Path(tmp) / "corosync.conf"
        keyfile.write_text(key, encoding="utf-8")
        keyfile.chmod(0o400)
        # After the file: its own lines keep their numbers. The log goes to the temp folder, not /var/log.
        conf.write_text(f"{text}\ntotem {{\n    keyfile: {keyfile}\n}}\nlogging {{\n    logfile: {tmp}/corosync.log"
                        "\n    to_syslog: no\n}\n", encoding="utf-8")
        setup = " && ".join(["ip link set lo up", *(f"ip addr add {shlex.quote(a)} dev lo" for a in local)])
        user = [] if os.geteuid() == 0 else ["-r"]  # not root: a user namespace makes the net one possible
        argv = ["unshare", *user, "-n", "sh", "-c",
                f"{setup} && exec {shlex.quote(tool)} -c {shlex.quote(str(conf))} -t"]
        try:
            r = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, check=False,
                               env={**os.environ, "LC_ALL": "C"})
        except (OSError, subprocess.TimeoutExpired) as e:
            return [Problem(COROSYNC_CONF, f"not parsed by Corosync here: {e}", fatal=False)]
    said = (r.stdout + r.stderr).strip()
    if r.returncode == 0:
        return []
    if "unshare" in said or "RTNETLINK" in said or "Operation not permitted" in said:
        return [Problem(COROSYNC_CONF, "not parsed by Corosync here: no private network namespace for the "
                                       f"check ({said.splitlines()[0] if said else 'unshare failed'})", fatal=False)]
    return parse_corosync_output(said) or [Problem(COROSYNC_CONF, f"corosync -t exited {r.returncode}: "
                                                                  f"{said[-200:]}")]


# --- the CIB script: crmsh and crm_verify -----------------------------------------------------------
def crm_tools() -> tuple[str, str, str] | None:
    crm, cibadmin, verify = (shutil.which(t) for t in ("crm", "cibadmin", "crm_verify"))
    return (crm, cibadmin, verify) if crm and cibadmin and verify else None


_ABSENT_AGENT = re.compile(r"^(?P<agent>(?:systemd|stonith|service|lsb):[^:\s]+): (?:got no meta-data|no such)")
# What an empty CIB file on a machine outside any cluster makes crmsh and crm_verify say, whatever the script.
_ARTIFACTS = ("Blind faith", "lack of quorum", "does not exist", "commit forced", "Scheduling node")


def logical_lines(script: str) -> list[int]:
    """The file line where each of crmsh's "lines" starts (continuations joined, blank lines skipped)."""
    starts: list[int] = []
    joining = False
    for i, raw in enumerate(script.splitlines(), start=1):
        if not joining and raw.strip():
            starts.append(i)
        joining = raw.rstrip().endswith("\\") and (joining or bool(raw.strip()))
    return starts


def parse_crm_output(out: str, script: str, path: str) -> list[Problem]:
    starts = logical_lines(script)
    problems: list[Problem] = []
    absent: set[str] = set()
    for raw in _ANSI.sub("", out).splitlines():
        level, _, msg = raw.strip().partition(": ")
        if level not in ("ERROR", "WARNING") or any(a in msg for a in _ARTIFACTS):
            continue
        msg = msg.strip()
        if m := _ABSENT_AGENT.match(msg):
            if m["agent"] not in absent:
                absent.add(m["agent"])
                problems.append(Problem(path, f"{m['agent']} is not on this machine, so crmsh could not read its "
                                              "parameters here; the node checks it", fatal=False))
            continue
        line = None
        if (m := re.match(r"^(\d+): (.*)$", msg)) and 0 < int(m[1]) <= len(starts):
            line, msg = starts[int(m[1]) - 1], m[2]
        problems.append(Problem(path, f"crm: {msg}", line, fatal=level == "ERROR"))
    return problems


def _loaded_ids(cib: Path) -> set[str]:
    try:
        root = ET.parse(cib).getroot()
    except (OSError, ET.ParseError):
        return set()
    conf = root.find("configuration")
    return {e.get("id", "") for e in conf.iter()} if conf is not None else set()


def run_crm_check(script: str, ids: Sequence[str], *, path: str, timeout: float = 120.0) -> list[Problem]:
    """Load ``script`` with crmsh into an empty CIB file, then crm_verify it; ``ids`` must all be there."""
    tools = crm_tools()
    if tools is None:
        return [Problem(path, "not checked by crmsh on this machine: crm, cibadmin or crm_verify is missing "
                              "(scripts/setup --test installs crmsh and pacemaker-cli-utils)", fatal=False)]
    crm, cibadmin, verify = tools
    with tempfile.TemporaryDirectory(prefix="ha-wizard-cib-") as tmp:
        cib, src = Path(tmp) / "cib.xml", Path(tmp) / "cib.crm"
        src.write_text(script, encoding="utf-8")
        # HOME: crmsh keeps its history and cache there; CIB_file: every tool works on the file, no cluster
        env = {**os.environ, "CIB_file": str(cib), "HOME": tmp, "LC_ALL": "C"}
        try:
            empty = subprocess.run([cibadmin, "--empty"], capture_output=True, text=True, timeout=timeout,
                                   check=True, env=env)
            cib.write_text(empty.stdout, encoding="utf-8")
            load = subprocess.run([crm, "-F", "configure", "load", "update", str(src)], capture_output=True,
                                  text=True, timeout=timeout, check=False, env=env)
            checked = subprocess.run([verify, "-V", "-x", str(cib)], capture_output=True, text=True,
                                     timeout=timeout, check=False, env=env)
        except (OSError, subprocess.SubprocessError) as e:
            return [Problem(path, f"not checked by crmsh here: {e}", fatal=False)]
        loaded = _loaded_ids(cib)
    problems = parse_crm_output(load.stdout + load.stderr, script, path)
    missing = [i for i in ids if i not in loaded]
    if missing and not any(p.fatal for p in problems):
        last = (_ANSI.sub("", load.stderr).strip().splitlines() or [f"exit {load.returncode}"])[-1]
        problems.append(Problem(path, f"crm did not load {', '.join(missing)}: {last}"))
    for raw in checked.stderr.splitlines():
        words = raw.split("\t")[-1].strip()
        if words.startswith("error:"):
            problems.append(Problem(path, f"crm_verify: {words[6:].strip()}"))
        elif words.startswith("warning:") and not any(a in words for a in _ARTIFACTS):
            problems.append(Problem(path, f"crm_verify: {words[8:].strip()}", fatal=False))
    if checked.returncode != 0 and not any(p.fatal for p in problems) and "Errors found" in checked.stderr:
        problems.append(Problem(path, f"crm_verify exited {checked.returncode}: the loaded CIB is not valid"))
    return problems


# --- the whole stack ---------------------------------------------------------------------------------
def check_cib_values(ctx: PlanContext, script: str, *, path: str) -> list[Problem]:
    """Rules the tools do not enforce: no placeholder left (a note: the pair cannot be set up with it)."""
    missing = placeholders(script)
    if not missing:
        return []
    return [Problem(path, f"STONITH not configured yet: {', '.join(missing)} missing in the answers; fill them "
                          "in, or set cluster.fencing = \"none-confirmed\" knowing the risk (docs/pacemaker.md)",
                    fatal=False)]


def check_pacemaker_files(ctx: PlanContext, files: Mapping[str, Mapping[str, WriteFile]], *,
                          run_tools: bool = True) -> list[Problem]:
    """Every problem of the Pacemaker files planned per node: rules, the real tools, identical copies."""
    names = [n.name for n in ctx.spec.nodes]
    addresses = [n.address for n in ctx.spec.nodes]
    out: list[Problem] = []
    for node in names:
        mine = files.get(node, {})
        conf, key = mine.get(COROSYNC_CONF), mine.get(AUTHKEY)
        if conf is None or key is None:
            out.append(Problem(COROSYNC_CONF, "corosync.conf or its authkey is not planned", node=node))
            continue
        if node == names[0]:  # the same files on both (checked below): the rules once
            out += check_corosync_conf(conf.content, names, addresses)
            out += check_authkey(key.content, key.mode)
        if run_tools:
            me = ctx.spec.node(node)
            local = [a for a in (me.address, me.second_address) if a]
            out += [_on(p, node) for p in run_corosync_check(conf.content, key.content, local)]
    cib_path = cib_script_path(ctx)
    script = files.get(ctx.spec.master, {}).get(cib_path)
    if script is None:
        out.append(Problem(cib_path, "the CIB script is not planned on the master", node=ctx.spec.master))
    else:
        out += check_cib_values(ctx, script.content, path=cib_path)
        if run_tools:
            out += run_crm_check(script.content, object_ids(cib_objects(ctx)), path=cib_path)
    out += check_identical({n: dict(files.get(n, {})) for n in names}, names,
                           shared=(COROSYNC_CONF, AUTHKEY))
    if ctx.spec.heartbeat.second_interface and links(ctx) == 1:
        out.append(Problem(COROSYNC_CONF, f"heartbeat.second_interface ({ctx.spec.heartbeat.second_interface}) is a "
                                          "second path, but Corosync needs each node's address on it: add "
                                          "second_address to both [[nodes]] for a second link", fatal=False))
    return _once(out)


def _on(p: Problem, node: str) -> Problem:
    return Problem(p.path, p.message, p.line, node if p.fatal else "", p.fatal)


def _once(problems: list[Problem]) -> list[Problem]:
    """The same note from both nodes' checks, once."""
    return list(dict.fromkeys(problems))
