"""Choosing the partition DRBD mirrors on each node, and never destroying one by surprise.

From the gathered ``NodeFacts``: the candidates on both nodes with their sizes, the equal-sized peer
partition proposed, the usable size when sizes differ (the smaller one less DRBD's internal meta-data),
refusals (mounted, swap, LVM PV, md member, held by another device) with the reason, and a typed
confirmation naming the device whenever something is written on it. drbdmeta's exit 40 ("Device size
would be truncated": a filesystem that reaches into the meta-data area) is predicted before anything runs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from wizard.core.actions import Confirm
from wizard.core.spec import Spec
from wizard.disks.meta import MIN_DEVICE_BYTES, Prediction, predict_create_md, usable_bytes
from wizard.nodes.blockdevs import FsSignature, Partition, Usage
from wizard.nodes.facts import NodeFacts

REFUSED_STATES = frozenset({"mounted", "swap", "lvm-pv", "md-member", "held"})
Verdict = Literal["ok", "confirm", "refused", "unknown"]


@dataclass(frozen=True)
class Pairing:
    local: Partition
    peer: Partition
    usable_bytes: int  # size of /dev/drbdN: the smaller side less internal meta-data
    equal: bool

    @property
    def wasted_bytes(self) -> int:
        """Bytes of the larger partition that DRBD will not use."""
        return abs(self.local.size_bytes - self.peer.size_bytes)


def pair_partitions(local: list[Partition], peer: list[Partition]) -> list[Pairing]:
    """Propose local/peer pairs: equal sizes first (same device name preferred), then partitions with
    the same device name but different sizes. Extended containers and too-small partitions are skipped."""

    def usable(p: Partition) -> bool:
        return not p.extended and p.size_bytes >= MIN_DEVICE_BYTES

    mine = [p for p in local if usable(p)]
    left = [p for p in peer if usable(p)]
    pairs: dict[str, Pairing] = {}

    def take(lp: Partition, pp: Partition) -> None:
        left.remove(pp)
        size = min(lp.size_bytes, pp.size_bytes)
        pairs[lp.device] = Pairing(lp, pp, usable_bytes(size), lp.size_bytes == pp.size_bytes)

    rules = (lambda a, b: a.size_bytes == b.size_bytes and a.device == b.device,  # the tutorial's case
             lambda a, b: a.size_bytes == b.size_bytes,
             lambda a, b: a.device == b.device)  # different sizes: DRBD uses the smaller
    for rule in rules:
        for lp in mine:
            if lp.device not in pairs and (pp := next((p for p in left if rule(lp, p)), None)):
                take(lp, pp)
    return [pairs[p.device] for p in mine if p.device in pairs]


def human(n: int | None) -> str:
    if n is None:
        return "?"
    size = float(n)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if size < 1024 or unit == "TiB":
            return f"{n} B" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{n} B"


@dataclass(frozen=True)
class Candidate:
    node: str
    device: str
    size_bytes: int
    type: str
    usage: Usage
    fs: FsSignature | None

    @property
    def refused(self) -> bool:
        return self.usage.state in REFUSED_STATES

    @property
    def needs_confirm(self) -> bool:
        return self.usage.state == "has-signature"


def candidates(facts: NodeFacts) -> list[Candidate]:
    """Every partition that could hold DRBD (extended containers left out), in fdisk's order."""
    return [Candidate(facts.node, p.device, p.size_bytes, p.type, facts.usage(p.device),
                      facts.fs_signature(p.device))
            for p in facts.disks.partitions if not p.extended]


def propose(local: NodeFacts, peer: NodeFacts) -> list[Pairing]:
    """Local/peer pairs among the partitions that are not refused: equal sizes first (same name preferred),
    then same name with different sizes (``Pairing.usable_bytes``: the smaller less internal meta-data)."""
    ok = {c.device for c in candidates(local) if not c.refused}
    ok_peer = {c.device for c in candidates(peer) if not c.refused}
    return pair_partitions([p for p in local.disks.partitions if p.device in ok],
                           [p for p in peer.disks.partitions if p.device in ok_peer])


def peer_for(device: str, local: NodeFacts, peer: NodeFacts) -> Pairing | None:
    """The peer partition proposed for ``device`` of the local node."""
    return next((p for p in propose(local, peer) if p.local.device == device), None)


@dataclass(frozen=True)
class DiskCheck:
    node: str
    device: str
    verdict: Verdict
    reason: str  # one sentence: what is wrong and what to do
    size_bytes: int | None = None
    usage: Usage | None = None
    prediction: Prediction | None = None
    confirm: Confirm | None = None
    fix: str = ""  # the way out, when ``reason`` does not already say it


def _what(fs: FsSignature | None, known: bool) -> str:
    if not known:
        return "something ha-wizard could not check (blkid and wipefs both failed)"
    if fs is None:
        return "nothing"
    if fs.kind == "drbd":
        return "DRBD meta-data from an earlier setup"
    extra = ([f"label '{fs.label}'"] if fs.label else []) + ([human(fs.size_bytes)] if fs.size_bytes else [])
    return f"a filesystem or signature of type {fs.kind}" + (f" ({', '.join(extra)})" if extra else "")


