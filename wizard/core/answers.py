"""The answers file: read (TOML → validated ``Spec``) and written back (a Spec, plus, only when asked, its
secrets, as TOML).

``tomllib`` reads TOML but cannot write it, so this module serialises the one schema in ``wizard.core.spec``
(flat sections of strings, integers, booleans and lists of strings, plus two ``[[nodes]]`` tables).
The interactive wizard edits a plain dict shaped like the file (``draft``), validates it with
``spec_from_dict`` so its errors are the CLI's sentences, and saves the result here so the same setup can
be replayed headless with ``ha-wizard apply --answers FILE``.
"""

from __future__ import annotations

import copy
import os
import time
import tomllib
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

from wizard.core.spec import (
    NODE_KEYS,
    PROFILES,
    REQUIRED,
    SECTIONS,
    TIMING,
    Custom,
    Drbd,
    Heartbeat,
    Node,
    SecretsInAnswers,
    Service,
    Spec,
    Stonith,
    Storage,
    WizardSettings,
    custom_from,
    spec_from_dict,
)
from wizard.errors import AnswersError

SECRET_KEYS = {("drbd", "shared_secret"), ("heartbeat", "authkey")}
NODE_PCMK = ("second_address", "fence_target")  # [[nodes]] keys only Pacemaker reads (written when given)
# What a draft calls a node that has no name yet (see ``draft_spec``).
NOT_NAMED = {"master": "master (not named yet)", "peer": "peer (not named yet)"}


# --- reading -------------------------------------------------------------------------------------------
def load_answers(path: str | Path) -> tuple[Spec, SecretsInAnswers]:
    """Read and validate an answers file. Raises AnswersError listing every problem."""
    p = Path(path)
    text = ""
    try:
        text = p.read_text(encoding="utf-8")
        raw = tomllib.loads(text)
    except FileNotFoundError:
        raise AnswersError([f"file not found: {p} (give the path of your answers file)"], str(p)) from None
    except IsADirectoryError:
        raise AnswersError([f"{p} is a directory, not an answers file"], str(p)) from None
    except PermissionError:
        raise AnswersError([f"cannot read {p}: permission denied (run as root or fix its mode)"], str(p)) from None
    except UnicodeDecodeError:
        raise AnswersError([f"{p} is not UTF-8 text"], str(p)) from None
    except tomllib.TOMLDecodeError as e:
        # tomllib says "(at end of document)" when the file ends inside a string or a key: name that line
        where = str(e).replace("(at end of document)", f"(at the end of the file, line {text.count(chr(10)) + 1})")
        raise AnswersError([f"not valid TOML: {where} (check quotes, '=' and [section] headers)"], str(p)) from None
    return spec_from_dict(raw, source=str(p))



# --- values ---------------------------------------------------------------------------------------
def _toml_str(s: str) -> str:
    out = ['"']
    for ch in s:
        if ch == "\\":
            out.append("\\\\")
        elif ch == '"':
            out.append('\\"')
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ch == "\r":
            out.append("\\r")
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, str):
        return _toml_str(v)
    if isinstance(v, list | tuple):
        return "[" + ", ".join(toml_value(x) for x in v) + "]"
    raise TypeError(f"cannot write {v!r} ({type(v).__name__}) to an answers file")


# --- Spec <-> draft dict ----------------------------------------------------------------------------
def spec_to_dict(spec: Spec, secrets: SecretsInAnswers | None = None) -> dict[str, Any]:
    """The answers-file shape of a Spec (``load_answers`` of ``dumps`` of it gives the Spec back)."""
    d = spec.drbd
    # The Pacemaker keys only when they differ from their defaults: a Heartbeat pair's file stays as it was.
    pcmk = {k: getattr(spec, k) for k in ("stack", "fencing") if getattr(spec, k) != SECTIONS["cluster"][k]}
    raw: dict[str, Any] = {
        "cluster": {"master": spec.master, "demo": spec.demo, **pcmk},
        "nodes": [{k: getattr(n, k) for k in NODE_KEYS if k not in NODE_PCMK or getattr(n, k)} for n in spec.nodes],
        "drbd": {k: getattr(d, k) for k in SECTIONS["drbd"] if k != "shared_secret"},
        "storage": {k: getattr(spec.storage, k) for k in SECTIONS["storage"]},
        "service": {k: getattr(spec.service, k) for k in SECTIONS["service"]},
        "recipes": {"enabled": list(spec.recipes), "relay_host": spec.relay_host},
        **({"custom": {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(spec.custom).items()}}
           if spec.custom != Custom() or "custom" in spec.recipes else {}),
        "heartbeat": {k: getattr(spec.heartbeat, k) for k in SECTIONS["heartbeat"] if k != "authkey"},
        **({"stonith": asdict(spec.stonith)} if spec.stonith != Stonith() else {}),
        "wizard": {k: getattr(spec.wizard, k) for k in SECTIONS["wizard"]},
    }
    if secrets is not None:
        if secrets.shared_secret:
            raw["drbd"]["shared_secret"] = secrets.shared_secret
        if secrets.authkey:
            raw["heartbeat"]["authkey"] = secrets.authkey
    return raw


