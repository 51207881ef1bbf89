"""What the interactive wizard can fill in for the admin, read from the nodes: names, the replication
link's addresses and NIC, the link speed, a free partition pair, a VIP nobody answers on.

Every value comes with the place it was read from (``Found.source``), so a screen can say "discovered:
uname -n on bravo" beside it; nothing here is invented. Probes go through the executors, so a dry-run
gathers them too, and a node that was not contacted simply yields None. The parsers are pure functions of
command output, table-tested on captures.
"""

from __future__ import annotations

import ipaddress
import json
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from wizard.executors.base import Executor
from wizard.nodes.parse import IPInterface, parse_ip_j_addr


@dataclass(frozen=True)
class Found:
    """A value the wizard read from a node, and where it read it (shown beside the field)."""

    value: str
    source: str


@dataclass(frozen=True)
class Discovery:
    """The replication link as the nodes see it; each field None when it could not be read."""

    peer_name: Found | None = None
    master_address: Found | None = None
    master_nic: Found | None = None
    peer_address: Found | None = None
    prefix: int | None = None  # the link's prefix length, from the master's address on it


@dataclass(frozen=True)
class LinkSpeed:
    interface: str  # "" when no interface holds the address
    mbit: int | None  # None when the kernel does not know (virtual NICs) or the node was not probed
    suggested_rate: str  # a DRBD resync rate for it ("" when unknown)
    note: str  # one plain sentence for the screen


def node_name(ex: Executor | None) -> str | None:
    """What the node calls itself (`uname -n`), or None when it was not contacted."""
    if ex is None or not getattr(ex, "reachable", True):
        return None
    r = ex.probe(["uname", "-n"])
    return r.out.strip() or None if r.ok else None


def suggest_rate(mbit: int) -> str:
    """DRBD's rule of thumb: resync at about 30% of the replication link, so the application keeps the
    rest. Megabits per second to a syncer rate in MB/s (``rate 10M`` in the tutorial)."""
    return f"{max(1, int(mbit / 8 * 0.3))}M"


def interface_of(ex: Executor, address: str) -> str:
    r = ex.probe(["ip", "-o", "addr", "show"])
    if not r.ok:
        return ""
    for line in r.out.splitlines():
        m = re.match(r"^\d+:\s+(\S+)\s+inet6?\s+([^/\s]+)", line)
        if m and m.group(2) == address:
            return m.group(1).split("@")[0]
    return ""


def link_speed(ex: Executor | None, address: str) -> LinkSpeed:
    """The speed of the interface holding the replication ``address`` (from /sys/class/net/IF/speed)."""
    if ex is None or not getattr(ex, "reachable", True):
        return LinkSpeed("", None, "", "link speed not measured: the node was not contacted")
    iface = interface_of(ex, address) if address else ""
    if not iface:
        return LinkSpeed("", None, "", f"link speed not measured: no interface holds {address or 'the address'}"
                                       " on this node yet")
    r = ex.probe(["cat", f"/sys/class/net/{iface}/speed"])
    try:
        mbit = int(r.out.strip()) if r.ok else -1
    except ValueError:
        mbit = -1
    if mbit <= 0:
        return LinkSpeed(iface, None, "", f"{iface}: the kernel does not report a link speed (virtual NIC?)")
    rate = suggest_rate(mbit)
    return LinkSpeed(iface, mbit, rate, f"{iface} runs at {mbit} Mb/s: about 30% of it is {rate}")


# --- the replication link ------------------------------------------------------------------------------
def parse_route_get(text: str) -> tuple[str, str] | None:
    """``ip -o route get ADDR`` (or ``ip -j route get``): (source address, device), or None.

    Text: ``10.77.0.12 dev eth1 src 10.77.0.11 uid 0 \\    cache``; a local address reads ``local ...
    dev lo src ...``, which is no link to a peer."""
    text = text.strip()
    if text.startswith("["):
        try:
            routes = json.loads(text)
        except ValueError:
            return None
        r = routes[0] if routes and isinstance(routes[0], dict) else {}
        if r.get("type") == "local" or not r.get("dev") or not r.get("prefsrc"):
            return None
        return str(r["prefsrc"]), str(r["dev"])
    if text.startswith("local ") or not text:
        return None
    dev = re.search(r"\bdev\s+(\S+)", text)
    src = re.search(r"\bsrc\s+(\S+)", text)
    if not dev or not src or dev.group(1) == "lo":
        return None
    return src.group(1), dev.group(1)


