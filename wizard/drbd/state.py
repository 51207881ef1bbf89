"""DRBD state and resync progress: /proc/drbd (DRBD 0.7/8.0-8.4), ``drbdsetup status --json`` and
``drbdsetup events2 --now --statistics`` (DRBD 9, where /proc/drbd holds only the version).

Reading text of unknown format (and ``drbdadm status`` text) is ``wizard.drbd.status_read``.

Units: DRBD prints sizes and counters in KiB and speeds in KiB/s. The percentage /proc/drbd prints is
coarse for small devices (8.4 computes it from bitmap bits >> 10: a 63 MiB device moves in 6.25 %
steps), so ``progress_from`` computes the percentage from the out-of-sync and total figures instead.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

# every 8.x connection state (drbd_strings.c), plus DRBD 9's Connecting/Established/Off
CONNECTION_STATES = (
    "StandAlone", "Disconnecting", "Unconnected", "Timeout", "BrokenPipe", "NetworkFailure",
    "ProtocolError", "TearDown", "WFConnection", "WFReportParams", "Connected", "StartingSyncS",
    "StartingSyncT", "WFBitMapS", "WFBitMapT", "WFSyncUUID", "SyncSource", "SyncTarget", "PausedSyncS",
    "PausedSyncT", "VerifyS", "VerifyT", "Ahead", "Behind", "Unconfigured",
)
SYNCING = frozenset({"SyncSource", "SyncTarget", "PausedSyncS", "PausedSyncT", "VerifyS", "VerifyT"})


@dataclass(frozen=True)
class DrbdPeer:
    """One peer of a DRBD 9 device (a resource may have several: three nodes or more)."""

    name: str
    connection: str  # Connected, Connecting, StandAlone ...
    role: str
    peer_disk: str
    replication: str  # Established, SyncSource, SyncTarget, Off ...
    done: float | None = None  # resync percent, while one runs

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "connection": self.connection, "role": self.role,
                "peer_disk": self.peer_disk, "replication": self.replication, "done": self.done}


@dataclass(frozen=True)
class DrbdDevice:
    minor: int
    cs: str  # 8.x connection state; for DRBD 9 the replication state while not plain "Connected"
    roles: tuple[str, ...]  # (local, peer)
    disk_states: tuple[str, ...]  # (local, peer); very old "ld:" gives only the local one
    protocol: str | None = None
    sync_percent: float | None = None  # as printed (coarse on 8.x)
    oos_kib: int | None = None  # out of sync, KiB
    speed_kib_s: int | None = None
    finish: str | None = None  # "H:MM:SS" as printed
    total_kib: int | None = None  # size of this resync/verify (from "(left/total)K"; rs-total on DRBD 9)
    left_kib: int | None = None  # still to do in it: differs from oos_kib during a verify
    want_kib_s: int | None = None
    resource: str | None = None  # DRBD 9 resource name
    counters: tuple[tuple[str, int], ...] = ()  # ns nr dw dr al bm lo pe ua ap ep (KiB or counts)
    volume: int | None = None  # DRBD 9
    peers: tuple[DrbdPeer, ...] = ()  # DRBD 9: every peer; roles/disk_states show the first one

    @property
    def name(self) -> str:
        """drbd0, or resource/volume when the minor is not known (plain `drbdadm status` omits it)."""
        return f"drbd{self.minor}" if self.minor >= 0 else f"{self.resource}/{self.volume or 0}"

    def counter(self, name: str) -> int | None:
        return dict(self.counters).get(name)

    def to_json(self) -> dict[str, Any]:
        return {"minor": self.minor, "cs": self.cs, "roles": list(self.roles),
                "disk_states": list(self.disk_states), "protocol": self.protocol,
                "sync_percent": self.sync_percent, "oos_kib": self.oos_kib,
                "speed_kib_s": self.speed_kib_s, "finish": self.finish} | (
                {"resource": self.resource, "volume": self.volume, "peers": [p.to_json() for p in self.peers]}
                if self.resource is not None else {}) | ({"minor": None} if self.minor < 0 else {})


@dataclass(frozen=True)
class DrbdStatus:
    version: str | None
    devices: tuple[DrbdDevice, ...]
    api: int | None = None

    def to_json(self) -> dict[str, Any]:
        return {"version": self.version, "devices": [d.to_json() for d in self.devices]}

    def device(self, minor: int) -> DrbdDevice | None:
        return next((d for d in self.devices if d.minor == minor), None)


def _int(s: str) -> int:
    return int(s.replace(",", ""))  # "5,708": the kernel groups thousands


_DEV = re.compile(r"^\s*(\d+):\s*cs:(\S+)(.*)$")
_PROGRESS = re.compile(r"(?:sync'ed|synced|verified):\s*([\d.]+)%\s*\((\d+)/(\d+)\)([KM])")


def parse_proc_drbd(text: str) -> DrbdStatus:
    version = api = None
    if m := re.search(r"^version:\s*(\S+)", text, re.M):
        version = m.group(1)
    if m := re.search(r"^version:.*\bapi:(\d+)", text, re.M):
        api = int(m.group(1))
    devices: list[DrbdDevice] = []
    cur: dict[str, Any] | None = None

    def flush() -> None:
        if cur is not None:
            fields = {k: v for k, v in cur.items() if k != "counters"}
            oos = cur["counters"].get("oos", cur.get("left_kib"))  # 8.0 and older print no oos:
            devices.append(DrbdDevice(**fields, oos_kib=oos, counters=tuple(cur["counters"].items())))

    for line in text.splitlines():
        if m := _DEV.match(line):
            flush()
            rest = m.group(3)
            roles = re.search(r"\b(?:ro|st):(\w+)/(\w+)", rest)
            disks = re.search(r"\bds:(\w+)/(\w+)", rest)
            local = re.search(r"\bld:(\w+)", rest)
            proto = re.search(r"\bds:\S+\s+([ABC])\s", rest + " ")
            cur = {"minor": int(m.group(1)), "cs": m.group(2), "roles": roles.groups() if roles else (),
                   "disk_states": disks.groups() if disks else ((local.group(1),) if local else ()),
                   "protocol": proto.group(1) if proto else None, "counters": {}}
            continue
        if cur is None:
            continue
        if re.match(r"^\s*(resync|act_log):", line):
            continue  # 8.0-8.3 activity-log statistics: not state
        if pm := _PROGRESS.search(line):
            scale = 1024 if pm.group(4) == "M" else 1  # "(left/total)M" for resyncs over 4 GiB
            cur.update(sync_percent=float(pm.group(1)), left_kib=int(pm.group(2)) * scale,
                       total_kib=int(pm.group(3)) * scale)
        # on old kernels "(1234/5678)Mfinish: ..." share a line (no newline after M), so no elif
        if fm := re.search(r"finish:\s*(\d+:\d+:\d+)", line):
            cur["finish"] = fm.group(1)
            if sm := re.search(r"speed:\s*([\d,]+)", line):
                cur["speed_kib_s"] = _int(sm.group(1))
            if wm := re.search(r"want:\s*([\d,]+)", line):
                cur["want_kib_s"] = _int(wm.group(1))
        elif not pm:
            for key, value in re.findall(r"\b([a-z]+):(\d+)\b", line):
                cur["counters"][key] = int(value)
    flush()
    return DrbdStatus(version, tuple(devices), api)


# --- DRBD 9 ------------------------------------------------------------------------------------


def _hms(seconds: float | None) -> str | None:
    if seconds is None or not 0 <= seconds < 987654321:  # also NaN, and drbdsetup's "unknown" sentinel
        return None
    s = int(round(seconds))
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}"


def _cs(connection: str | None, replication: str | None) -> str:
    # 8.x folded replication into cs; keep that single word for the wizard's messages
    if connection in (None, "Connected") and replication not in (None, "Established", "Off"):
        return str(replication)
    return connection or "StandAlone"


def peer_of(name: Any, conn: Mapping | None, pd: Mapping | None) -> DrbdPeer:
    connection = str((conn or {}).get("connection") or "Connected")
    replication = (pd or {}).get("replication") or ("Established" if connection == "Connected" else "Off")
    done = (pd or {}).get("done")
    return DrbdPeer(str(name), connection, str((conn or {}).get("role") or "Unknown"),
                    str((pd or {}).get("peer-disk") or "DUnknown"), str(replication),
                    round(float(done), 2) if done not in (None, "") and replication in SYNCING else None)


def v9_device(resource: Mapping, device: Mapping, conn: Mapping | None, peer: Mapping | None,
               *, percent: Any, oos: Any, speed_mib: Any, eta: Any, total_sectors: Any,
               peers: tuple[DrbdPeer, ...] = ()) -> DrbdDevice:
    replication = peer.get("replication") if peer else None
    if replication not in SYNCING:  # "change" lines leave stale done:/dbdt1:/eta: from the resync behind
        percent = speed_mib = eta = total_sectors = None
    minor = device.get("minor")
    return DrbdDevice(
        minor=int(minor) if minor not in (None, "") else -1,
        cs=_cs(conn.get("connection") if conn else None, peer.get("replication") if peer else None),
        roles=(str(resource.get("role", "Unknown")), str(conn.get("role", "Unknown")) if conn else "Unknown"),
        disk_states=(str(device.get("disk", "DUnknown")),
                     str(peer.get("peer-disk", "DUnknown")) if peer else "DUnknown"),
        sync_percent=round(float(percent), 2) if percent is not None else None,
        oos_kib=int(oos) if oos is not None else None,
        speed_kib_s=int(round(float(speed_mib) * 1024)) if speed_mib is not None else None,
        finish=_hms(float(eta)) if eta is not None else None,  # events2 prints "eta:nan" at the start
        total_kib=int(total_sectors) // 2 if total_sectors not in (None, 0) else None,
        left_kib=int(oos) if oos is not None and replication in SYNCING else None,
        resource=str(resource.get("name")),
        volume=int(device["volume"]) if str(device.get("volume", "")).isdigit() else None,
        peers=peers,
    )


def parse_drbdsetup_status_json(text: str, version: str | None = None) -> DrbdStatus:
    """``drbdsetup status --json [--statistics]`` (drbd-utils 9.x field names, as printed by
    drbdsetup.c). Two-node view: the first connection is the peer. Pass ``version`` from /proc/drbd."""
    devices = []
    for res in json.loads(text):
        conns = res.get("connections") or []
        conn = conns[0] if conns else None
        for dev in res.get("devices", []):
            pd = next((p for p in (conn or {}).get("peer_devices", []) if p.get("volume") == dev.get("volume")),
                      None)
            r = {"name": res.get("name"), "role": res.get("role")}
            d = {"minor": dev.get("minor"), "disk": dev.get("disk-state"), "volume": dev.get("volume")}
            peers = []
            for cn in conns:
                cpd: dict[str, Any] = next(
                    (x for x in cn.get("peer_devices", []) if x.get("volume") == dev.get("volume")), {})
                peers.append(peer_of(cn.get("name"), {"connection": cn.get("connection-state"),
                                                    "role": cn.get("peer-role")},
                                   {"replication": cpd.get("replication-state"),
                                    "peer-disk": cpd.get("peer-disk-state"),
                                    "done": cpd.get("percent-resync-done")} if cpd else None))
            c = {"connection": conn.get("connection-state"), "role": conn.get("peer-role")} if conn else None
            p = ({"replication": pd.get("replication-state"), "peer-disk": pd.get("peer-disk-state")}
                 if pd else None)
            pd = pd or {}
            devices.append(v9_device(
                r, d, c, p, percent=pd.get("percent-resync-done"), oos=pd.get("out-of-sync"),
                speed_mib=pd.get("db1/dt1 [MiB/s]"), eta=pd.get("estimated-seconds-to-finish"),
                total_sectors=pd.get("rs-total"), peers=tuple(peers)))
    return DrbdStatus(version, tuple(devices), None)


EVENT_LINE = re.compile(
    r"^(?:\S+T\S+\s+)?(exists|create|change|destroy)\s+(resource|connection|device|peer-device)\s+(.*)$"
)


def parse_events2(text: str, version: str | None = None) -> DrbdStatus:
    """``drbdsetup events2 --now [--statistics]``: replay exists/create/change/destroy lines into the
    current state (optionally timestamped with --timestamps). "change" lines carry only some fields."""
    objs: dict[tuple[str, ...], dict[str, str]] = {}
    for line in text.splitlines():
        m = EVENT_LINE.match(line.strip())
        if not m:
            continue  # "exists -", helper calls, paths
        verb, kind, rest = m.groups()
        fields = dict(f.split(":", 1) for f in rest.split() if ":" in f)
        key = (kind, fields.get("name", ""), fields.get("peer-node-id", ""), fields.get("volume", ""))
        if verb == "destroy":
            objs.pop(key, None)
        else:
            objs.setdefault(key, {}).update(fields)
    devices = []
    for (kind, name, _, volume), dev in objs.items():
        if kind != "device":
            continue
        res = objs.get(("resource", name, "", ""), {})
        conn_keys = [k for k in objs if k[0] == "connection" and k[1] == name]
        conn_key = conn_keys[0] if conn_keys else None
        conn = objs.get(conn_key) if conn_key else None
        peer = objs.get(("peer-device", name, conn_key[2], volume)) if conn_key else None
        pf = peer or {}
        peers = tuple(peer_of(objs[k].get("conn-name", k[2]), objs[k],
                            objs.get(("peer-device", name, k[2], volume))) for k in conn_keys)
        devices.append(v9_device(res | {"name": name}, dev | {"volume": volume}, conn, peer, percent=pf.get("done"),
                                  oos=pf.get("out-of-sync"), speed_mib=pf.get("dbdt1"), eta=pf.get("eta"),
                                  total_sectors=None, peers=peers))
    return DrbdStatus(version, tuple(sorted(devices, key=lambda d: d.minor)), None)


# --- progress ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Progress:
    minor: int
    state: str
    percent: float | None
    oos_bytes: int | None
    total_bytes: int | None
    speed_bytes_s: float | None
    eta_seconds: float | None
    done: bool  # both sides UpToDate
    at: float  # the caller's clock when the sample was taken


def _seconds(hms: str | None) -> float | None:
    if not hms:
        return None
    h, m, s = (int(x) for x in hms.split(":"))
    return float(h * 3600 + m * 60 + s)


def progress_from(device: DrbdDevice, previous: Progress | None, now: float) -> Progress:
    """One progress sample. Speed comes from DRBD's status line when it prints one, else from how
    much the out-of-sync figure shrank since ``previous``."""
    done = len(device.disk_states) == 2 and all(s == "UpToDate" for s in device.disk_states)
    left_kib = device.left_kib if device.left_kib is not None else device.oos_kib
    oos = left_kib * 1024 if left_kib is not None else None
    total = device.total_kib * 1024 if device.total_kib else None
    if total and oos is not None:
        percent: float | None = max(0.0, min(100.0, 100.0 * (total - oos) / total))
    elif done:
        percent = 100.0
    else:
        percent = device.sync_percent
    speed: float | None = device.speed_kib_s * 1024.0 if device.speed_kib_s is not None else None
    if speed is None and previous is not None and previous.oos_bytes is not None and oos is not None \
            and now > previous.at and previous.oos_bytes >= oos:
        speed = (previous.oos_bytes - oos) / (now - previous.at)
    if device.cs in SYNCING and oos is not None:  # a resync or verify is running
        eta: float | None = 0.0 if oos == 0 else (oos / speed if speed else _seconds(device.finish))
    else:
        eta = 0.0 if done else None
    return Progress(device.minor, device.cs, percent, oos, total, speed, eta, done, now)
