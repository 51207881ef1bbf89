"""Step 3 (DRBD config) and step 12 (Heartbeat files). PLACEHOLDER: replaced by the configs work."""

from __future__ import annotations

from wizard.actions import NotImplementedYet, Step, WriteFile
from wizard.plan import PlanContext


def drbd_config_step(ctx: PlanContext, node: str) -> Step:
    s = ctx.spec
    d = s.drbd
    body = [f"resource {d.resource} {{", f"  protocol {d.protocol};",
            f'  net {{ cram-hmac-alg {d.cram_hmac_alg}; shared-secret "{ctx.secrets.shared_secret}"; }}']
    for n in s.nodes:
        body += [f"  on {n.name} {{", f"    device {d.device};", f"    disk {n.disk};",
                 f"    address {n.address}:{d.port};", f"    meta-disk {d.meta_disk};", "  }"]
    body.append("}")
    return Step(
        id=f"drbd-config@{node}", kind="drbd-config", title=f"DRBD resource {d.resource}", host=node,
        actions=(WriteFile(f"/etc/drbd.d/{d.resource}.res", "\n".join(body) + "\n", mode=0o600, secret=True),),
        why="Both nodes need the same resource definition; it names each node's partition and address.",
    )


def heartbeat_files_step(ctx: PlanContext, node: str) -> Step:
    return Step(
        id=f"heartbeat-files@{node}", kind="heartbeat-files", title="Heartbeat files", host=node,
        actions=(NotImplementedYet("Heartbeat files"),),
    )
