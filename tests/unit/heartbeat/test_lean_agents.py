"""ha-wizard's own mount and address scripts (templates/heartbeat/resource.d), run for real on this machine:
mount, umount, fuser and ip inside private namespaces (``unshare``), so the host's own mounts and addresses
are never touched. The lab's failover drills run the same scripts under Heartbeat on the VMs.

Heartbeat's ResourceManager decides from a status's words: "running" (and not "not running") = held.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

SCRIPTS = Path(__file__).resolve().parents[3] / "templates" / "heartbeat" / "resource.d"
MOUNT = SCRIPTS / "ha-wizard-mount"
IP = SCRIPTS / "ha-wizard-ip"


def held(status_out: str) -> bool:
    """ResourceManager's we_own_resource, in Python: its case patterns on the status output."""
    if re.search(r"[Nn][Oo][Tt] *[Rr]unning", status_out):
        return False
    return bool(re.search(r"[Rr]unning|OK", status_out))


def in_namespace(kind: str, script: str) -> subprocess.CompletedProcess[str]:
    """``script`` (sh) in a new mount (-m) or network (-n) namespace; skipped where that is not allowed."""
    if os.geteuid() != 0 or shutil.which("unshare") is None:
        pytest.skip("needs root and unshare (private namespaces keep the host's mounts and addresses untouched)")
    args = ["unshare", kind, *(["--propagation", "private"] if kind == "-m" else []), "sh", "-c", script]
    probe = subprocess.run([*args[:-1], "true"], capture_output=True, text=True, check=False)
    if probe.returncode != 0:
        pytest.skip(f"unshare {kind} is not allowed here: {probe.stderr.strip()}")
    return subprocess.run(args, capture_output=True, text=True, check=False, timeout=120)


def steps(out: str) -> dict[str, tuple[int, str]]:
    """The ``@name rc output`` lines the namespace scripts print after each call."""
    found = {}
    for line in out.splitlines():
        if line.startswith("@"):
            name, rc, *said = line[1:].split(" ", 2)
            found[name] = (int(rc), said[0] if said else "")
    return found


def lifecycle(r: subprocess.CompletedProcess[str]) -> dict[str, tuple[int, str]]:
    """The calls every agent's run makes, as Heartbeat needs them: not held before (exit 3), start twice
    (the second does nothing), held (exit 0), and after stop not held, and a second stop succeeds."""
    got = steps(r.stdout)
    said = r.stdout + r.stderr
    assert got["before"][0] == 3 and not held(got["before"][1]), said
    assert got["start"][0] == 0 and got["again"][0] == 0, said
    assert got["running"][0] == 0 and held(got["running"][1]), said
    assert got["after"][0] == 3 and not held(got["after"][1]), said
    assert got["stop-again"][0] == 0, said
    return got


CALL = 'call() { name=$1; shift; out=$("$@" 2>&1); echo "@$name $? $(echo $out)"; }\n'


def test_mount_start_status_stop_and_busy_holders(tmp_path: Path) -> None:
    mp = tmp_path / "replicated"
    m = f"sh {MOUNT} tmpfs {mp} tmpfs"
    r = in_namespace("-m", CALL + f"""
        call before {m} status
        call start {m} start
        call again {m} start
        echo "@mounts 0 $(grep -c " {mp} " /proc/mounts)"
        call running {m} status
        (cd {mp} && exec sleep 300) & polite=$!
        sh -c 'trap "" TERM; cd {mp}; while :; do sleep 1; done' & stubborn=$!
        sleep 0.5
        call stop {m} stop
        sleep 0.2
        echo "@left 0 $(kill -0 $polite 2>/dev/null && echo polite) $(kill -0 $stubborn 2>/dev/null && echo stubborn)"
        call after {m} status
        call stop-again {m} stop
    """)
    got = lifecycle(r)
    assert got["mounts"] == (0, "1"), "a second start mounted it again"
    # busy: TERM three times (the sleeper goes), then KILL (the one that ignores TERM): handed over, unmounted
    assert got["stop"][0] == 0, r.stdout + r.stderr
    assert "sending TERM" in got["stop"][1] and "sending KILL" in got["stop"][1], got["stop"]
    assert got["left"][1].strip() == "", f"still alive after stop: {got['left'][1]}"


def test_mount_refuses_wrong_arguments() -> None:
    r = subprocess.run(["sh", str(MOUNT), "/dev/drbd0", "/replicated", "status"], capture_output=True, text=True,
                       check=False)
    assert r.returncode == 2 and "usage:" in r.stderr
    r = subprocess.run(["sh", str(MOUNT), "/dev/drbd0", "/replicated", "ext4", "reboot"], capture_output=True,
                       text=True, check=False)
    assert r.returncode == 2 and "usage:" in r.stderr


def test_address_start_status_stop() -> None:
    a = f"sh {IP} 10.99.0.100/24/lo"
    r = in_namespace("-n", CALL + f"""
        ip link set lo up
        call before {a} status
        call start {a} start
        call again {a} start
        echo "@addrs 0 $(ip -o -4 addr show dev lo | grep -c 'inet 10.99.0.100/24 brd 10.99.0.255')"
        call running {a} status
        call stop {a} stop
        echo "@gone 0 $(ip -o -4 addr show dev lo | grep -c 10.99.0.100)"
        call after {a} status
        call stop-again {a} stop
    """)
    got = lifecycle(r)
    assert got["addrs"] == (0, "1"), "the address is missing, or was added twice"
    assert got["stop"][0] == 0 and got["gone"] == (0, "0")


@pytest.mark.parametrize("spec", ["10.99.0.100/24", "10.99.0.100", "/24/eth1", "10.99.0.100//eth1"])
def test_address_refuses_a_spec_without_prefix_or_interface(spec: str) -> None:
    r = subprocess.run(["sh", str(IP), spec, "status"], capture_output=True, text=True, check=False)
    assert r.returncode == 2 and "ADDRESS/PREFIX/INTERFACE" in r.stderr, r.stderr
