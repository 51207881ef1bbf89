"""Steps 4-10: create-md, start, connect, promote, sync, mkfs, mount. PLACEHOLDER: refined by the DRBD
bring-up work."""

from __future__ import annotations

from wizard.actions import Check, Confirm, Prompt, Run, Step, WaitFor
from wizard.plan import PlanContext


def create_md_step(ctx: PlanContext, node: str) -> Step:
    d = ctx.spec.drbd
    disk = ctx.spec.node(node).disk
    c = Confirm(f"{node}:{disk}", f"create DRBD metadata on {disk} of {node}, which holds data")
    return Step(
        id=f"create-md@{node}", kind="create-md", title=f"DRBD metadata on {disk}", host=node,
        actions=(Run(("drbdadm", "create-md", d.resource), prompts=(
            Prompt("[need to type 'yes' to confirm]", "yes", confirm=c),)),),
    )


def up_step(ctx: PlanContext, node: str) -> Step:
    d = ctx.spec.drbd
    return Step(id=f"drbd-up@{node}", kind="drbd-up", title=f"start DRBD resource {d.resource}", host=node,
                actions=(Run(("drbdadm", "up", d.resource)),))


def wait_connected_step(ctx: PlanContext) -> Step:
    d = ctx.spec.drbd
    return Step(id="wait-connected", kind="wait-connected", title="wait for the nodes to connect",
                host=ctx.spec.master,
                actions=(WaitFor(("cat", "/proc/drbd"), "drbd-connected", (str(d.minor),), timeout=120),))


def promote_step(ctx: PlanContext) -> Step:
    d = ctx.spec.drbd
    m = ctx.spec.master
    argv = (("drbdadm", "--", "--overwrite-data-of-peer", "primary", d.resource) if ctx.drbd_family == "8.3"
            else ("drbdadm", "primary", "--force", d.resource))
    c = Confirm(m, f"make {m} Primary: its data overwrites {ctx.spec.peer_node.name}'s partition")
    return Step(id=f"promote@{m}", kind="promote", title=f"make {m} the master (its data wins)", host=m,
                actions=(Run(argv, confirm=c),))


def wait_sync_step(ctx: PlanContext) -> Step:
    d = ctx.spec.drbd
    return Step(id="wait-sync", kind="wait-sync", title="initial sync", host=ctx.spec.master,
                actions=(WaitFor(("cat", "/proc/drbd"), "drbd-synced", (str(d.minor),), timeout=3600,
                                 progress=True),))


def mkfs_step(ctx: PlanContext) -> Step:
    d = ctx.spec.drbd
    fs = ctx.spec.storage.filesystem
    c = Confirm(d.device, f"create a new {fs} filesystem on {d.device}")
    return Step(id="mkfs", kind="mkfs", title=f"{fs} filesystem on {d.device}", host=ctx.spec.master,
                actions=(Run((f"mkfs.{fs}", d.device), confirm=c),))


def mount_step(ctx: PlanContext) -> Step:
    s = ctx.spec
    return Step(id="mount", kind="mount", title=f"mount {s.storage.mount_point}", host=s.master,
                actions=(Run(("mount", s.storage.mount_point)),),
                checks=(Check(("cat", "/proc/mounts"), "mounted", (s.drbd.device, s.storage.mount_point)),))
