"""Checking the rendered DRBD configuration before anything is written.

DRBD files go through drbd-utils' own parser (``drbdadm -c FILE dump``) for the target version, here
when drbd-utils is installed, and on each node by the drbd-config step itself before it writes. Every
problem names the file on the node and, where known, the line.

Entry points: ``check_drbd_files(files, family)``, ``check_drbd_values(ctx)`` (rules the parser does not
enforce) and ``check_on_nodes(ctx, executors)`` (each node's own drbdadm, before anything is written
anywhere). The whole plan's files, Heartbeat's included, are checked by ``wizard.flow.configcheck``.
"""

from __future__ import annotations

import dataclasses
import os
import posixpath
import re
import shutil
import subprocess
import tempfile
from collections.abc import Mapping
from pathlib import Path

from wizard.core.plan import PlanContext
from wizard.errors import Problem
from wizard.executors.base import Executor

# drbd-utils 9 dispatches on the kernel module's version; with no module (a workstation, CI) the
# override picks the parser. A drbd-utils 8.x drbdadm ignores the variable and is its own parser.
OVERRIDE = {"8.3": "8.3.16", "8.4": "8.4.11", "9": "9.2.0"}
_LEGACY = {"8.3": "drbdadm-83", "8.4": "drbdadm-84"}
_LIBDIRS = ("/usr/lib/drbd", "/lib/drbd")
_SBIN = ("/usr/sbin/drbdadm", "/sbin/drbdadm")
_MSG = re.compile(r"^(?P<file>[^\s:][^:]*):(?P<line>\d+): (?P<msg>.*)$")
_NOISE = re.compile(r"^sh: \d+: modinfo: not found$|^$")
_WANTS_SEMICOLON = re.compile(r"'(?:[^']*\| )?;' expected")
NOTIFY_RE = re.compile(r"^[A-Za-z0-9._%+@-]+$")
DRBD_CONF = "/etc/drbd.conf"


# --- DRBD: the real parser -----------------------------------------------------------------------
def remote_check_argv(family: str, path: str) -> tuple[str, ...]:
    """argv that parses ``path`` ("-" = stdin) with a node's drbdadm in ``family`` syntax.

    ``dump all`` on a node: its own name is in the resource, which DRBD 8.3's dump insists on.
    """
    return ("env", f"DRBD_DRIVER_VERSION_OVERRIDE={OVERRIDE[family]}", "drbdadm", "-c", path, "dump", "all")


def local_drbdadm(family: str) -> tuple[list[str], dict[str, str]] | None:
    """This machine's parser for ``family``: the argv prefix and extra environment, or None."""
    legacy = _LEGACY.get(family)
    for d in _LIBDIRS if legacy else ():
        p = Path(d) / str(legacy)
        if os.access(p, os.X_OK):
            return [str(p)], {}
    found = shutil.which("drbdadm") or next((p for p in _SBIN if os.access(p, os.X_OK)), None)
    if not found:
        return None
    return [found], {"DRBD_DRIVER_VERSION_OVERRIDE": OVERRIDE[family]}


def _resources(text: str) -> list[str]:
    return re.findall(r"^\s*resource\s+([^\s{]+)", text, re.M)


def _semicolon_hint(text: str, line: int, token: str) -> str:
    """Where the ';' drbdadm wants is missing: before ``token`` on ``line``, or after the statement before it."""
    lines = text.splitlines()
    code = lines[line - 1].split("#", 1)[0] if 0 < line <= len(lines) else ""
    at = code.find(token) if token else -1
    if at > 0 and code[:at].strip():  # the token is mid-line: the missing ';' is on this line
        before = re.split(r"[;{}]", code[:at])[-1]
        if before.strip():
            return f" (a ';' is missing after `{' '.join(before.split())}` on line {line})"
    for i in range(min(line, len(lines) + 1) - 2, -1, -1):  # else: the last statement above
        prev = lines[i].split("#", 1)[0].strip()
        if prev:
            return f" (a ';' is missing after `{' '.join(prev.split())}` on line {i + 1})"
    return ""


def _real_path(reported: str, root: str, files: dict[str, str]) -> str:
    """The node path of a file drbdadm names: under the temp root, or relative to /etc (Debian's includes)."""
    if reported == "STDIN":  # a node's check reads the planned file on stdin
        return next(iter(files), reported)
    if root and reported.startswith(root + "/"):
        return reported[len(root):]
    if not reported.startswith("/"):
        guess = posixpath.normpath(posixpath.join("/etc", reported))
        if guess in files:
            return guess
    return next((p for p in files if posixpath.basename(p) == posixpath.basename(reported)), reported)


def parse_drbdadm_output(out: str, files: dict[str, str], root: str = "") -> list[Problem]:
    """drbdadm's ``file:line: message`` lines (continuations start with a tab) as Problems on node paths."""
    joined: list[str] = []
    for raw in out.splitlines():
        if raw.startswith(("\t", " ")) and joined:
            joined[-1] += " " + raw.strip()
        elif not _NOISE.match(raw.strip()):
            joined.append(raw.strip())
    first = next(iter(files), "drbd.conf")
    problems = []
    for msg in joined:
        m = _MSG.match(msg)
        if not m:
            problems.append(Problem(first, f"drbdadm: {msg}"))
            continue
        path = _real_path(m["file"], root, files)
        line = int(m["line"])
        detail = re.sub(r" \(TK \d+\)", "", m["msg"]).rstrip(",")
        if _WANTS_SEMICOLON.search(detail) and path in files:
            got = re.search(r"but got '([^']*)'", detail)
            detail += _semicolon_hint(files[path], line, got[1] if got else "")
        problems.append(Problem(path, detail, line))
    return problems


