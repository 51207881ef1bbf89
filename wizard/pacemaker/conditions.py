"""Pacemaker's conditions for waits and checks: both nodes online, the CIB loaded, and who holds the
resources, from crm_mon's XML (the cluster's word) AND the node's real state (DRBD role, the mount, the
address in ``ip -o addr``), never from one alone.

The probes print each source under an ``@@ha-wizard:<name>`` header in one round trip, as Heartbeat's do
(``wizard.heartbeat.conditions``, whose DRBD, mount and address parts are reused); the conditions are pure
functions of that text, table-tested from real crm_mon output (tests/data/crm_mon/).
"""

from __future__ import annotations

import shlex

from wizard.core.conditions import Condition, Verdict, collector
from wizard.drbd.conditions import sections
from wizard.executors.result import Result
from wizard.heartbeat.conditions import PROBE_DRBD, PROBE_HEAD, PROBE_PLACES, view
from wizard.pacemaker.crm_mon import CRM_MON, CrmState, read_crm_mon

CONDITIONS: dict[str, Condition] = {}
condition = collector(CONDITIONS)

CRM_PART = f"echo @@ha-wizard:crm; {shlex.join(CRM_MON)} 2>&1; echo rc=$?"
# crm_mon alone (the cluster's view; the same on whichever node asks)
CRM_PROBE = ("sh", "-c", "PATH=$PATH:/usr/sbin:/sbin; " + CRM_PART)
# $1 family, $2 resource; the node's own name first: crm_mon speaks of nodes by name, the same probe serves both
NODE_PROBE = "echo @@ha-wizard:node; uname -n; " + PROBE_HEAD + PROBE_DRBD + PROBE_PLACES + CRM_PART


def crm_probe() -> tuple[str, ...]:
    return CRM_PROBE


def node_probe(family: str, resource: str) -> tuple[str, ...]:
    """This node's DRBD, mounts and addresses, and crm_mon, in one round trip."""
    return ("sh", "-c", NODE_PROBE, "sh", family, resource)


def crm_state(r: Result, clone: str) -> CrmState:
    """crm_mon's view from a probe's output (its own ``crm`` section, or the whole output)."""
    parts = sections(r.out)
    return read_crm_mon(parts.get("crm", r.out), clone)


@condition("pcmk-online")
def pcmk_online(r: Result, clone: str, *nodes: str) -> Verdict:
    """Corosync and Pacemaker run, and crm_mon shows every one of ``nodes`` online."""
    c = crm_state(r, clone)
    if c.error:
        return Verdict(False, state=f"no cluster yet: {c.error}"[:160])
    missing = [n for n in nodes if n not in c.online]
    state = f"online: {', '.join(c.online) or 'none'}" + (f"; not yet: {', '.join(missing)}" if missing else "")
    foreign = [n for n in c.online + c.offline if n not in nodes]
    fatal = (f"this cluster has other nodes ({', '.join(foreign)}): another corosync.conf is in use; see "
             "/etc/corosync/corosync.conf on both nodes") if foreign else ""
    return Verdict(not missing, state=state, fatal=fatal)


@condition("pcmk-cib-loaded")
def pcmk_cib_loaded(r: Result, clone: str, *ids: str) -> Verdict:
    """The CIB holds the DRBD clone and the group (crm_mon lists them, running or not)."""
    c = crm_state(r, clone)
    if c.error:
        return Verdict(False, state=f"no cluster: {c.error}"[:160])
    missing = [i for i in (clone, *ids) if i not in c.resources]
    return Verdict(not missing, state=("not in the CIB: " + ", ".join(missing)) if missing else "CIB loaded")


def node_name(r: Result) -> str:
    """The name the node gave itself (``uname -n``, the name Corosync and crm_mon use)."""
    return sections(r.out).get("node", "").strip()


@condition("pcmk-active")
def pcmk_active(r: Result, clone: str, minor: str, device: str, mount_point: str, vip: str) -> Verdict:
    """This node serves: crm_mon shows DRBD Promoted and the whole group started here, and the node itself
    is Primary, has the device mounted and holds the address."""
    node = node_name(r)
    c = crm_state(r, clone)
    v = view(r.out, minor, mount_point, vip)
    ok = (not c.error and node in c.promoted and node in c.group_on
          and v.role == "Primary" and v.mounted == device and v.has_vip)
    mount = f"{v.mounted} on {mount_point}" if v.mounted else f"{mount_point} not mounted"
    state = (f"Pacemaker: {c.node_words(node)}; DRBD {v.drbd}; {mount}; "
             f"{vip} {'present' if v.has_vip else 'absent'}")
    fatal = f"Pacemaker gave up on {', '.join(c.failed)}: `crm_mon -1` and `crm resource refresh` " \
            "(after fixing the cause, named in the journal: journalctl -u pacemaker)" if c.failed and not ok else ""
    return Verdict(ok, state=state, fatal=fatal)


@condition("pcmk-standby")
def pcmk_standby(r: Result, clone: str, minor: str, mount_point: str, vip: str) -> Verdict:
    """This node stands by: crm_mon shows it online with DRBD Unpromoted and the group elsewhere, and the node
    itself is Secondary with nothing mounted and no service address. A standby that mounted the disk while
    Primary is fatal: both nodes would write it."""
    node = node_name(r)
    c = crm_state(r, clone)
    v = view(r.out, minor, mount_point, vip)
    ok = (not c.error and node in c.online and node in c.unpromoted and node not in c.group_on
          and v.role == "Secondary" and not v.mounted and not v.has_vip)
    mount = f"{v.mounted} on {mount_point}" if v.mounted else f"{mount_point} not mounted"
    fatal = ""
    if v.mounted and v.role == "Primary" and node not in c.promoted:
        fatal = ("this node holds the disk while Pacemaker does not run it here: stop Pacemaker on this node "
                 "(systemctl stop pacemaker) and see `journalctl -u pacemaker`")
    return Verdict(ok, state=f"Pacemaker: {c.node_words(node)}; DRBD {v.drbd}; {mount}; "
                             f"{vip} {'present' if v.has_vip else 'absent'}", fatal=fatal)
