"""The Pacemaker stack's files: /etc/corosync/corosync.conf (from ``templates/corosync/``), Corosync's authkey,
and on the master the CIB script crmsh loads (``wizard.pacemaker.cib``).

Pure functions of the PlanContext. corosync.conf and the authkey are identical on both nodes (Corosync
requires it); the DRBD files under Pacemaker come from ``wizard.drbd.render`` (its crm-fence-peer handlers).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from wizard.core.actions import WriteFile
from wizard.core.plan import PlanContext
from wizard.core.resources import render
from wizard.pacemaker.cib import crm_script
from wizard.pacemaker.timing import Totem, totem

COROSYNC_CONF = "/etc/corosync/corosync.conf"
AUTHKEY = "/etc/corosync/authkey"
LOGFILE = "/var/log/corosync/corosync.log"
CIB_SCRIPT = "cib.crm"  # in the journal directory on the master
CLUSTER_NAME_MAX = 15  # what DLM and GFS2 accept, should the pair ever grow them


def cluster_name(ctx: PlanContext) -> str:
    """"ha-" and the service's host name (one DNS label), cut to CLUSTER_NAME_MAX characters."""
    name = re.sub(r"[^A-Za-z0-9-]", "-", f"ha-{ctx.spec.service.hostname}")[:CLUSTER_NAME_MAX]
    return name.rstrip("-") or "ha-wizard"


def links(ctx: PlanContext) -> int:
    """Corosync links: the replication network (link 0), and a second one when both nodes give its address."""
    return 2 if all(n.second_address for n in ctx.spec.nodes) else 1


@dataclass(frozen=True)
class CorosyncValues:
    cluster_name: str
    totem: Totem
    links: int
    nodes: tuple[dict[str, object], ...]
    logfile: str = LOGFILE


def corosync_values(ctx: PlanContext) -> CorosyncValues:
    count = links(ctx)
    nodes = tuple({"name": n.name, "nodeid": i,
                   "addrs": [n.address, n.second_address][:count]} for i, n in enumerate(ctx.spec.nodes, start=1))
    return CorosyncValues(cluster_name(ctx), totem(ctx.spec.heartbeat), count, nodes)


def corosync_conf(ctx: PlanContext) -> str:
    return render("corosync/corosync.conf.j2", c=corosync_values(ctx))


def cib_script_path(ctx: PlanContext) -> str:
    return f"{ctx.spec.wizard.journal_dir.rstrip('/')}/{CIB_SCRIPT}"


def pacemaker_files(ctx: PlanContext, node: str) -> list[WriteFile]:
    ctx.require_node(node)
    files = [
        WriteFile(COROSYNC_CONF, corosync_conf(ctx), mode=0o644),
        # corosync-keygen writes its key 0400: only root reads it, nobody writes it by accident.
        WriteFile(AUTHKEY, ctx.secrets.corosync_key, mode=0o400, secret=True),
    ]
    if node == ctx.spec.master:  # loaded once, on one node: the CIB is the cluster's, not a node's
        files.append(WriteFile(cib_script_path(ctx), crm_script(ctx), mode=0o600))
    return files
