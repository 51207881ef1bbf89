"""What ha-wizard knows about one node: the values ``wizard.nodes.gather.gather_node`` collected, read-only.

Pure data plus questions about it (is this partition free? which interface holds this address? which
packages are missing?). Every fact that could not be gathered is recorded in ``unknown`` with the reason,
so a missing tool is reported as "unknown", never guessed and never a crash.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from wizard.nodes.blockdevs import (
    BlockDevice,
    DiskReport,
    FsSignature,
    Mount,
    Partition,
    Swap,
    Usage,
    usage,
)
from wizard.nodes.parse import IPInterface, Versions

EXT_FAMILY = ("ext2", "ext3", "ext4")


@dataclass(frozen=True)
class Signatures:
    """What is written on one block device (blkid -p, wipefs -n, dumpe2fs -h)."""

    kinds: tuple[str, ...] = ()  # "ext3", "swap", "drbd", "LVM2_member", "dos" ...; () = blank
    known: bool = True  # False when neither blkid -p nor wipefs could look at the device
    fs_bytes: int | None = None  # the filesystem's own size (ext*: Block count x Block size)
    label: str | None = None


@dataclass(frozen=True)
class NodeFacts:
    node: str  # the node's name in the answers
    reached: bool = True
    why_not: str = ""  # why the node was not contacted (reached is False)
    hostname: str | None = None  # `uname -n`
    machine_id: str | None = None  # /etc/machine-id: tells "the peer is really this machine" apart
    addresses: Mapping[str, tuple[IPInterface, ...]] = field(default_factory=dict)
    disks: DiskReport = field(default_factory=lambda: DiskReport((), ()))
    blockdevs: tuple[BlockDevice, ...] = ()  # lsblk, flattened
    signatures: Mapping[str, Signatures] = field(default_factory=dict)  # device -> what is on it
    mounts: tuple[Mount, ...] = ()
    swaps: tuple[Swap, ...] = ()
    pvs: Mapping[str, str | None] = field(default_factory=dict)  # LVM PV -> VG
    md_members: Mapping[str, str] = field(default_factory=dict)  # member -> md array
    holders: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # device -> devices built on it
    drbd: Versions = field(default_factory=lambda: Versions(None, None, None))
    drbd_loaded: bool = False  # /proc/drbd exists
    drbd_module: str | None = None  # version of the drbd module on disk (modinfo); None = none found
    package_db: str | None = None  # "dpkg" / "rpm"
    package_manager: str | None = None  # "apt-get" / "dnf" / "yum" / "zypper"
    packages: Mapping[str, str] = field(default_factory=dict)  # installed: name -> version
    packages_asked: tuple[str, ...] = ()
    serial_ports: tuple[str, ...] | None = None  # None = could not tell
    ha_agents: tuple[str, ...] | None = None  # executable Heartbeat resource agents found (paths)
    init: tuple[str, ...] | None = None  # "pid1 systemd", "unit drbd", "initd heartbeat" ...
    # package -> the version apt's repositories offer (None: none); the mapping is None when unknown (no apt,
    # or apt has never been updated): then only the install itself can tell
    candidates: Mapping[str, str | None] | None = None
    unknown: Mapping[str, str] = field(default_factory=dict)  # fact -> why it is unknown

    # --- disks ----------------------------------------------------------------------------------
    def partition(self, device: str) -> Partition | None:
        return self.disks.partition(device)

    def blockdev(self, device: str) -> BlockDevice | None:
        return next((b for b in self.blockdevs if b.path == device), None)

    def size_of(self, device: str) -> int | None:
        """Exact size in bytes: a partition (fdisk, corrected by lsblk), else any block device lsblk knows."""
        if (p := self.partition(device)) is not None:
            return p.size_bytes
        if (b := self.blockdev(device)) is not None and b.size_bytes:
            return b.size_bytes
        return next((d.size_bytes for d in self.disks.disks if d.device == device), None)

    def exists(self, device: str) -> bool:
        return (self.partition(device) is not None or self.blockdev(device) is not None
                or device in self.signatures)

    def holders_of(self, device: str) -> tuple[str, ...]:
        found = list(self.holders.get(device, ()))
        if (b := self.blockdev(device)) is not None:
            found += [h for h in b.holders if h not in found]
        return tuple(found)

    def usage(self, device: str) -> Usage:
        """Mounted, swap, LVM PV, md member, held, signature or free (``facts.disks.usage``), with lsblk's
        mountpoint as a second witness for mounts /proc/mounts names differently."""
        mounts = list(self.mounts)
        b = self.blockdev(device)
        if b is not None and b.mountpoint and b.mountpoint != "[SWAP]":
            mounts.append(Mount(device, b.mountpoint, b.fstype or "?", ""))
        swaps = list(self.swaps)
        if b is not None and b.mountpoint == "[SWAP]":
            swaps.append(Swap(device, "partition", 0, 0))
        sig = self.signatures.get(device)
        kinds: Sequence[str] = sig.kinds if sig else ((b.fstype,) if b is not None and b.fstype else ())
        return usage(device, mounts=mounts, swaps=swaps, pvs=self.pvs, md_members=self.md_members,
                     holders=self.holders_of(device), signatures=kinds)

    def fs_signature(self, device: str) -> FsSignature | None:
        """What create-md will find on ``device`` (None: blank)."""
        sig = self.signatures.get(device)
        if sig is None or not sig.kinds:
            return None
        return FsSignature(sig.kinds[0], sig.fs_bytes, sig.label)

    # --- network ----------------------------------------------------------------------------------
    def interface_with(self, address: str) -> str | None:
        """The interface holding ``address`` ("eth1"), or None."""
        try:
            want = ipaddress.ip_address(address)
        except ValueError:
            return None
        return next((name for name, addrs in self.addresses.items() if any(a.ip == want for a in addrs)), None)

    def address_list(self) -> str:
        """"eth0 10.0.2.15/24, eth1 10.99.0.1/24" (loopback and link-local left out), for messages."""
        out = [f"{name} {a.with_prefixlen}" for name, addrs in self.addresses.items() for a in addrs
               if not a.ip.is_loopback and not a.ip.is_link_local]
        return ", ".join(out) or "no address besides loopback"

    # --- packages ---------------------------------------------------------------------------------
    def missing_packages(self, names: Iterable[str]) -> list[str] | None:
        """Packages of ``names`` not installed; None when the package database could not be read."""
        if self.package_db is None or "packages" in self.unknown:
            return None
        return [n for n in names if n not in self.packages]

    def not_offered(self, names: Iterable[str]) -> list[str]:
        """Packages of ``names`` that no repository known to the node offers ([] when that is unknown)."""
        if self.candidates is None:
            return []
        return [n for n in names if self.candidates.get(n) is None]

    def to_json(self) -> dict[str, Any]:
        return {
            "node": self.node, "reached": self.reached, "why_not": self.why_not, "hostname": self.hostname,
            "addresses": {k: [a.with_prefixlen for a in v] for k, v in self.addresses.items()},
            **self.disks.to_json(),
            "usage": {p.device: self.usage(p.device).state for p in self.disks.partitions},
            "signatures": {d: list(s.kinds) if s.known else None for d, s in self.signatures.items()},
            "drbd": {"kernel": self.drbd.kernel_module, "utils": self.drbd.utils, "module": self.drbd_module,
                     "loaded": self.drbd_loaded},
            "package_manager": self.package_manager, "packages": dict(self.packages),
            "serial_ports": list(self.serial_ports) if self.serial_ports is not None else None,
            "unknown": dict(self.unknown),
        }


def unreached(node: str, why: str) -> NodeFacts:
    return NodeFacts(node, reached=False, why_not=why)
