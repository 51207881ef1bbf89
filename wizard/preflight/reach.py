"""Can the master reach the peer's replication address? Bounded probes run ON THE MASTER (through its
executor), never from wherever ha-wizard's display happens to run, in one round trip:

- ``ip route get ADDR``: the interface and source address the master would use;
- TCP on DRBD's port: ``timeout 3 bash -c 'exec 3<>/dev/tcp/ADDR/PORT'``. "Connection refused" proves the
  host is there (nothing listens yet: DRBD starts later); silence until the timeout suggests a firewall
  dropping packets; "No route to host" / "Network is unreachable" mean the network is wrong;
- ``ping -c1 -W2 ADDR``: all one can prove about Heartbeat's UDP port before Heartbeat runs, since UDP
  has no handshake and a closed port may answer nothing at all.

Network rule: the tutorial's demo answers are never contacted, and while ``HA_WIZARD_LOOPBACK_ONLY=1``
(the test suites) a probe that would leave this machine for anything but 127.0.0.1 is not run.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from wizard.core.spec import Spec
from wizard.errors import UnreachableError
from wizard.executors.base import Executor
from wizard.nodes.facts import NodeFacts

TCP_TIMEOUT_S = 3
PING_WAIT_S = 2
LOOPBACK_OK = "127.0.0.1"

TcpState = Literal["open", "refused", "timeout", "unreachable", "unknown"]

PROBE = r"""
export LC_ALL=C PATH="$PATH:/usr/sbin:/sbin"
a=$1 p=$2 t=$3 w=$4
printf '@@route %s\n' "$(ip route get "$a" 2>&1 | head -n 1)"
if command -v timeout >/dev/null 2>&1 && command -v bash >/dev/null 2>&1; then
  e=$(timeout "$t" bash -c 'exec 3<>"/dev/tcp/$1/$2"' bash "$a" "$p" 2>&1); r=$?
  printf '@@tcp %s %s\n' "$r" "$(printf %s "$e" | tr '\n' ' ')"
fi
if command -v ping >/dev/null 2>&1; then ping -c 1 -W "$w" "$a" >/dev/null 2>&1; printf '@@ping %s\n' "$?"; fi
exit 0
"""


@dataclass(frozen=True)
class Reach:
    address: str
    port: int
    tcp: TcpState = "unknown"
    tcp_detail: str = ""  # the error bash printed ("Connection refused")
    ping: bool | None = None  # None: not run
    route_dev: str | None = None
    route_src: str | None = None
    route_local: bool = False  # the address is one of the master's own
    route_error: str = ""
    skipped: str = ""  # why nothing was probed ("demo answers"); "" when probed


def _this_machine_id() -> str | None:
    try:
        return Path("/etc/machine-id").read_text().strip() or None
    except OSError:
        return None


def _runs_here(ex: Executor, facts: NodeFacts | None) -> bool:
    """True when commands of ``ex`` run on this very machine (local, or SSH back to it)."""
    from wizard.executors.local import LocalExecutor

    inner = getattr(ex, "inner", ex)  # a dry-run executor wraps the real one
    if isinstance(inner, LocalExecutor):
        return True
    mine = _this_machine_id()
    return facts is None or facts.machine_id is None or mine is None or facts.machine_id == mine


def skip_reason(spec: Spec, master: Executor | None, master_facts: NodeFacts | None) -> str:
    """Why the peer's address must not (or cannot) be probed; "" when it may be."""
    if spec.demo:
        return "demo answers"
    if master is None or not getattr(master, "reachable", True) or (master_facts and not master_facts.reached):
        return f"{spec.master} was not reached"
    address = spec.peer_node.address
    if os.environ.get("HA_WIZARD_LOOPBACK_ONLY") == "1" and address != LOOPBACK_OK \
            and _runs_here(master, master_facts):
        return "HA_WIZARD_LOOPBACK_ONLY=1: this machine probes 127.0.0.1 only"
    return ""


def parse_probe(address: str, port: int, out: str) -> Reach:
    """The probe script's output (pure: unit tests feed it)."""
    route = re.search(r"^@@route (.*)$", out, re.M)
    dev = src = None
    local = False
    route_error = ""
    if route:
        text = route.group(1)
        if m := re.search(r"\bdev (\S+)", text):
            dev = m.group(1)
        if m := re.search(r"\bsrc (\S+)", text):
            src = m.group(1)
        local = text.startswith("local ")
        if dev is None:
            route_error = text.strip()
    tcp: TcpState = "unknown"
    detail = ""
    if m := re.search(r"^@@tcp (\d+) ?(.*)$", out, re.M):
        rc, detail = int(m.group(1)), m.group(2).strip()
        low = detail.lower()
        if rc == 0:
            tcp = "open"
        elif rc == 124:
            tcp = "timeout"
        elif "refused" in low:
            tcp = "refused"
        elif "no route" in low or "unreachable" in low:
            tcp = "unreachable"
    ping = None
    if m := re.search(r"^@@ping (\d+)$", out, re.M):
        ping = m.group(1) == "0"
    return Reach(address, port, tcp, detail, ping, dev, src, local, route_error)


def probe_peer(spec: Spec, master: Executor | None, master_facts: NodeFacts | None = None) -> Reach:
    """Probe the peer's replication address on DRBD's port from the master (one round trip)."""
    address, port = spec.peer_node.address, spec.drbd.port
    why = skip_reason(spec, master, master_facts)
    if why or master is None:
        return Reach(address, port, skipped=why or "no master")
    try:
        r = master.probe(["sh", "-c", PROBE, "sh", address, str(port), str(TCP_TIMEOUT_S), str(PING_WAIT_S)],
                         timeout=TCP_TIMEOUT_S + PING_WAIT_S + 20)
    except UnreachableError as e:
        return Reach(address, port, skipped=str(e))
    return parse_probe(address, port, r.out)
