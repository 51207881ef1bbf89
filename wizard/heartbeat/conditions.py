"""Heartbeat's conditions for waits and checks: running, and who holds the resources, from the nodes' real
state (DRBD role, the mount, the address in ``ip -o addr``, ``cl_status``), never from the logs alone.

The probe (``cluster_probe``) prints each source under an ``@@ha-wizard:<name>`` header in one round trip;
the conditions are pure functions of that text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from wizard.core.conditions import Condition, Verdict, collector
from wizard.drbd.conditions import sections
from wizard.drbd.status_read import read_status
from wizard.executors.result import Result

CONDITIONS: dict[str, Condition] = {}
condition = collector(CONDITIONS)

# cl_status lives in /usr/bin on Debian; older packages put it in /usr/sbin. The probe is built from parts so
# the pair's live view (``wizard.heartbeat.pair_state``) reads the same sections with its own DRBD part.
PROBE_HEAD = "PATH=$PATH:/usr/sbin:/sbin; echo @@ha-wizard:drbd; "
# The mount and the address: what holds the service on a node, whatever the stack (Pacemaker's probe too).
PROBE_PLACES = "printf '\\n@@ha-wizard:mounts\\n'; cat /proc/mounts; echo @@ha-wizard:addr; ip -o addr show; "
PROBE_REST = (PROBE_PLACES + "echo @@ha-wizard:hb; cl_status hbstatus 2>&1; echo rc=$?; "
              "echo @@ha-wizard:rsc; cl_status rscstatus 2>&1; echo rc=$?")
# $1: the DRBD family, $2: the resource
PROBE_DRBD = "if [ \"$1\" = 9 ]; then drbdsetup status --json \"$2\"; else cat /proc/drbd; fi 2>/dev/null; "
PROBE = PROBE_HEAD + PROBE_DRBD + PROBE_REST
HOLDING = frozenset({"all", "local", "foreign"})


def cluster_probe(family: str, resource: str) -> tuple[str, ...]:
    return ("sh", "-c", PROBE, "sh", family, resource)


@dataclass(frozen=True)
class NodeView:
    """One node's part in the cluster, as its probe shows it."""

    role: str  # DRBD role of the minor ("Primary", "Secondary", "Unconfigured")
    drbd: str  # the DRBD state line, in words
    mounted: str  # what is mounted on the mount point ("" = nothing)
    has_vip: bool
    running: bool  # Heartbeat runs (cl_status hbstatus)
    holds: str  # cl_status rscstatus: all | local | foreign | none | transition | ?

    def words(self, mount_point: str, vip: str) -> str:
        hb = f"Heartbeat running, holds {self.holds}" if self.running else "Heartbeat not running"
        mount = f"{self.mounted} on {mount_point}" if self.mounted else f"{mount_point} not mounted"
        return f"DRBD {self.drbd}; {mount}; {vip} {'present' if self.has_vip else 'absent'}; {hb}"


def _rc_text(text: str) -> tuple[int, str]:
    m = re.search(r"^rc=(\d+)\s*$", text, re.M)
    body = text[:m.start()].strip() if m else text.strip()
    return (int(m.group(1)) if m else 1), body


def view(text: str, minor: str, mount_point: str, vip: str) -> NodeView:
    parts = sections(text)
    dev = read_status(parts.get("drbd", "")).device(int(minor))
    role = dev.roles[0] if dev and dev.roles else "Unconfigured"
    drbd = (f"{role} (cs:{dev.cs} ro:{'/'.join(dev.roles)} ds:{'/'.join(dev.disk_states)})" if dev
            else f"minor {minor} not configured")
    mounted = ""
    for line in parts.get("mounts", "").splitlines():
        f = line.split()
        if len(f) >= 2 and f[1] == mount_point:
            mounted = f[0]
    has_vip = bool(re.search(rf"\sinet6?\s+{re.escape(vip)}/", parts.get("addr", "")))
    hb_rc, _ = _rc_text(parts.get("hb", ""))
    rsc_rc, rsc = _rc_text(parts.get("rsc", ""))
    holds = rsc.split()[-1] if rsc_rc == 0 and rsc.split() else "?"
    return NodeView(role, drbd, mounted, has_vip, hb_rc == 0, holds)


@condition("ha-running")
def ha_running(r: Result, *_: str) -> Verdict:
    rc, body = _rc_text(sections(r.out).get("hb", ""))
    return Verdict(r.rc == 0 and rc == 0, state=body.splitlines()[0] if body else f"cl_status exit {rc}")


@condition("ha-active")
def ha_active(r: Result, minor: str, device: str, mount_point: str, vip: str) -> Verdict:
    """This node serves: DRBD Primary, the device mounted, the address on an interface, Heartbeat says it
    holds the resources."""
    v = view(r.out, minor, mount_point, vip)
    ok = (v.role == "Primary" and v.mounted == device and v.has_vip and v.running and v.holds in HOLDING)
    return Verdict(ok, state=v.words(mount_point, vip))


@condition("ha-standby")
def ha_standby(r: Result, minor: str, mount_point: str, vip: str) -> Verdict:
    """This node stands by: DRBD Secondary, nothing mounted, no service address, Heartbeat running and
    holding nothing. A standby that mounted the disk is fatal: both nodes would write it."""
    v = view(r.out, minor, mount_point, vip)
    ok = v.role == "Secondary" and not v.mounted and not v.has_vip and v.running and v.holds == "none"
    fatal = ""
    if v.mounted and v.role == "Primary":
        fatal = "this node took the disk while it should stand by: stop Heartbeat here and see /var/log/ha-log"
    return Verdict(ok, state=v.words(mount_point, vip), fatal=fatal)
