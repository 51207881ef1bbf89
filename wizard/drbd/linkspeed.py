"""A quick measurement of the replication link, for the resync controller's cap (``c-max-rate``).

Method: the peer listens on its replication address (on the DRBD port, so a firewall that would block
DRBD shows up here too, or the next free one when DRBD already holds it) while the master streams zeros
to it over one TCP connection for a few seconds, the way DRBD's own resync traffic flows (master → peer,
one stream). The peer times the transfer from its first byte to the end of the stream, so process
start-up and SSH latency are not counted. Both ends are small ``perl`` programs using only perl-base
(Essential on Debian/Ubuntu, so present on every node; Time::HiRes is not in perl-base, hence
/proc/uptime's 10 ms clock). Nodes need no SSH keys between them: the wizard starts both ends through
its own connections. Zeros are fine: nothing on the path compresses a plain TCP stream.

The result goes into the plan context as ``ctx.facts["link_rate"]`` (bytes/s, an int), which
``wizard.drbd.render.resync_rate`` turns into resync-rate / c-max-rate.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from wizard.core.spec import Spec
from wizard.executors.base import Executor, Result

_UPTIME = "sub up { open(my $f, '<', '/proc/uptime') or return time; my $u = <$f>; return (split ' ', $u)[0] }"
RECEIVER = _UPTIME + r"""
use IO::Socket::IP;
my ($addr, $port, $limit) = @ARGV;
$SIG{ALRM} = sub { print "error=no sender within ${limit}s\n"; exit 4 };
alarm $limit;
my $l = IO::Socket::IP->new(LocalHost => $addr, LocalPort => $port, Listen => 1, ReuseAddr => 1)
    or do { print "error=listen $!\n"; exit 3 };
my $c = $l->accept or do { print "error=accept $!\n"; exit 4 };
my $buf; sysread($c, $buf, 1 << 20);
my ($t0, $n) = (up(), 0);
while (1) { my $r = sysread($c, $buf, 1 << 20); last unless $r; $n += $r }
my $t1 = up();
print "bytes=$n secs=", $t1 - $t0, "\n";
"""
SENDER = _UPTIME + r"""
use IO::Socket::IP;
my ($addr, $port, $secs, $wait) = @ARGV;
my $s; my $t = up();
until ($s = IO::Socket::IP->new(PeerHost => $addr, PeerPort => $port, Timeout => 3)) {
    if (up() - $t > $wait) { print "error=connect $!\n"; exit 3 }
    select(undef, undef, undef, 0.2);
}
my $buf = "\0" x (1 << 20); my $t0 = up();
while (up() - $t0 < $secs) { defined(syswrite($s, $buf)) or last }
close $s; print "sent\n";
"""


@dataclass(frozen=True)
class LinkMeasurement:
    bytes: int
    seconds: float
    port: int

    @property
    def bytes_per_s(self) -> float:
        return self.bytes / self.seconds if self.seconds > 0 else 0.0

    def describe(self) -> str:
        return (f"{self.bytes_per_s / 1048576:.1f} MiB/s ({self.bytes / 1048576:.0f} MiB in "
                f"{self.seconds:.2f} s over TCP port {self.port})")


class LinkMeasureError(Exception):
    pass


def listening_ports(proc_net_tcp: str) -> set[int]:
    """Ports in LISTEN state (0A) in /proc/net/tcp or tcp6 text."""
    ports = set()
    for m in re.finditer(r"^\s*\d+:\s+[0-9A-Fa-f]+:([0-9A-Fa-f]{4})\s+[0-9A-Fa-f]+:[0-9A-Fa-f]+\s+0A\s",
                         proc_net_tcp, re.M):
        ports.add(int(m.group(1), 16))
    return ports


def parse_receiver(out: str) -> tuple[int, float] | None:
    m = re.search(r"bytes=(\d+) secs=([\d.]+)", out)
    return (int(m.group(1)), float(m.group(2))) if m else None


def measure_link(sender: Executor, receiver: Executor, receiver_addr: str, ports: Sequence[int], *,
                 seconds: float = 3.0, connect_wait: float = 30.0) -> LinkMeasurement:
    """Stream zeros from ``sender`` to ``receiver_addr`` (an address of ``receiver``) for ``seconds``.

    Uses the first of ``ports`` nothing listens on. Raises LinkMeasureError with a plain reason.
    """
    addrs = receiver.probe(["ip", "-o", "addr", "show"])
    if addrs.ok and receiver_addr not in re.findall(r"inet6? ([0-9a-fA-F.:]+)/", addrs.out):
        raise LinkMeasureError(f"{receiver_addr} is not an address of {receiver.node}")
    busy = listening_ports(receiver.probe(["cat", "/proc/net/tcp", "/proc/net/tcp6"]).out)
    port = next((p for p in ports if p not in busy), None)
    if port is None:
        raise LinkMeasureError(f"ports {', '.join(map(str, ports))} are all in use on {receiver.node}")
    limit = int(connect_wait + seconds + 10)  # the receiver gives up soon after a sender that never came
    got: dict[str, Result] = {}

    def listen() -> None:
        got["r"] = receiver.probe(["perl", "-e", RECEIVER, receiver_addr, str(port), str(limit)],
                                  timeout=limit + 15)

    t = threading.Thread(target=listen, name="linkspeed-receiver", daemon=True)
    t.start()
    s = sender.probe(["perl", "-e", SENDER, receiver_addr, str(port), str(seconds), str(connect_wait)],
                     timeout=connect_wait + seconds + 30)
    t.join(limit + 20)
    r = got.get("r")
    if r is None:
        raise LinkMeasureError(f"the receiver on {receiver.node} did not finish")
    parsed = parse_receiver(r.out)
    if s.rc != 0 or parsed is None:
        why = (re.search(r"error=(.*)", s.out + r.out) or re.search(r"(.+)", (s.err + r.err).strip()))
        raise LinkMeasureError(
            f"could not stream from {sender.node} to {receiver_addr}:{port} on {receiver.node}"
            + (f": {why.group(1).strip()}" if why else ""))
    n, secs = parsed
    if secs <= 0 or n <= 0:
        raise LinkMeasureError("the transfer was too short to time")
    return LinkMeasurement(n, secs, port)


def measure_replication_link(spec: Spec, executors: Mapping[str, Executor],
                             seconds: float = 3.0) -> tuple[int | None, str]:
    """(bytes/s or None, a sentence for the plan's notes): master → peer over the replication addresses.

    For ``ctx.facts["link_rate"]``. Measure once and keep the figure (journal facts): a fresh measurement
    each run would change the rendered config, and so the plan, every time.
    """
    master, peer = spec.master_node, spec.peer_node
    try:
        m = measure_link(executors[master.name], executors[peer.name], peer.address,
                         [spec.drbd.port, spec.drbd.port + 1], seconds=seconds)
    except (LinkMeasureError, KeyError, OSError) as e:
        return None, f"replication link not measured ({e}); the resync cap assumes a gigabit link"
    return int(m.bytes_per_s), f"replication link {master.name} → {peer.name}: {m.describe()}"