def check_disk(facts: NodeFacts | None, node: str, device: str, *, meta_disk: str = "internal",
               drbd_device: str = "", key: str = "") -> DiskCheck:
    """Can DRBD use ``device`` on ``node``? ``meta_disk`` as in the answers ("internal" or a device; equal
    to ``device`` when the meta device itself is checked); ``drbd_device`` (/dev/drbd0) holding the
    partition means a resumed run, not a conflict."""
    if facts is None or not facts.reached:
        why = facts.why_not if facts is not None else "no facts gathered"
        return DiskCheck(node, device, "unknown", f"{device} on {node} not checked ({why})")
    part = facts.partition(device)
    if not facts.exists(device):
        listing = ", ".join(f"{c.device} ({human(c.size_bytes)})" for c in candidates(facts)) or "none"
        why = f" ({facts.unknown['fdisk']})" if "fdisk" in facts.unknown else ""
        named = f" ({key} in the answers)" if key else ""
        return DiskCheck(node, device, "refused", f"{device}{named} does not exist on {node}{why}; its "
                         f"partitions: {listing}", fix=f"correct {key or 'the disk'} in the "
                         "answers, or create the partition (fdisk; the same size on both nodes)")
    if part is not None and part.extended:
        return DiskCheck(node, device, "refused", f"{device} on {node} is an extended partition (a container "
                         "for logical ones)", fix="choose a logical partition inside it")
    size = facts.size_of(device)
    if size is not None and size < MIN_DEVICE_BYTES:
        return DiskCheck(node, device, "refused", f"{device} on {node} has only {size} bytes: DRBD needs at "
                         f"least {MIN_DEVICE_BYTES}", size, fix="choose a larger partition")
    use = facts.usage(device)
    holders = facts.holders_of(device)
    if use.state == "held" and drbd_device and set(holders) == {drbd_device}:
        return DiskCheck(node, device, "ok", f"{device} on {node} is already attached to {drbd_device} "
                         "(a resumed run: the DRBD steps check what is done)", size, use)
    if use.state in REFUSED_STATES:
        return DiskCheck(node, device, "refused", f"{node}: {use.reason}", size, use)
    sig = facts.signatures.get(device)
    known = sig is not None and sig.known  # never probed counts as unknown: it might hold anything
    fs = facts.fs_signature(device)
    internal = meta_disk == "internal"
    prediction = predict_create_md(size, fs) if internal and size is not None and known else None
    if use.state == "free" and known:
        return DiskCheck(node, device, "ok", f"{device} on {node} is free ({human(size)})", size, use, prediction)
    token = f"{node}:{device}"
    what = _what(fs, known)
    if internal:
        harm = "DRBD's meta-data overwrites the end of the partition and the first sync (or mkfs) the rest"
    elif meta_disk == device:
        harm = "create-md writes DRBD's meta-data over it"
    else:
        harm = "the first sync (or mkfs) overwrites it"
    confirm = Confirm(token, f"{device} on {node} holds {what}: setting up DRBD on it destroys that — {harm}")
    if prediction is not None and prediction.exit_code == 40:
        return DiskCheck(node, device, "refused", f"{device} on {node}: {prediction.explanation}", size, use,
                         prediction, confirm, fix="; or ".join(prediction.ways_out))
    return DiskCheck(node, device, "confirm", f"{device} on {node} holds {what}: it is used only after you "
                     f"type '{token}' (headless: --confirm {token})", size, use, prediction, confirm,
                     fix="make sure nothing on it is needed, or choose a blank partition")


@dataclass(frozen=True)
class PairCheck:
    checks: tuple[DiskCheck, ...]  # master's, peer's
    usable_bytes: int | None  # size of the DRBD device; None while a size is unknown
    equal: bool | None
    note: str  # one sentence about the sizes


def check_pair(spec: Spec, facts: Mapping[str, object]) -> PairCheck:
    """Both chosen partitions (``spec.nodes[].disk``) checked, and the size DRBD will offer."""
    checks = []
    for name in (spec.master, spec.peer_node.name):
        nf = facts.get(name)
        index = [n.name for n in spec.nodes].index(name) + 1
        checks.append(check_disk(nf if isinstance(nf, NodeFacts) else None, name, spec.node(name).disk,
                                 meta_disk=spec.drbd.meta_disk, drbd_device=spec.drbd.device,
                                 key=f"nodes[{index}].disk"))
    sizes = [c.size_bytes for c in checks]
    if sizes[0] is None or sizes[1] is None:
        return PairCheck(tuple(checks), None, None, "the usable size is known once both partitions are")
    small = min(sizes[0], sizes[1])
    usable = usable_bytes(small) if spec.drbd.meta_disk == "internal" and small >= MIN_DEVICE_BYTES else small
    a, b = checks
    if sizes[0] == sizes[1]:
        note = f"both partitions have {sizes[0]:,} bytes: the DRBD device will have {usable:,} ({human(usable)})"
        return PairCheck(tuple(checks), usable, True, note)
    note = (f"the partitions differ: {a.device} on {a.node} has {sizes[0]:,} bytes, {b.device} on {b.node} "
            f"{sizes[1]:,}; DRBD uses the smaller, so the device will have {usable:,} bytes ({human(usable)}) "
            f"and {human(abs(sizes[0] - sizes[1]))} of the larger one stay unused")
    return PairCheck(tuple(checks), usable, False, note)


