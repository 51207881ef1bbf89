"""DRBD conditions for waits and checks: metadata present, resource up, connected, promotable, synced.

They read the probes built in ``wizard.drbd.steps``: ``cat /proc/drbd`` (8.x) or ``drbdsetup status
--json`` (9), parsed by ``wizard.drbd.state`` (never here). ``fatal`` marks states that waiting
cannot fix (StandAlone after split-brain or a refused handshake; the peer already holding the good data).

"drbd-synced" keeps the previous sample per minor, in this process only, to estimate the speed where DRBD
prints none (DRBD 9) and to notice a sync that stopped moving; everything else is a pure function.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from wizard.core.conditions import Condition, Verdict, collector
from wizard.drbd.state import (
    SYNCING,
    DrbdDevice,
    Progress,
    progress_from,
)
from wizard.drbd.status_read import read_status
from wizard.executors.base import Result

# Connection states in which the two nodes talk to each other (8.x names, plus DRBD 9's Established).
CONNECTED = frozenset({"Connected", "Established", "StartingSyncS", "StartingSyncT", "WFBitMapS", "WFBitMapT",
                       "WFSyncUUID", "Ahead", "Behind"}) | SYNCING
NOT_UP = frozenset({"StandAlone", "Unconfigured"})
# Local disk states meaning "no usable backing disk here".
NO_DISK = frozenset({"Diskless", "Failed", "Attaching", "Detaching", "DUnknown"})
NOT_GOOD = frozenset({"Inconsistent", "Outdated", "Consistent"})
# On-disk superblock magic numbers (drbdmeta.c): v08, v08 "unclean" (8.4, attached), v09.
MD_MAGICS = frozenset({"8374026b", "8374026c", "8374026d"})
SECTION = "@@ha-wizard:"

# This domain's conditions; ``wizard.flow.registry`` puts them into the engine's registry.
CONDITIONS: dict[str, Condition] = {}
condition = collector(CONDITIONS)


def sections(text: str) -> dict[str, str]:
    """Split a probe that prints ``@@ha-wizard:<name>`` headers into {name: text}."""
    out: dict[str, str] = {}
    name = ""
    for line in text.splitlines(keepends=True):
        if line.startswith(SECTION):
            name = line[len(SECTION):].strip()
            out[name] = ""
        elif name:
            out[name] += line
    return out


def describe(dev: DrbdDevice) -> str:
    return f"cs:{dev.cs} ro:{'/'.join(dev.roles)} ds:{'/'.join(dev.disk_states)}"


def _device(r: Result, minor: str) -> DrbdDevice | None:
    return read_status(r.out).device(int(minor))


def _local(states: tuple[str, ...]) -> str:
    return states[0] if states else "Unknown"


def _peer(states: tuple[str, ...]) -> str:
    return states[1] if len(states) > 1 else "DUnknown"


def attached(dev: DrbdDevice | None) -> bool:
    return dev is not None and bool(dev.disk_states) and dev.disk_states[0] not in NO_DISK


@condition("drbd-md-exists")
def md_exists(r: Result, minor: str) -> Verdict:
    """Probe: ``wizard.drbd.steps.md_probe``. Done when the minor runs on its disk (then metadata exists
    by definition), or when the superblock magic is on disk *and* ha-wizard's marker says it wrote it;
    metadata of an earlier setup without the marker is left to create-md, which asks before overwriting."""
    parts = sections(r.out)
    dev = read_status(parts.get("state", "")).device(int(minor))
    if attached(dev):
        assert dev is not None
        return Verdict(True, state=f"attached ({describe(dev)})")
    magic = "".join(parts.get("magic", "").split()).lower()
    if magic in MD_MAGICS:
        if parts.get("marker", "").strip():
            return Verdict(True, state="DRBD metadata present (created by ha-wizard)")
        return Verdict(False, state="DRBD metadata from an earlier setup (not created by ha-wizard)")
    return Verdict(False, state="no DRBD metadata")


@condition("drbd-up")
def drbd_up(r: Result, minor: str) -> Verdict:
    dev = _device(r, minor)
    if dev is None:
        return Verdict(False, state=f"minor {minor} not configured")
    ok = attached(dev) and dev.cs not in NOT_UP
    return Verdict(ok, state=describe(dev))


def _standalone(dev: DrbdDevice) -> str:
    return (f"DRBD stopped trying to connect ({describe(dev)}): a refused handshake (shared secret, "
            "split-brain, unrelated data) never resolves by waiting")


def _connected_device(r: Result, minor: str) -> DrbdDevice | Verdict:
    """The device when it is connected; otherwise the verdict to return (waiting, or fatal if StandAlone)."""
    dev = _device(r, minor)
    if dev is None:
        return Verdict(False, state=f"minor {minor} not configured")
    if dev.cs == "StandAlone":
        return Verdict(False, state=describe(dev), fatal=_standalone(dev))
    if dev.cs not in CONNECTED:
        return Verdict(False, state=describe(dev))
    return dev


@condition("drbd-connected")
def drbd_connected(r: Result, minor: str, *context: str) -> Verdict:
    """``context`` (resource, peer name, addresses, port) is for ``wizard.drbd.diagnose``, not used here."""
    dev = _connected_device(r, minor)
    if isinstance(dev, Verdict):
        return dev
    return Verdict(True, state=describe(dev))


@condition("drbd-promotable")
def drbd_promotable(r: Result, minor: str, peer: str = "the peer") -> Verdict:
    """Before the forced promote: connected, and the peer does not hold better data than this node."""
    dev = _connected_device(r, minor)
    if isinstance(dev, Verdict):
        return dev
    local, remote = _local(dev.disk_states), _peer(dev.disk_states)
    peer_role = dev.roles[1] if len(dev.roles) > 1 else "Unknown"
    if local == "UpToDate":
        return Verdict(True, state=describe(dev))
    if remote == "UpToDate" or peer_role == "Primary":
        return Verdict(False, state=describe(dev), fatal=(
            f"{peer} already holds the good data ({describe(dev)}): forcing this node Primary would "
            f"overwrite it. If {peer}'s data is the one to keep, make {peer} the master in the answers"))
    return Verdict(local in NOT_GOOD and remote in NOT_GOOD, state=describe(dev))


@condition("drbd-good-data-here")
def drbd_good_data_here(r: Result, minor: str) -> Verdict:
    """This node's disk is UpToDate: the forced promote (or the skipped sync) has happened."""
    dev = _device(r, minor)
    if dev is None:
        return Verdict(False, state=f"minor {minor} not configured")
    return Verdict(_local(dev.disk_states) == "UpToDate", state=describe(dev))


