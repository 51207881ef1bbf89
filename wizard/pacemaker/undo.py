"""``undo-services`` on a Pacemaker pair: the services put back on the local disks leave the cluster FIRST.

On Heartbeat the undone services only leave haresources after the move back (Heartbeat reads it at the next
takeover and watches nothing meanwhile). Pacemaker monitors every member of the group: while a service is
moved back it would see it stopped and start it again, and on a takeover it would start it on the other node
from that node's own, older folders. So, on the master, before the undo steps: each undone service's
primitive is stopped (``crm resource stop``: target-role Stopped), the cluster is waited for until it
settled, and the primitive is deleted from the CIB (``crm configure delete``; the group keeps the others).
Done when no such primitive is left in the CIB, so a resume skips it.
"""

from __future__ import annotations

import shlex
from collections.abc import Sequence

from wizard.core.actions import Check, Run, Step
from wizard.core.plan import PlanContext
from wizard.pacemaker.cib import GROUP, service_id
from wizard.pacemaker.steps import CRM_S

# $@: the primitives' ids. Stop those still in the CIB, wait for the cluster to settle, delete them.
REMOVE = r"""
PATH=$PATH:/usr/sbin:/sbin
left=
for id in "$@"; do cibadmin --query --xpath "//primitive[@id='$id']" >/dev/null 2>&1 && left="$left $id"; done
[ -z "$left" ] && exit 0
for id in $left; do crm resource stop "$id" || exit 3; done
crm_resource --wait --timeout=TIMEOUTs || exit 4
for id in $left; do crm configure delete "$id" || exit 5; done
""".replace("TIMEOUT", str(int(CRM_S)))
ABSENT = r"""
PATH=$PATH:/usr/sbin:/sbin
for id in "$@"; do cibadmin --query --xpath "//primitive[@id='$id']" >/dev/null 2>&1 && exit 1; done
exit 0
"""


def primitive_ids(names: Sequence[str]) -> tuple[str, ...]:
    """The CIB ids of the services' primitives."""
    return tuple(service_id(n) for n in names)


def services_out_of_cib(ctx: PlanContext, undone: Sequence[str]) -> list[Step]:
    if not undone:
        return []
    ids = primitive_ids(undone)
    return [Step(
        id="cib-without-services", kind="pacemaker-cib", title=f"Pacemaker stops and forgets {', '.join(undone)}",
        host=ctx.spec.master,
        actions=(Run(("sh", "-c", REMOVE, "sh", *ids), timeout=CRM_S * 3, explain=(
            (3, f"`crm resource stop` failed: see its message above; `crm_mon -1` shows the group {GROUP}"),
            (4, f"the cluster did not settle within {int(CRM_S)} s after the stop: `crm_mon -1` shows what it "
                "waits for; run `ha-wizard undo-services` again once it settled"),
            (5, "`crm configure delete` failed: see its message above, then run `ha-wizard undo-services` "
                "again"))),),
        checks=(Check(("sh", "-c", ABSENT, "sh", *ids), "exit-zero"),),
        why=f"Pacemaker watches every member of {GROUP}: it would start a service again while it is moved back, "
            "and start it on the other node at a takeover, from that node's older folders. "
            f"Removed: {' '.join(shlex.quote(i) for i in ids)}.",
    )]
