"""Split-brain: said plainly, with the node whose changes would be discarded, and the documented manual
recovery (DRBD 8.3, 8.4 and 9 syntax) as steps that need the typed name of that node.

Split-brain: both nodes were Primary while apart and each has changes the other lacks; after-sb-2pri
disconnect leaves them StandAlone (or one of them WFConnection) and the kernel log says "Split-Brain
detected". By default the node that was NOT serving (not holding the service address) loses its changes:
clients wrote to the one that held the address.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from wizard.core.actions import Confirm, Run, Step, WaitFor
from wizard.drbd.diagnose import KERNEL_LOG, latest_clue
from wizard.drbd.state import DrbdDevice
from wizard.drbd.status_read import read_status
from wizard.executors.base import Executor

DISCONNECTED = frozenset({"StandAlone", "WFConnection", "Unconnected", "Connecting"})


@dataclass(frozen=True)
class NodeSide:
    node: str
    device: DrbdDevice | None
    split_brain_logged: bool  # the kernel log's newest DRBD clue is "Split-Brain detected"
    serving: bool  # holds the service address


@dataclass(frozen=True)
class SplitBrain:
    victim: str  # whose changes are discarded
    survivor: str
    why: str  # why that node, in words

    def sentence(self, resource: str) -> str:
        return (f"SPLIT-BRAIN on {resource}: both nodes changed the data while they were apart, and DRBD will not "
                f"choose. By default {self.victim}'s changes since the split would be DISCARDED ({self.why}) "
                f"and {self.victim} resynced from {self.survivor}. To do that: `ha-wizard recover-split-brain` "
                f"(it asks you to type {self.victim}); to keep {self.victim}'s data instead: "
                f"`ha-wizard recover-split-brain --discard {self.survivor}`.")


def side(ex: Executor, minor: int, vip: str, status_text: str) -> NodeSide:
    dev = read_status(status_text).device(minor)
    clue, _ = latest_clue(ex.probe(list(KERNEL_LOG)).out)
    addrs = ex.probe(["ip", "-o", "addr", "show"]).out
    serving = bool(re.search(rf"\sinet6?\s+{re.escape(vip)}/", addrs))
    return NodeSide(ex.node, dev, clue == "split-brain", serving)


def assess(a: NodeSide, b: NodeSide, master: str) -> SplitBrain | None:
    """The split-brain and its default victim, or None when the pair shows none."""
    sides = (a, b)
    apart = all(s.device is not None and s.device.cs in DISCONNECTED for s in sides)
    if not apart or not any(s.device and s.device.cs == "StandAlone" for s in sides) \
            or not any(s.split_brain_logged for s in sides):
        return None
    serving = [s for s in sides if s.serving]
    if len(serving) == 1:
        survivor = serving[0].node
        victim = next(s.node for s in sides if s.node != survivor)
        return SplitBrain(victim, survivor, f"it was not serving: {survivor} holds the service address")
    victim = next(s.node for s in sides if s.node != master)
    why = ("both hold the service address" if serving else "neither holds the service address") + \
        f"; {master} is the master in the answers"
    return SplitBrain(victim, master, why)


def discard_argv(family: str, resource: str) -> tuple[str, ...]:
    if family == "8.3":
        return ("drbdadm", "--", "--discard-my-data", "connect", resource)
    return ("drbdadm", "connect", "--discard-my-data", resource)  # 8.4 and 9


@dataclass(frozen=True)
class StackHold:
    """How the victim's cluster stack is kept out of the manual recovery and let back in: ``release`` runs
    first on the victim (its first command asks for the typed consent) and must leave the victim holding
    nothing (no service, no address, no mount, DRBD Secondary); ``rejoin`` runs on the victim once the resync
    is done. Each stack's own in ``wizard.flow.recovery``."""

    release: tuple[Run, ...]
    rejoin: tuple[Run, ...]


def recovery_steps(sb: SplitBrain, *, family: str, resource: str, minor: int, mount_point: str,
                   hold: StackHold) -> list[Step]:
    """DRBD's manual recovery: on the victim, the cluster stack made to let go (it releases what it holds),
    the disk unmounted and demoted, reconnected discarding its changes; on the survivor, reconnected; then
    the resync and the victim's stack let back in (it rejoins as the standby)."""
    v, s = sb.victim, sb.survivor
    consent = Confirm(v, f"discard every change made on {v} since the split-brain; {v} is resynced from {s}")
    return [
        Step(id=f"sb-victim@{v}", kind="split-brain", title=f"discard {v}'s changes", host=v, actions=(
            replace(hold.release[0], confirm=consent), *hold.release[1:],
            Run(("sh", "-c", 'mountpoint -q "$1" && umount "$1"; exit 0', "sh", mount_point)),
            Run(("drbdadm", "secondary", resource)),
            Run(("drbdadm", "disconnect", resource), ok_codes=(0, 10, 11, 20)),
            Run(discard_argv(family, resource)),
        ), why=f"{v} gives up its changes: it reconnects with --discard-my-data and becomes the sync target."),
        Step(id=f"sb-survivor@{s}", kind="split-brain", title=f"{s} reconnects", host=s, actions=(
            Run(("sh", "-c", '[ "$(drbdadm cstate "$1")" = StandAlone ] || exit 0; drbdadm connect "$1"', "sh",
                 resource)),
            WaitFor(("cat", "/proc/drbd") if family != "9" else ("drbdsetup", "status", "--json", resource),
                    "drbd-synced", (str(minor),), timeout=3600, interval=1, progress=True,
                    what=f"{v} resynced from {s}"),
        ), why=f"{s} keeps its data and sends {v} what differs."),
        Step(id=f"sb-rejoin@{v}", kind="split-brain", title=f"{v} rejoins as the standby", host=v,
             actions=hold.rejoin,
             why=f"{v}'s cluster stack takes it back; it holds nothing while {s} serves."),
    ]