def defaulted_keys(raw: dict[str, Any]) -> set[str]:
    """The keys ``complete`` fills with a schema default because ``raw`` does not give them: "section.key",
    and "nodes.N.key" (N = 0, 1). The wizard may replace these with discovered values; never the others."""
    out: set[str] = set()
    for name, schema in SECTIONS.items():
        sec = raw.get(name)
        sec = sec if isinstance(sec, dict) else {}
        out |= {f"{name}.{k}" for k, d in schema.items() if d is not REQUIRED and k not in sec}
    given = raw.get("nodes")
    given = given if isinstance(given, list) else []
    for i in range(2):
        n = given[i] if i < len(given) and isinstance(given[i], dict) else {}
        out |= {f"nodes.{i}.{k}" for k, d in NODE_KEYS.items() if d is not REQUIRED and k not in n}
    return out


def complete(raw: dict[str, Any]) -> dict[str, Any]:
    """A full draft: every section and key present (defaults, "" for required ones), two nodes.

    Unknown keys are kept so that validation reports them exactly as the CLI would.
    """
    out: dict[str, Any] = copy.deepcopy(raw)
    for name, schema in SECTIONS.items():
        sec = out.get(name)
        if not isinstance(sec, dict):
            sec = {}
        for key, default in schema.items():
            if (name, key) in SECRET_KEYS:
                continue
            if name == "heartbeat" and key in TIMING and sec.get("profile") in PROFILES:
                continue  # the profile sets them (heartbeat_timing); a default would contradict it
            sec.setdefault(key, "" if default is REQUIRED else copy.deepcopy(default))
        out[name] = sec
    nodes = out.get("nodes")
    nodes = [n for n in nodes if isinstance(n, dict)] if isinstance(nodes, list) else []
    while len(nodes) < 2:
        nodes.append({})
    for n in nodes:
        for key, default in NODE_KEYS.items():
            n.setdefault(key, "" if default is REQUIRED else default)
    out["nodes"] = nodes
    return out


def split_secrets(raw: dict[str, Any]) -> tuple[dict[str, Any], SecretsInAnswers]:
    """The draft without its secrets, and the secrets it held."""
    out = copy.deepcopy(raw)
    drbd = out.get("drbd") if isinstance(out.get("drbd"), dict) else {}
    hb = out.get("heartbeat") if isinstance(out.get("heartbeat"), dict) else {}
    shared = drbd.pop("shared_secret", "") if drbd else ""
    auth = hb.pop("authkey", "") if hb else ""
    return out, SecretsInAnswers(str(shared or ""), str(auth or ""))


def _local_name() -> str:
    return os.uname().nodename.split(".")[0]


def default_spec(master: str | None = None) -> Spec:
    """Where the wizard starts without an answers file: this machine is the master (its `uname -n`).

    The result is NOT validated: names, addresses, partitions, the service name and the VIP are blank
    until the admin fills them in.
    """
    me = master or _local_name()
    spec = draft_spec({"cluster": {"master": me}, "nodes": [{"name": me}, {}]})
    return replace(spec, nodes=(spec.nodes[0], replace(spec.nodes[1], name="")))


