"""Reading DRBD status text whatever its format: which format it is, the ``drbdadm status`` text parser
(DRBD 9, plain and ``--verbose --statistics``), and the lenient (live probes) and strict (saved files)
readers over every parser of ``wizard.drbd.state``."""

from __future__ import annotations

import json
import re
from typing import Any

from wizard.drbd.state import (
    EVENT_LINE,
    DrbdStatus,
    parse_drbdsetup_status_json,
    parse_events2,
    parse_proc_drbd,
    peer_of,
    v9_device,
)
from wizard.errors import WizardError

_STATUS_HEAD = re.compile(r"^\s*[^\s:#]+\s+(?:node-id:\d+\s+)?role:\w+")
_NO_DRBD = re.compile(r"No currently configured DRBD found|: No such resource")


def _kv(tokens: list[str]) -> dict[str, str]:
    return dict(t.split(":", 1) for t in tokens if ":" in t)


def parse_drbdadm_status(text: str, version: str | None = None) -> DrbdStatus:
    """``drbdadm status`` / ``drbdsetup status`` text (DRBD 9), plain or ``--verbose --statistics``.

    The layout is by indentation: a resource line (``NAME role:...``), its devices (``disk:`` alone, or
    ``volume:N ...`` with several volumes), then one line per peer (``PEER role:...`` or
    ``PEER connection:...``) with its peer devices (``peer-disk:``/``replication:`` or ``volume:N ...``).
    With --statistics, more ``key:value`` lines continue the object above them. Text pasted into a ticket
    often loses its indentation, so a resource is also recognised by starting the text, following a blank
    line, or carrying ``suspended:``."""
    lines = [ln.rstrip() for ln in text.splitlines()]
    indents = {len(ln) - len(ln.lstrip()) for ln in lines if ln.strip()}
    flat = len(indents) <= 1
    resources: list[dict[str, Any]] = []
    res: dict[str, Any] | None = None
    conn: dict[str, Any] | None = None
    last: dict[str, str] | None = None
    blank = True
    res_indent = 0
    for line in lines:
        if not line.strip():
            blank = True
            continue
        if line.lstrip().startswith("#"):
            continue
        indent = len(line) - len(line.lstrip())
        tokens = line.split()
        head = tokens[0]
        if ":" not in head:  # a resource or a peer (connection)
            fields = _kv(tokens[1:])
            if res is None or blank or "suspended" in fields or (not flat and indent <= res_indent):
                res = {"name": head, "fields": fields, "devices": {}, "conns": []}
                resources.append(res)
                conn, last, res_indent = None, fields, indent
            else:
                conn = {"name": head, "fields": fields, "pds": {}}
                res["conns"].append(conn)
                last = fields
        elif res is not None:
            fields = _kv(tokens)
            if head.startswith("volume:") or head.startswith("disk:") and conn is None or \
                    head.startswith(("peer-disk:", "replication:")) and conn is not None:
                table = res["devices"] if conn is None else conn["pds"]
                last = table.setdefault(fields.get("volume", "0"), {})
                last.update(fields)
            elif last is not None:
                last.update(fields)  # a --statistics continuation line
        blank = False
    devices = []
    for r in resources:
        vols = r["devices"] or ({"0": {}} if r["conns"] else {})
        for vol, dev in sorted(vols.items(), key=lambda kv: int(kv[0]) if kv[0].isdigit() else 0):
            peers = tuple(peer_of(c["name"], c["fields"], c["pds"].get(vol)) for c in r["conns"])
            first = r["conns"][0] if r["conns"] else None
            pd = first["pds"].get(vol, {}) if first else {}
            # plain `drbdadm status` leaves out connection:Connected, as it leaves out every normal state
            conn_f = {"connection": peers[0].connection, "role": peers[0].role} if peers else None
            devices.append(v9_device(
                {"name": r["name"], "role": r["fields"].get("role")}, dev | {"volume": vol}, conn_f,
                {"replication": peers[0].replication, "peer-disk": peers[0].peer_disk} if peers else None,
                percent=pd.get("done"), oos=pd.get("out-of-sync"), speed_mib=pd.get("dbdt1"), eta=pd.get("eta"),
                total_sectors=None, peers=peers))
    return DrbdStatus(version, tuple(devices), None)


NOT_STATUS = "not /proc/drbd, drbdadm status, drbdsetup status --json or events2 output"


def status_format(text: str) -> str | None:
    """Which DRBD status format ``text`` is: "proc", "json", "events2", "drbdadm", or None."""
    body = text.strip()
    if body.startswith("version:"):
        first, _, rest = body.partition("\n")
        if rest.strip().startswith("[") or _STATUS_HEAD.match(rest.strip()):
            body = rest.strip()  # a probe that printed /proc/drbd's first line before the DRBD 9 status
        else:
            return "proc"
    if body.startswith("["):
        try:
            parsed = json.loads(body)
        except ValueError:
            return None
        return "json" if isinstance(parsed, list) and all(isinstance(r, dict) for r in parsed) else None
    if EVENT_LINE.match(body.splitlines()[0].strip() if body else ""):
        return "events2"
    if re.search(r"^\s*\d+:\s*cs:\S+", body, re.M):
        return "proc"
    first = next((ln for ln in body.splitlines() if ln.strip() and not ln.lstrip().startswith("#")), "")
    if _STATUS_HEAD.match(first) or _NO_DRBD.search(body):
        return "drbdadm"
    return None


def read_status(text: str) -> DrbdStatus:
    """Whatever DRBD status text a probe printed: /proc/drbd, ``drbdsetup status --json``, events2,
    ``drbdadm status``. Lenient (a live probe's empty or odd output means no device); ``read_saved_status``
    is the strict one for files people give."""
    body = text.strip()
    version = None
    if body.startswith("version:"):  # DRBD 9 probes may print /proc/drbd's first line before the JSON
        first, _, rest = body.partition("\n")
        version = first.split()[1] if len(first.split()) > 1 else None
        if status_format(rest) in ("json", "drbdadm", "events2"):
            body = rest.strip()
    kind = status_format(body)
    if kind == "json":
        return parse_drbdsetup_status_json(body, version)
    if body.startswith("["):
        return DrbdStatus(version, ())
    if kind == "events2" or re.search(r"^(?:\S+T\S+\s+)?exists\s", body, re.M):
        return parse_events2(body, version)
    if kind == "drbdadm":
        return parse_drbdadm_status(body, version)
    return parse_proc_drbd(text)


def read_saved_status(text: str, source: str = "the file") -> DrbdStatus:
    """A status someone saved or pasted: one of the known formats, or a WizardError (exit 2) saying so."""
    if status_format(text) is None:
        raise WizardError(f"{source}: {NOT_STATUS}", exit_code=2)
    return read_status(text)
