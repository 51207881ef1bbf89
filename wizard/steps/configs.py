"""Step 3 (the DRBD configuration) and step 12 (the Heartbeat files), on each node.

The files come from ``wizard.render``; ``wizard.confcheck`` checks them before the plan runs. The DRBD
step also has the node's own drbdadm parse the planned resource before it writes anything there, and
both steps end by reading back every file's sha256: the same digest on both nodes proves the copies
byte-identical, as DRBD and Heartbeat require.
"""

from __future__ import annotations

from wizard import render
from wizard.actions import Action, Check, Run, Step, WaitFor, WriteFile
from wizard.confcheck import remote_check_argv
from wizard.file_conditions import sha256_hex
from wizard.plan import PlanContext


def checksum_checks(files: list[WriteFile]) -> tuple[Check, ...]:
    return tuple(Check(("sha256sum", f.path), "sha256", (sha256_hex(f.content),)) for f in files)


def verify_written(files: list[WriteFile]) -> WaitFor:
    """Read back what was written: sha256 of every file, against the rendered content."""
    return WaitFor(("sha256sum", *(f.path for f in files)), "sha256", tuple(sha256_hex(f.content) for f in files),
                   timeout=10, interval=1, what="the written files, checked by sha256 (the same on both nodes)")


def node_parse_check(ctx: PlanContext) -> Run:
    """This node's drbdadm parses the planned resource before anything is written.

    The text goes on stdin (never argv: it holds the shared secret), alone: drbdadm 8.4 cannot follow an
    include from stdin, and the resource needs nothing from global_common.conf. So STDIN:N in drbdadm's
    message is line N of the planned file.
    """
    family = ctx.drbd_family
    target = render.resource_path(ctx)
    return Run(
        remote_check_argv(family, "-"), input=render.drbd_text(ctx), timeout=60,
        explain=(
            (10, f"this node's drbdadm rejects the planned DRBD {family} configuration; nothing was written. "
                 f"STDIN:N above is line N of {target} (see it with `ha-wizard render`)."),
            (1, "drbdadm found no resource for this node: its `uname -n` must be one of the node names in the "
                "answers file."),
            (127, "drbdadm is missing on this node: install drbd-utils (`apt-get install drbd-utils`), then run "
                  "`ha-wizard resume`."),
        ),
    )


def drbd_config_step(ctx: PlanContext, node: str) -> Step:
    d = ctx.spec.drbd
    files = render.drbd_files(ctx, node)
    actions: list[Action] = [node_parse_check(ctx), *files, verify_written(files)]
    return Step(
        id=f"drbd-config@{node}", kind="drbd-config",
        title=f"DRBD {ctx.drbd_family} configuration of resource {d.resource}", host=node,
        actions=tuple(actions), checks=checksum_checks(files),
        why="Both nodes need the same resource definition: each node's partition and address, the shared "
            "secret, and what to do on split brain. The node's own drbdadm checks it before it is written.",
    )


def heartbeat_files_step(ctx: PlanContext, node: str) -> Step:
    files = render.heartbeat_files(ctx, node)
    return Step(
        id=f"heartbeat-files@{node}", kind="heartbeat-files",
        title="Heartbeat files: ha.cf, haresources, authkeys", host=node,
        actions=(*files, verify_written(files)), checks=checksum_checks(files),
        why="Heartbeat needs the same three files on both nodes: who the nodes are and how they hear each "
            "other (ha.cf), what moves on failover (haresources), and the shared key (authkeys, mode 600).",
    )
