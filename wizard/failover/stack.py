"""What the drill needs to know about the cluster stack, as data (the stack's own part fills it in)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Stack:
    name: str  # "Heartbeat"
    log: str  # the stack's log file on each node, tailed by the watcher
    detect: str  # regex: a log line showing the taking-over node reacted (peer dead, peer standing by)
    standby_argv: tuple[str, ...]  # run on the serving node: hand everything to the other node
    probe: tuple[str, ...]  # read-only state probe of a node
    active: tuple[str, tuple[str, ...]]  # (condition, args) that proves a node serves
    standby: tuple[str, tuple[str, ...]]  # (condition, args) that proves a node stands by


@dataclass(frozen=True)
class Target:
    """What the watcher looks for on the node taking over."""

    minor: int
    device: str
    mount_point: str
    vip: str
    family: str  # DRBD syntax family: "9" reads drbdsetup, else /proc/drbd
    resource: str
