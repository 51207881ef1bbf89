"""Pacemaker (the pair's stack when the nodes have corosync.conf and no ha.cf): it runs on both nodes, its own
`crm_verify -L` finds no error, the CIB keeps the group with the Promoted DRBD instance and after its promote,
the fencing state said as it is (stonith-enabled=false named), and DRBD not started at boot by its own unit."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from wizard.doctor.checks.services import ENABLED
from wizard.doctor.finding import Family, Finding, ok
from wizard.doctor.pair import Pair, said, units_not
from wizard.doctor.probe import NodeSnapshot
from wizard.pacemaker.cib import GROUP, safe_id
from wizard.pacemaker.crm_mon import CrmState, read_crm_mon

FAMILY = "Pacemaker"
PROMOTED = ("Promoted", "Master")  # crm-fence-peer.sh and older CIBs still write Master

_f = Family(FAMILY, "pacemaker")


def _clone(pair: Pair) -> str:
    return f"cl_drbd_{safe_id(pair.resource_name)}" if pair.resource_name else ""


def _crm(pair: Pair, n: NodeSnapshot) -> CrmState | None:
    s = n.section("crm-mon")
    return read_crm_mon(s.out, _clone(pair)) if s is not None else None


def running(pair: Pair) -> list[Finding]:
    out = []
    for n in pair.nodes:
        c = _crm(pair, n)
        if c is None or not c.running:
            why = c.error if c is not None else "pacemakerd is not running"
            out.append(_f("fail", "running", f"Pacemaker is not running on {n.name} ({why})",
                          [said(n, "crm_mon -1", why)], "without it on both nodes nothing takes over when the "
                          "other dies", f"on {n.name}: systemctl start corosync pacemaker (then `crm_mon -1`)", n.name))
    if not out and pair.nodes:
        out.append(ok(FAMILY, "pacemaker.running", "Pacemaker is running on "
                      + " and ".join(n.name for n in pair.nodes)))
    return out


def verify(pair: Pair) -> list[Finding]:
    """crm_verify -L on each node that runs Pacemaker (the CIB is the cluster's: one finding for both)."""
    seen = [(n, s) for n in pair.nodes if (s := n.section("crm-verify")) is not None]
    if not seen:
        return []
    n, s = seen[0]
    if s.ok:
        return [ok(FAMILY, "pacemaker.verify", "crm_verify -L finds no error in the CIB",
                   said(n, "crm_verify -L", "ok"))]
    lines = [ln.split("\t")[-1].strip() for ln in s.out.splitlines() if "error:" in ln]
    return [_f("fail", "verify", f"crm_verify -L finds {len(lines) or 'some'} error(s) in the CIB",
               [said(n, "crm_verify -L -V", ln) for ln in lines[:5]] or [said(n, "crm_verify -L", f"exit {s.rc}")],
               "Pacemaker starts nothing it cannot make sense of", "fix the answers and run `ha-wizard apply` again, "
               "or correct the CIB with `crm configure edit`")]


def _constraints(pair: Pair) -> tuple[NodeSnapshot, ET.Element] | None:
    for n in pair.nodes:
        s = n.section("cib-constraints")
        if s is not None and s.ok:
            try:
                return n, ET.fromstring(s.out[s.out.find("<"):])
            except ET.ParseError:
                continue
    return None


def constraints(pair: Pair) -> list[Finding]:
    found = _constraints(pair)
    clone = _clone(pair)
    if found is None or not clone:
        return []
    n, root = found
    colo = [c for c in root.iter("rsc_colocation") if c.get("rsc") == GROUP and c.get("with-rsc") == clone
            and c.get("with-rsc-role") in PROMOTED and c.get("score") in ("INFINITY", "+INFINITY", "inf")]
    order = [o for o in root.iter("rsc_order") if o.get("first") == clone and o.get("first-action") == "promote"
             and o.get("then") == GROUP and o.get("then-action", "start") == "start"]
    out = []
    if not colo:
        out.append(_f("fail", "colocation", f"no constraint keeps {GROUP} with the Promoted {clone}",
                      [said(n, "cibadmin -Q -o constraints", "no rsc_colocation of it")],
                      "the mount, the address and the services could start where DRBD is not Primary",
                      f"crm configure colocation col_service_with_drbd inf: {GROUP} {clone}:Promoted"))
    if not order:
        out.append(_f("fail", "order", f"no constraint starts {GROUP} after {clone}'s promote",
                      [said(n, "cibadmin -Q -o constraints", "no rsc_order of it")],
                      "the mount could be tried before the disk is Primary",
                      f"crm configure order ord_drbd_before_service Mandatory: {clone}:promote {GROUP}:start"))
    if not out:
        out.append(ok(FAMILY, "pacemaker.constraints", f"{GROUP} runs with the Promoted {clone}, after its promote",
                      said(n, "cibadmin -Q -o constraints", f"{colo[0].get('id')}, {order[0].get('id')}")))
    return out


def fencing(pair: Pair) -> list[Finding]:
    states = [(n, c) for n in pair.nodes if (c := _crm(pair, n)) is not None and c.running]
    if not states:
        return []
    n, c = states[0]
    if c.stonith_enabled is False:
        return [_f("warn", "stonith", "STONITH is disabled (stonith-enabled=false)",
                   [said(n, "crm_mon -1", "stonith-enabled=false")],
                   "two nodes that lose each other but both live may both run the services and write the disk "
                   "(split brain); only fencing prevents it", "configure [stonith] in the answers (fence_ipmilan or "
                   "fence_virsh) and run `ha-wizard apply`, unless something else guarantees one writer "
                   "(docs/pacemaker.md, Fencing)")]
    return [ok(FAMILY, "pacemaker.stonith", "STONITH is enabled", said(n, "crm_mon -1", "stonith-enabled=true"))]


def drbd_boot(pair: Pair) -> list[Finding]:
    out = [_f("fail", "drbd-boot", f"DRBD starts at boot by its own unit on {n.name}",
              [said(n, "systemctl is-enabled drbd", "enabled")], "under Pacemaker drbd-utils' agent starts DRBD and "
              "decides where it is Primary; DRBD's own unit starting it first can leave it where Pacemaker does not "
              "expect it", f"on {n.name}: systemctl disable drbd", n.name)
           for n in pair.nodes if n.unit("enabled", "drbd") in ENABLED]
    out += [_f("warn", "boot", f"{unit.capitalize()} does not start at boot on {n.name} ({state})",
               [said(n, f"systemctl is-enabled {unit}", state)], "after a reboot the node stays out of the pair "
               "until someone starts it by hand", f"on {n.name}: systemctl enable {unit}", n.name)
            for unit in ("corosync", "pacemaker") for n, state in units_not(pair, "enabled", unit, ENABLED)]
    if not out and pair.nodes:
        out.append(ok(FAMILY, "pacemaker.boot", "DRBD is left to Pacemaker at boot; Corosync and Pacemaker start "
                      "on " + " and ".join(n.name for n in pair.nodes)))
    return out


CHECKS = (running, verify, constraints, fencing, drbd_boot)