@condition("drbd-role")
def drbd_role(r: Result, minor: str, role: str) -> Verdict:
    dev = _device(r, minor)
    if dev is None:
        return Verdict(False, state=f"minor {minor} not configured")
    return Verdict(bool(dev.roles) and dev.roles[0] == role, state=describe(dev))


@condition("drbd-skip-ready")
def drbd_skip_ready(r: Result, minor: str) -> Verdict:
    """``new-current-uuid --clear-bitmap`` is for a fresh pair: connected, both Secondary, Inconsistent."""
    dev = _connected_device(r, minor)
    if isinstance(dev, Verdict):
        return dev
    fresh = dev.disk_states == ("Inconsistent", "Inconsistent") and dev.roles == ("Secondary", "Secondary")
    if not fresh:
        return Verdict(False, state=describe(dev), fatal=(
            f"skipping the initial sync needs a fresh pair (Secondary/Secondary, Inconsistent/Inconsistent); "
            f"found {describe(dev)}"))
    return Verdict(True, state=describe(dev))


@dataclass
class _Seen:
    progress: Progress
    moved_at: float  # when the out-of-sync figure last shrank


_history: dict[int, _Seen] = {}


def _moved(before: Progress, after: Progress) -> bool:
    if before.oos_bytes is not None and after.oos_bytes is not None:
        return after.oos_bytes < before.oos_bytes
    return (after.percent or 0.0) > (before.percent or 0.0)


def reset_history() -> None:
    _history.clear()


@condition("drbd-synced")
def drbd_synced(r: Result, minor: str, stall_s: str = "300") -> Verdict:
    """Both disks UpToDate and connected. Reports percent, speed and ETA; fatal when the resync cannot
    finish by waiting (StandAlone, local disk lost) or has not moved for ``stall_s`` seconds."""
    dev = _device(r, minor)
    if dev is None:
        return Verdict(False, state=f"minor {minor} not configured")
    now = time.monotonic()
    seen = _history.get(dev.minor)
    p = progress_from(dev, seen.progress if seen else None, now)
    moved_at = now if seen is None or _moved(seen.progress, p) else seen.moved_at
    _history[dev.minor] = _Seen(p, moved_at)
    state = describe(dev)
    if p.done and dev.cs in CONNECTED:
        return Verdict(True, state=state, percent=100.0, speed_bytes_s=p.speed_bytes_s, eta_s=0.0)
    fatal = ""
    if dev.cs == "StandAlone":
        fatal = _standalone(dev)
    elif _local(dev.disk_states) in ("Diskless", "Failed"):
        fatal = f"this node lost its backing disk during the sync ({state}): check dmesg for I/O errors"
    elif now - moved_at >= float(stall_s):
        fatal = (f"the sync has not moved for {float(stall_s):.0f} s ({state}); "
                 "`drbdadm resume-sync` if it was paused, or check the link")
    return Verdict(False, state=state, percent=p.percent, speed_bytes_s=p.speed_bytes_s, eta_s=p.eta_seconds,
                   fatal=fatal)


@condition("blkid-type")
def blkid_type(r: Result, fstype: str) -> Verdict:
    """Probe: ``blkid -p -o value -s TYPE DEVICE`` (fails on a Secondary, which cannot be opened)."""
    found = r.out.strip()
    return Verdict(r.rc == 0 and found == fstype, state=f"filesystem {found or 'none'}")
