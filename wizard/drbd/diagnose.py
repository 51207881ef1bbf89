"""Why DRBD did not connect (or stopped syncing): a plain diagnosis from the kernel log, drbdadm and two
small network tests, run on the master when a DRBD wait times out or hits a fatal state.

The kernel says most of it (``dmesg | grep -i drbd``): a refused shared secret, split-brain, unrelated
metadata, a bind failure on a wrong local address. When it says nothing, the nodes never reached each
other, and ping plus a TCP connect to the peer's DRBD port tell a wrong address from a blocked port.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from wizard.core.actions import WaitFor
from wizard.drbd.status_read import read_status
from wizard.executors.base import Executor

DRBD_WAITS = ("drbd-connected", "drbd-promotable", "drbd-synced", "drbd-skip-ready")
KERNEL_LOG = ("sh", "-c", "{ dmesg 2>/dev/null || journalctl -k -q --no-pager 2>/dev/null; } "
                          "| grep -i drbd | tail -n 60")
# bash's /dev/tcp: rc 0 connected; 1 with "refused" or "unreachable"/"No route"; 124 no answer in 3 s
TCP_TEST = ("timeout", "3", "bash", "-c", 'exec 3<>"/dev/tcp/$1/$2"', "bash")


def tcp_outcome(rc: int, text: str) -> str:
    """open | refused | unreachable | timeout, from TCP_TEST's exit code and message."""
    if rc == 0:
        return "open"
    low = text.lower()
    if "refused" in low:
        return "refused"
    if "unreachable" in low or "no route" in low:
        return "unreachable"
    return "timeout"


@dataclass(frozen=True)
class Context:
    minor: int
    resource: str
    peer: str
    peer_addr: str
    port: str
    local_addr: str
    node: str


def _context(action: WaitFor) -> Context | None:
    a = action.args
    if len(a) < 7:
        return None
    return Context(int(a[0]), a[1], a[2], a[3], a[4], a[5], a[6])


# Kernel log clues, each a regex on one line. The most recent matching line wins: the log may still
# hold an older, already fixed problem (a split-brain of last week, a secret fixed an hour ago).
CLUES = (
    ("split-brain", r"Split-Brain detected"),
    ("secret", r"Authentication of peer failed|Peer presented the wrong"),
    ("unrelated", r"Unrelated data"),
    ("size", r"(?i)peer's disk size is too small"),
    ("config", r"(?i)incompatible |peer wants "),
    ("address", r"bind before connect failed|Failed to bind|err = -99\b"),
)


def latest_clue(log: str) -> tuple[str, str]:
    """(clue name, its line) of the newest kernel log line that explains a refused connection."""
    for line in reversed(log.splitlines()):
        for name, pattern in CLUES:
            if re.search(pattern, line):
                return name, line.strip()
    return "", ""


def from_kernel_log(log: str, ctx: Context) -> str:
    """The diagnosis the kernel log alone supports, or "" when it has none."""
    p, r = ctx.peer, ctx.resource
    clue, line = latest_clue(log)
    if clue == "split-brain":
        return (
            f"split-brain: both nodes were Primary while apart, so each has changes the other lacks. DRBD "
            f"will not choose for you. Decide whose changes are lost (the victim), then on the victim: "
            f"`drbdadm secondary {r}; drbdadm connect --discard-my-data {r}` (8.3: `drbdadm -- "
            f"--discard-my-data connect {r}`), and on the survivor: `drbdadm connect {r}`.")
    if clue == "secret":
        return (
            f"shared-secret mismatch: {ctx.node} and {p} have different `shared-secret` (or cram-hmac-alg) in "
            f"{r}'s config. ha-wizard writes the same file to both: run `ha-wizard resume` so it rewrites "
            f"them, or compare /etc/drbd.d/{r}.res on both nodes, then `drbdadm adjust {r}` on both.")
    if clue == "unrelated":
        return (
            f"unrelated data: the two disks carry DRBD metadata from different setups. On the node whose "
            f"data is to be discarded: `drbdadm down {r}; drbdadm create-md {r}; drbdadm up {r}`.")
    if clue == "size":
        return f"{p}'s partition is smaller than {ctx.node}'s: use partitions of the same size."
    if clue == "config":
        said = line.split(": ", 1)[-1]
        return (f"the two nodes' configs differ ({said}): write the same {r} config on both "
                "(`ha-wizard resume`) and run `drbdadm adjust` on both.")
    if clue == "address":
        return (f"wrong local address: {ctx.node} cannot use {ctx.local_addr} (no interface has it). Fix "
                f"{ctx.node}'s address in the answers (`ip -br addr` shows what it has).")
    return ""