def draft_spec(raw: dict[str, Any]) -> Spec:
    """A Spec from a draft as it stands, without validation (blanks stay blank, wrong kinds are
    replaced by defaults). For probing the nodes before every answer is in; never for a plan."""
    full = complete(raw)

    def typed(section: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, default in schema.items():
            v = section.get(key)
            if default is REQUIRED:
                out[key] = v if isinstance(v, str) else ""
            elif isinstance(default, bool):
                out[key] = v if isinstance(v, bool) else default
            elif isinstance(default, int):
                out[key] = v if isinstance(v, int) and not isinstance(v, bool) else default
            elif isinstance(default, list):
                out[key] = tuple(v) if isinstance(v, list) else tuple(default)
            else:
                out[key] = v if isinstance(v, str) else default
        return out

    nodes = [typed(n, NODE_KEYS) for n in full["nodes"][:2]]
    master = str(full["cluster"].get("master") or nodes[0]["name"] or _local_name())
    if not nodes[0]["name"] and nodes[1]["name"] != master:
        nodes[0]["name"] = master
    # A node nobody has named yet is labelled as such, never given a made-up host name: the label is all
    # the screens show until the admin types a name or the wizard reads the node's `uname -n`.
    mi = 0 if nodes[0]["name"] == master or nodes[1]["name"] != master else 1
    for i, n in enumerate(nodes):
        role = "master" if i == mi else "peer"
        if not n["name"]:
            n["name"] = NOT_NAMED[role]
        elif i == 1 and n["name"] == nodes[0]["name"]:
            n["name"] = f"{n['name']} (the {role}, same name twice)"
    if master not in (nodes[0]["name"], nodes[1]["name"]):
        master = nodes[0]["name"]
    sec = {name: typed(full[name], {k: v for k, v in schema.items() if (name, k) not in SECRET_KEYS})
           for name, schema in SECTIONS.items()}
    return Spec(
        nodes=(Node(**nodes[0]), Node(**nodes[1])),
        master=master,
        demo=bool(sec["cluster"]["demo"]),
        drbd=Drbd(**sec["drbd"]),
        storage=Storage(**sec["storage"]),
        service=Service(**sec["service"]),
        recipes=tuple(sec["recipes"]["enabled"]),
        heartbeat=Heartbeat(**sec["heartbeat"]),
        wizard=WizardSettings(**sec["wizard"]),
        source="",
        relay_host=sec["recipes"]["relay_host"],
        custom=custom_from(sec["custom"]),
        stack=sec["cluster"]["stack"],
        fencing=sec["cluster"]["fencing"],
        stonith=Stonith(**sec["stonith"]),
    )


# --- writing ----------------------------------------------------------------------------------------
def dumps(raw: dict[str, Any], *, comment: str = "") -> str:
    """TOML text for an answers dict (sections in the schema's order, then [[nodes]])."""
    lines: list[str] = [f"# {ln}" if ln else "#" for ln in comment.splitlines()]
    if lines:
        lines.append("")

    def section(name: str, values: dict[str, Any]) -> None:
        lines.append(f"[{name}]")
        for key, v in values.items():
            lines.append(f"{key} = {toml_value(v)}")
        lines.append("")

    order = ["cluster", "nodes", *[s for s in SECTIONS if s != "cluster"]]
    for name in order:
        if name == "nodes":
            for n in raw.get("nodes", []):
                lines.append("[[nodes]]")
                lines.extend(f"{k} = {toml_value(v)}" for k, v in n.items())
                lines.append("")
        elif name in raw:
            section(name, raw[name])
    for name, values in raw.items():  # anything outside the schema, so nothing is silently dropped
        if name not in order and isinstance(values, dict):
            section(name, values)
    return "\n".join(lines).rstrip("\n") + "\n"


def save_answers(spec: Spec, path: str | Path, secrets: SecretsInAnswers | None = None) -> Path:
    """Write ``spec`` as an answers file, atomically. Secrets are written only when given (and the file
    is then made 0600); without them the saved file holds none, and apply reads them from the state file.
    """
    p = Path(path).expanduser()
    keep = secrets is not None and bool(secrets.shared_secret or secrets.authkey)
    raw = spec_to_dict(spec, secrets if keep else None)
    # the flag follows the file: set, apply would not keep secrets it cannot find here
    raw["wizard"]["keep_secrets_in_answers"] = keep
    stamp = time.strftime("%Y-%m-%d %H:%M")
    comment = (f"Answers written by ha-wizard on {stamp}.\n"
               f"Replay without the screens: ha-wizard apply --answers {p}\n"
               + ("This file holds the shared secrets: keep it private (mode 0600)." if keep else
                  "No secrets in here: apply keeps them in its root-only state file."))
    text = dumps(raw, comment=comment)
    p.parent.mkdir(parents=True, exist_ok=True)
    tmp = p.with_name(f".{p.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600 if keep else 0o644)
    try:
        os.write(fd, text.encode("utf-8"))
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, p)
    return p