def interface_address(addresses: Mapping[str, Sequence[IPInterface]], ip: str) -> IPInterface | None:
    """The address (with its prefix) ``ip`` as one of the interfaces holds it."""
    try:
        want = ipaddress.ip_address(ip)
    except ValueError:
        return None
    return next((a for addrs in addresses.values() for a in addrs if a.ip == want), None)


def address_in(addresses: Mapping[str, Sequence[IPInterface]], network: ipaddress._BaseNetwork) -> str | None:
    """The first address of these interfaces inside ``network`` (loopback and link-local never count)."""
    for addrs in addresses.values():
        for a in addrs:
            if a.ip in network and not a.ip.is_loopback and not a.ip.is_link_local:
                return str(a.ip)
    return None


def read_addresses(ex: Executor | None) -> dict[str, tuple[IPInterface, ...]]:
    if ex is None or not getattr(ex, "reachable", True):
        return {}
    r = ex.probe(["ip", "-j", "addr"])
    try:
        return {k: tuple(v) for k, v in parse_ip_j_addr(r.out).items()} if r.ok else {}
    except (ValueError, KeyError):
        return {}


def discover_link(master: Executor | None, peer: Executor | None, peer_ssh: str,
                  master_name: str, peer_name: str = "") -> Discovery:
    """The replication link as the nodes see it, once the peer answered on ``peer_ssh``.

    The master's address and NIC: the local end of the route to the peer (``ip route get``). The peer's
    replication address: the SSH address when it is on that link, else the peer's own address on the
    master's subnet. The peer's name: its ``uname -n``.
    """
    found_name = None
    if peer is not None and getattr(peer, "reachable", True):
        name = node_name(peer)
        if name:
            found_name = Found(name, "uname -n on the peer")
    route = None
    if master is not None and getattr(master, "reachable", True) and peer_ssh:
        r = master.probe(["ip", "-o", "route", "get", peer_ssh])
        route = parse_route_get(r.out) if r.ok else None
    if route is None:
        return Discovery(peer_name=found_name)
    src, dev = route
    where = f"ip route get {peer_ssh} on {master_name}"
    mine = interface_address(read_addresses(master), src)
    peer_addr: Found | None = None
    if mine is not None and ipaddress.ip_address(peer_ssh) in mine.network:
        peer_addr = Found(peer_ssh, "the address SSH reached it on (same link)")
    elif mine is not None:
        other = address_in(read_addresses(peer), mine.network)
        label = peer_name or (found_name.value if found_name else "the peer")
        if other:
            peer_addr = Found(other, f"ip addr on {label}: its address on {mine.network}")
    return Discovery(peer_name=found_name, master_address=Found(src, where), master_nic=Found(dev, where),
                     peer_address=peer_addr, prefix=mine.network.prefixlen if mine is not None else None)


# --- a free address for the VIP -------------------------------------------------------------------------
def vip_candidates(network: ipaddress._BaseNetwork, taken: Iterable[str], limit: int = 4) -> list[str]:
    """Addresses worth probing for the VIP: a few high, round host numbers of ``network`` that no node
    holds (the tutorial's .5 was next to its servers; high numbers rarely belong to DHCP pools)."""
    used = {ipaddress.ip_address(t) for t in taken if _is_ip(t)}
    hosts = network.num_addresses - 2
    if network.version != 4 or hosts < 4:
        return []
    picks = [100, 200, 50, 250, 150, 10, 20, 30]
    out = []
    for n in picks:
        if n <= hosts:
            ip = network.network_address + n
            if ip not in used:
                out.append(str(ip))
        if len(out) >= limit:
            break
    return out


def parse_neigh_state(text: str) -> str:
    """``ip neigh show ADDR``: the neighbour state (REACHABLE, STALE, FAILED, INCOMPLETE ...) or ""."""
    states = re.findall(r"\b(REACHABLE|STALE|DELAY|PROBE|FAILED|INCOMPLETE|PERMANENT|NOARP)\b", text)
    return states[-1] if states else ""


def loopback_only_forbids(address: str) -> bool:
    """Test sessions (HA_WIZARD_LOOPBACK_ONLY=1) may not send a packet anywhere but 127.0.0.1."""
    if os.environ.get("HA_WIZARD_LOOPBACK_ONLY") != "1":
        return False
    return not (_is_ip(address) and ipaddress.ip_address(address).is_loopback)