def check_drbd_files(files: dict[str, str], family: str, *, timeout: float = 30.0) -> list[Problem]:
    """Parse DRBD files (node path -> content) with drbd-utils' own parser for ``family``, as laid out.

    They are placed under a temporary root: with /etc/drbd.conf among them, drbdadm reads that and its
    includes, as on the node; a resource file alone is included from a minimal drbd.conf, so messages
    keep its own line numbers. Without drbdadm here, one non-fatal note says the check was skipped.
    """
    first = next(iter(files))
    tool = local_drbdadm(family)
    if tool is None:
        return [Problem(first, f"DRBD {family} syntax not checked on this machine: drbdadm (drbd-utils) is "
                        "not installed here; each node checks it before writing", fatal=False)]
    argv, env = tool
    with tempfile.TemporaryDirectory(prefix="ha-wizard-check-") as tmp:
        root = str(Path(tmp) / "root")
        for path, text in files.items():
            dest = Path(root + path)
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_text(text, encoding="utf-8")
        conf = Path(root + DRBD_CONF)
        if DRBD_CONF not in files:
            conf = Path(tmp) / "drbd-check.conf"
            conf.write_text("global { usage-count no; }\n" + "".join(f'include "{root}{p}";\n' for p in files),
                            encoding="utf-8")
        # 8.3's `dump all` insists on a resource for this host; naming the resources checks the same syntax.
        what = [r for t in files.values() for r in _resources(t)] if family == "8.3" else ["all"]
        try:
            r = subprocess.run([*argv, "-c", str(conf), "dump", *(what or ["all"])], capture_output=True,
                               text=True, timeout=timeout, env={**os.environ, **env, "LC_ALL": "C"}, check=False)
        except (OSError, subprocess.TimeoutExpired) as e:
            return [Problem(first, f"DRBD syntax not checked: {argv[0]} could not run ({e})", fatal=False)]
    if r.returncode == 0:
        return []
    return parse_drbdadm_output(r.stderr, files, root) or [
        Problem(first, f"drbdadm exited {r.returncode} without a message")]


def check_drbd_text(text: str, family: str, *, target: str = "/etc/drbd.d/r0.res") -> list[Problem]:
    """Parse one DRBD file, ``text``, that will be ``target`` on the node."""
    return check_drbd_files({target: text}, family)


def check_on_nodes(ctx: PlanContext, executors: Mapping[str, Executor]) -> list[Problem]:
    """Each node's own drbdadm parses the planned resource before anything is written on either node.

    The text goes on stdin (it holds the shared secret); drbdadm's dump on stdout is ignored and its
    messages are redacted. A dry-run executor runs nothing: the node gets a note instead.
    """
    from wizard.core.secrets import Redactor
    from wizard.drbd.render import drbd_text, resource_path

    target, text = resource_path(ctx), drbd_text(ctx)
    redact = Redactor(ctx.secrets.values())
    out: list[Problem] = []
    for node in (n.name for n in ctx.spec.nodes):
        ex = executors.get(node)
        if ex is None or not ex.mutates:
            out.append(Problem(target, "not parsed by this node's drbdadm (dry run or not contacted)", node=node,
                               fatal=False))
            continue
        r = ex.run(remote_check_argv(ctx.drbd_family, "-"), input=text, timeout=60.0)
        if r.rc == 0:
            continue
        if r.rc == 127:
            out.append(Problem(target, "drbdadm is missing on this node: install drbd-utils", node=node))
            continue
        found = parse_drbdadm_output(redact(r.err), {target: text})
        out += [dataclasses.replace(p, node=node) for p in found] or [
            Problem(target, f"drbdadm exited {r.rc}: {redact(r.text.strip())[:200]}", node=node)]
    return out


# --- DRBD: rules the parser does not enforce -----------------------------------------------------
def check_drbd_values(ctx: PlanContext) -> list[Problem]:
    from wizard.drbd.render import resource_path

    d = ctx.spec.drbd
    target = resource_path(ctx)
    out = []
    if d.timeout >= 10 * min(d.connect_int, d.ping_int):
        out.append(Problem(target, f"drbd.timeout = {d.timeout} (tenths of a second) must be below "
                                   f"drbd.connect_int ({d.connect_int} s) and drbd.ping_int ({d.ping_int} s), "
                                   "as DRBD requires"))
    if d.fencing == "dopd" and ctx.drbd_family == "9":
        out.append(Problem(target, "drbd.fencing = \"dopd\" works with DRBD 8.x only: drbd-peer-outdater needs "
                                   "the DRBD_PEER variable that DRBD 9 no longer exports; use fencing = \"none\""))
    if not NOTIFY_RE.match(d.split_brain_notify):
        out.append(Problem(target, f"drbd.split_brain_notify = {d.split_brain_notify!r}: give one mail "
                                   "recipient, like root or admin@example.com"))
    return out