def from_network(ping_ok: bool, tcp: str, ctx: Context) -> str:
    p, a, port = ctx.peer, ctx.peer_addr, ctx.port
    if tcp == "open":
        return (
            f"{p} accepts connections on {a}:{port}, yet DRBD did not connect: {p} probably dials another "
            f"address for {ctx.node} (check `address` lines in {p}'s /etc/drbd.d/{ctx.resource}.res), or "
            f"{p}'s `uname -n` is not the name in the answers. `dmesg | grep -i drbd` on {p} tells more.")
    if tcp == "refused":
        return (
            f"{p} refuses connections on {a}:{port}: DRBD is not listening there. Is the resource up on "
            f"{p} (`cat /proc/drbd` there; `drbdadm up {ctx.resource}`)? Does {p}'s config use port {port} "
            f"and address {a}? A firewall REJECT rule looks the same: allow TCP {port} between the nodes.")
    if not ping_ok or tcp == "unreachable":
        return (
            f"{p} does not answer at {a} (no ping reply, no TCP answer on port {port}): wrong address in "
            "the answers, a cable or interface down, or everything filtered. Check `ip -br addr` on "
            f"{p} and `ping {a}` from {ctx.node}.")
    return (
        f"port {port} on {p} is blocked: {a} answers ping but TCP {port} gets no answer at all (dropped by a "
        f"firewall). Allow TCP {port} both ways between {ctx.local_addr} and {a} (iptables -I INPUT -p tcp "
        f"--dport {port} -j ACCEPT, or the nftables/firewalld equivalent) on both nodes.")


def diagnose_wait(action: WaitFor, ex: Executor, last_probe_text: str) -> str:
    """A few plain sentences for a failed DRBD wait, or "" when there is nothing to add."""
    if action.until not in DRBD_WAITS:
        return ""
    ctx = _context(action)
    if ctx is None:
        return ""
    dev = read_status(last_probe_text).device(ctx.minor)
    state = (f"{ctx.node} shows cs:{dev.cs} ro:{'/'.join(dev.roles)} ds:{'/'.join(dev.disk_states)}. "
             if dev else f"{ctx.node} has no DRBD minor {ctx.minor} running. ")
    log = ex.probe(list(KERNEL_LOG)).out
    said = from_kernel_log(log, ctx)
    if said:
        return f"Diagnosis: {state}{said}"
    if dev is None:
        r = ex.probe(["drbdadm", "dump", ctx.resource])
        if "not defined in your config" in r.text:
            return (f"Diagnosis: {state}drbdadm says {ctx.resource} is not defined for this host: "
                    f"`uname -n` on {ctx.node} must be '{ctx.node}' exactly as in the answers.")
        return f"Diagnosis: {state}Start it with `drbdadm up {ctx.resource}` and read its message."
    if dev.cs not in ("WFConnection", "Unconnected", "Connecting", "WFReportParams"):
        return f"Diagnosis: {state}The kernel log has no clue; `dmesg | grep -i drbd` on both nodes."
    addrs = ex.probe(["ip", "-o", "addr", "show"]).out
    if ctx.local_addr and ctx.local_addr not in re.findall(r"inet6? ([0-9a-fA-F.:]+)/", addrs):
        return (f"Diagnosis: {state}wrong local address: no interface of {ctx.node} has {ctx.local_addr}. "
                f"Fix {ctx.node}'s address in the answers (`ip -br addr`).")
    ping = ex.probe(["ping", "-c", "2", "-W", "2", ctx.peer_addr], timeout=15).rc == 0
    r = ex.probe([*TCP_TEST, ctx.peer_addr, ctx.port], timeout=10)
    return f"Diagnosis: {state}{from_network(ping, tcp_outcome(r.rc, r.text), ctx)}"
