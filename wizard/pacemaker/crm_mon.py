"""What ``crm_mon -1 --output-as=xml`` says about the pair: which nodes are online (or in standby), where DRBD's
promotable clone is Promoted and Unpromoted, where the service group runs, and whether STONITH is on.

Pure: the XML text in, a ``CrmState`` out (table-tested from real crm_mon 2.1.5 output, tests/data/crm_mon/).
Pacemaker's own word is the cluster's view; the steps' conditions and the status view set it beside each
node's real state (DRBD role, mount, address), never instead of it.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

from wizard.pacemaker.cib import GROUP

# crm_mon's command; the probes print its exit code after it (rc=N), the XML says the rest.
CRM_MON = ("crm_mon", "-1", "--output-as=xml")


@dataclass(frozen=True)
class CrmState:
    """The cluster as one node's crm_mon sees it. ``error`` is set when there is no cluster to ask."""

    error: str = ""
    online: tuple[str, ...] = ()
    offline: tuple[str, ...] = ()
    standby: tuple[str, ...] = ()
    promoted: tuple[str, ...] = ()  # nodes where the DRBD clone is Promoted (Primary)
    unpromoted: tuple[str, ...] = ()
    group_on: tuple[str, ...] = ()  # nodes where every member of the service group is started
    group_partly: tuple[str, ...] = ()  # nodes where some member, not all, is started
    failed: tuple[str, ...] = ()  # resources crm_mon marks failed
    stonith_enabled: bool | None = None
    resources: frozenset[str] = field(default_factory=frozenset)  # the ids configured (clone, group, members)

    @property
    def running(self) -> bool:
        return not self.error

    def node_words(self, node: str) -> str:
        """This node, in a few words: online/standby/offline, and what it holds."""
        if self.error:
            return "Pacemaker not running"
        if node in self.offline or node not in self.online:
            return "offline"
        what = "standby" if node in self.standby else "online"
        if node in self.group_on:
            what += ", runs the group"
        elif node in self.group_partly:
            what += ", group partly started"
        if node in self.promoted:
            what += ", DRBD Promoted"
        elif node in self.unpromoted:
            what += ", DRBD Unpromoted"
        return what

    def stonith_words(self) -> str:
        if self.stonith_enabled is None:
            return "STONITH unknown"
        return "STONITH enabled" if self.stonith_enabled else "STONITH DISABLED (stonith-enabled=false)"


def _names(elem: ET.Element) -> list[str]:
    return [n.get("name", "") for n in elem.findall("node")]


def read_crm_mon(text: str, clone: str, group: str = GROUP) -> CrmState:
    """``text``: crm_mon's XML; ``clone``: the DRBD promotable clone's id (``cib.drbd_ids``)."""
    start = text.find("<pacemaker-result")
    if start < 0:
        said = text.strip().splitlines()
        return CrmState(error=said[-1] if said else "crm_mon printed nothing")
    try:
        root = ET.fromstring(text[start:text.rfind("</pacemaker-result>") + len("</pacemaker-result>")])
    except ET.ParseError as e:
        return CrmState(error=f"crm_mon's XML could not be read: {e}")
    status = root.find("status")
    if status is not None and status.get("code", "0") != "0":
        errors = [e.text or "" for e in status.iter("error")]
        return CrmState(error="; ".join(x.strip() for x in errors if x.strip()) or status.get("message", "error"))
    online: list[str] = []
    offline: list[str] = []
    standby: list[str] = []
    for n in root.iterfind("nodes/node"):
        name = n.get("name", "")
        (online if n.get("online") == "true" else offline).append(name)
        if n.get("standby") == "true":
            standby.append(name)
    promoted: list[str] = []
    unpromoted: list[str] = []
    failed: list[str] = []
    ids: set[str] = set()
    group_on: list[str] = []
    partly: list[str] = []
    for c in root.iterfind("resources/clone"):
        if c.get("id") != clone:
            continue
        ids.add(clone)
        for r in c.findall("resource"):
            ids.add(r.get("id", ""))
            role = r.get("role", "")
            (promoted if role == "Promoted" else unpromoted if role == "Unpromoted" else []).extend(_names(r))
    for g in root.iterfind("resources/group"):
        if g.get("id") != group:
            continue
        ids.add(group)
        members = g.findall("resource")
        per_node: dict[str, int] = {}
        for r in members:
            ids.add(r.get("id", ""))
            if r.get("role") == "Started":
                for name in _names(r):
                    per_node[name] = per_node.get(name, 0) + 1
        group_on = [n for n, k in per_node.items() if k == len(members)]
        partly = [n for n, k in per_node.items() if k < len(members)]
    for r in root.iter("resource"):
        if r.get("failed") == "true":
            failed.append(r.get("id", ""))
    opts = root.find("summary/cluster_options")
    stonith = None if opts is None or opts.get("stonith-enabled") is None else opts.get("stonith-enabled") == "true"
    return CrmState("", tuple(online), tuple(offline), tuple(standby), tuple(promoted), tuple(unpromoted),
                    tuple(group_on), tuple(partly), tuple(dict.fromkeys(failed)), stonith, frozenset(ids))