def address_unused(ex: Executor, address: str, nic: str) -> bool | None:
    """True when nothing answers ``address`` on ``nic``: no ping reply AND no ARP answer (the neighbour
    entry ends FAILED or INCOMPLETE, so a host that drops pings still counts as used). None: unknown."""
    if loopback_only_forbids(address):
        return None
    ping = ex.probe(["ping", "-c", "1", "-W", "1", "-I", nic, address], timeout=10)
    if ping.rc == 0:
        return False
    if ping.rc == 127:
        return None
    state = parse_neigh_state(ex.probe(["ip", "neigh", "show", address, "dev", nic]).out)
    if state in ("FAILED", "INCOMPLETE"):
        return True
    return False if state else None


def suggest_vip(ex: Executor | None, master_address: str, prefix: int, nic: str,
                taken: Iterable[str]) -> Found | None:
    """A VIP candidate on the master's link that nobody answers on, or None."""
    if ex is None or not getattr(ex, "reachable", True) or not _is_ip(master_address):
        return None
    network = ipaddress.ip_interface(f"{master_address}/{prefix}").network
    for ip in vip_candidates(network, [master_address, *taken]):
        if address_unused(ex, ip, nic):
            return Found(ip, f"suggestion: no ping or ARP answer for {ip} on {nic}")
    return None


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


# --- where the peer may be ----------------------------------------------------------------------------
# Tries an SSH connection to each candidate at once (bash's /dev/tcp, 2 s each, in parallel) and prints
# "open ADDR" for those that accept: a TCP handshake, nothing more, and only to the few addresses next to
# this machine's own on each link and to the neighbours it already knows.
SSH_KNOCK = r"""
for a in "$@"; do
  ( timeout 2 bash -c 'exec 3<>"/dev/tcp/$1/22"' bash "$a" 2>/dev/null && echo "open $a" ) &
done
wait
"""


def parse_neigh(text: str) -> dict[str, list[str]]:
    """``ip -4 neigh``: interface -> addresses of neighbours that answered (REACHABLE, STALE, DELAY, PROBE)."""
    out: dict[str, list[str]] = {}
    for line in text.splitlines():
        m = re.match(r"^(\S+)\s+dev\s+(\S+)\s+lladdr\s+\S+.*\b(REACHABLE|STALE|DELAY|PROBE)\b", line)
        if m:
            out.setdefault(m.group(2), []).append(m.group(1))
    return out


def peer_candidates(addresses: Mapping[str, Sequence[IPInterface]], neighbours: Mapping[str, Sequence[str]],
                    limit: int = 12) -> list[tuple[str, str]]:
    """(address, why) worth knocking on: the neighbours this machine knows, then the addresses right next to
    its own on each IPv4 link (a dedicated replication link is usually .1 and .2)."""
    out: list[tuple[str, str]] = []
    seen: set[str] = set()

    def add(ip: str, why: str) -> None:
        if ip not in seen and len(out) < limit:
            seen.add(ip)
            out.append((ip, why))

    mine = {str(a.ip) for addrs in addresses.values() for a in addrs}
    for nic, addrs in addresses.items():
        for a in addrs:
            if a.version != 4 or a.ip.is_loopback or a.ip.is_link_local or a.network.prefixlen < 16:
                continue
            for ip in neighbours.get(nic, ()):
                if ip not in mine and _is_ip(ip) and ipaddress.ip_address(ip) in a.network:
                    add(ip, f"a neighbour of this machine on {nic}")
            for step in (1, -1):
                near = a.ip + step
                if near in a.network and near not in (a.network.network_address, a.network.broadcast_address) \
                        and str(near) not in mine:
                    add(str(near), f"next to this machine's {a.ip} on {nic}")
    return out


def suggest_peer(master: Executor | None) -> list[Found]:
    """Addresses near the master that answer on SSH's port: suggestions for the peer's address, each
    saying where it was found. Empty when nothing answers or the master was not contacted."""
    if master is None or not getattr(master, "reachable", True):
        return []
    addresses = read_addresses(master)
    neigh = master.probe(["ip", "-4", "neigh"])
    cands = [(ip, why) for ip, why in peer_candidates(addresses, parse_neigh(neigh.out) if neigh.ok else {})
             if not loopback_only_forbids(ip)]
    if not cands:
        return []
    r = master.probe(["bash", "-c", SSH_KNOCK, "bash", *(ip for ip, _ in cands)], timeout=15)
    open_ = set(re.findall(r"^open (\S+)$", r.out, re.M))
    return [Found(ip, f"answers SSH; {why}") for ip, why in cands if ip in open_]


def suggest_peer_from_here() -> list[Found]:
    """``suggest_peer`` run on this machine (the wizard runs on the master)."""
    from wizard.executors.local import LocalExecutor

    return suggest_peer(LocalExecutor("this machine"))
