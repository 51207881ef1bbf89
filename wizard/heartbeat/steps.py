"""Heartbeat on both nodes: its three files (step 12 of the tutorial), then starting it.

Both steps end by reading back every file's sha256: the same digest on both nodes proves the copies
byte-identical, as Heartbeat requires.
"""

from __future__ import annotations

from wizard.core.actions import NotImplementedYet, Step
from wizard.core.conditions import checksum_checks, verify_written
from wizard.core.plan import PlanContext
from wizard.heartbeat import render


def heartbeat_files_step(ctx: PlanContext, node: str) -> Step:
    files = render.heartbeat_files(ctx, node)
    return Step(
        id=f"heartbeat-files@{node}", kind="heartbeat-files",
        title="Heartbeat files: ha.cf, haresources, authkeys", host=node,
        actions=(*files, verify_written(files)), checks=checksum_checks(files),
        why="Heartbeat needs the same three files on both nodes: who the nodes are and how they hear each "
            "other (ha.cf), what moves on failover (haresources), and the shared key (authkeys, mode 600).",
    )


def heartbeat_start_step(ctx: PlanContext, node: str) -> Step:
    return Step(
        id=f"heartbeat-start@{node}", kind="heartbeat-start", title="start Heartbeat", host=node,
        actions=(NotImplementedYet("starting Heartbeat — coming with the Heartbeat work"),),
        why="Heartbeat watches the peer and takes the resources over when it dies.",
    )
