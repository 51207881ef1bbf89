"""What the lab's failover scenarios share, whichever cluster stack runs the pair: whether a node serves
(checked from its real state, not from the stack's view), waiting on such a check with a deadline, and a
hard drill started on node1 in the background until it asks for the power cut."""

from __future__ import annotations

import re
import time
from collections.abc import Callable

from wizard.lab import Lab

from .wizard_on_node import ANSWERS, WIZARD, drbd_line, mounts

VIP = "10.99.0.100"


def serves(lab: Lab, n: int) -> str:
    """'' when node n holds everything (Primary, mounted, VIP, apache2 answering), else what is missing."""
    line = drbd_line(lab, n)
    missing = []
    if " ro:Primary/" not in line:
        missing.append(f"DRBD {line}")
    if not any(m[:2] == ["/dev/drbd0", "/replicated"] for m in mounts(lab, n)):
        missing.append("/replicated not mounted")
    if f"inet {VIP}/" not in lab.ssh(n, "ip -o addr", timeout=60).stdout:
        missing.append(f"no {VIP}")
    page = lab.ssh(n, f"bash -c 'exec 3<>/dev/tcp/{VIP}/80; printf \"GET / HTTP/1.0\\r\\n\\r\\n\" >&3; "
                      "timeout 5 head -c 100 <&3'", check=False, timeout=60).stdout
    if "HTTP/1.1 200" not in page and "HTTP/1.0 200" not in page:
        missing.append("apache2 does not answer on the VIP")
    return "; ".join(missing)


def wait_until(what: str, fn: Callable[[], str], timeout: float) -> None:
    """Poll ``fn`` (which says what is still missing, '' when done) until it is done or ``timeout`` passes."""
    deadline = time.monotonic() + timeout
    last = ""
    while time.monotonic() < deadline:
        last = fn()
        if not last:
            return
        time.sleep(2)
    raise AssertionError(f"{what}: still {last} after {timeout:.0f} s")


def rto(out: str) -> float:
    m = re.search(r"failover node\d -> node\d: RTO ([\d.]+) s", out)
    assert m, out[-3000:]
    return float(m.group(1))


def start_drill_in_background(lab: Lab, log: str, serving: int, fingerprint: str) -> None:
    """``failover-test --hard`` on node1, detached, until it says to cut the serving node's power."""
    lab.ssh(1, f"COLUMNS=160 nohup {WIZARD} failover-test --hard --confirm node{serving} --answers {ANSWERS} "
               f"--accept-host-key {fingerprint} > {log} 2>&1 < /dev/null &", timeout=60)
    deadline = time.monotonic() + 300
    while "Now cut" not in lab.ssh(1, f"cat {log}", timeout=60).stdout:
        assert time.monotonic() < deadline, lab.ssh(1, f"cat {log}", timeout=60).stdout
        time.sleep(1)
