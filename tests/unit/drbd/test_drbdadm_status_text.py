"""`drbdadm status` text (DRBD 9.0-9.2), plain and --verbose --statistics, from public pastes (origins in
tests/data/captures/README.md), and the strict reading of a saved status file."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from wizard.drbd.state import parse_drbdsetup_status_json
from wizard.drbd.status_read import NOT_STATUS, read_saved_status, status_format
from wizard.errors import WizardError

ROOT = Path(__file__).resolve().parents[3]
DATA = ROOT / "tests" / "data" / "captures"


def sections(name: str) -> list[str]:
    """The body of each "### origin" section."""
    return [chunk.partition("\n")[2] for chunk in (DATA / name).read_text().split("### ")[1:]]


PLAIN = sections("drbdadm-status-9-samples.txt")
VERBOSE = sections("drbdsetup-status-verbose-samples.txt")

# (cs, roles, disk_states, sync %, peers as (name, connection, role, peer_disk, replication, done))
PLAIN_EXPECTED = [
    ("Connecting", ("Secondary", "Unknown"), ("Inconsistent", "DUnknown"), None,
     [("d52-54-77-77-01-01", "Connecting", "Unknown", "DUnknown", "Off", None)]),
    ("SyncTarget", ("Secondary", "Primary"), ("Inconsistent", "UpToDate"), 0.08,
     [("d52-54-77-77-01-01", "Connected", "Primary", "UpToDate", "SyncTarget", 0.08)]),
    ("Connected", ("Secondary", "Primary"), ("UpToDate", "UpToDate"), None,
     [("d52-54-77-77-01-01", "Connected", "Primary", "UpToDate", "Established", None)]),
    ("Connected", ("Primary", "Secondary"), ("UpToDate", "UpToDate"), None,
     [("kube-node-1", "Connected", "Secondary", "UpToDate", "Established", None),
      ("kube-node-6", "Connected", "Secondary", "UpToDate", "Established", None)]),
    ("Connected", ("Secondary", "Secondary"), ("UpToDate", "UpToDate"), None,
     [("kube-node-1", "Connected", "Secondary", "UpToDate", "Established", None),
      ("kube-node-2", "Connected", "Primary", "UpToDate", "Established", None)]),
    ("Connected", ("Secondary", "Secondary"), ("Inconsistent", "UpToDate"), None,
     [("m10c41", "Connected", "Secondary", "UpToDate", "Established", None),
      ("m11c4", "Connected", "Primary", "Diskless", "Established", None)]),
    ("Connected", ("Primary", "Secondary"), ("UpToDate", "UpToDate"), None,
     [("node-b", "Connected", "Secondary", "UpToDate", "Established", None)]),
]


def peers(dev) -> list[tuple]:  # type: ignore[no-untyped-def]
    return [(p.name, p.connection, p.role, p.peer_disk, p.replication, p.done) for p in dev.peers]


@pytest.mark.parametrize(("body", "exp"), list(zip(PLAIN, PLAIN_EXPECTED, strict=True)),
                         ids=[f"plain-{i}" for i in range(len(PLAIN))])
def test_plain_drbdadm_status(body: str, exp: tuple) -> None:  # type: ignore[type-arg]
    assert status_format(body) == "drbdadm"
    (dev,) = read_saved_status(body).devices
    assert (dev.cs, dev.roles, dev.disk_states, dev.sync_percent, peers(dev)) == exp
    assert dev.minor == -1 and dev.to_json()["minor"] is None  # plain status prints no minor


def test_verbose_statistics_flattened_paste_9_0_23() -> None:
    (dev,) = read_saved_status(VERBOSE[0]).devices
    assert (dev.minor, dev.resource, dev.cs, dev.roles, dev.disk_states, dev.oos_kib) == \
        (8, "r008", "Connected", ("Primary", "Secondary"), ("UpToDate", "UpToDate"), 12)
    assert peers(dev) == [("fs100", "Connected", "Secondary", "UpToDate", "Established", None)]


def test_verbose_statistics_two_volumes_9_0_6() -> None:
    devs = read_saved_status(VERBOSE[1]).devices
    assert [(d.minor, d.volume, d.resource, d.cs) for d in devs] == \
        [(0, 0, ".drbdctrl", "Connected"), (1, 1, ".drbdctrl", "Connected")]
    assert all(peers(d) == [("tom", "Connected", "Secondary", "UpToDate", "Established", None)] for d in devs)


def test_verbose_three_nodes_syncing_keeps_each_peer() -> None:
    (dev,) = read_saved_status(VERBOSE[2]).devices
    assert (dev.cs, dev.roles, dev.disk_states, dev.sync_percent, dev.oos_kib, dev.finish) == \
        ("SyncSource", ("Primary", "Secondary"), ("UpToDate", "Inconsistent"), 57.18, 27608, "0:00:02")
    assert dev.speed_kib_s == round(17.48 * 1024)
    assert peers(dev) == [("node2", "Connected", "Secondary", "Inconsistent", "SyncSource", 57.18),
                          ("node3", "Connected", "Secondary", "UpToDate", "Established", None)]


def test_json_keeps_every_peer() -> None:
    text = (DATA / "drbd9-status-syncing.json").read_text()
    res = json.loads(text)
    third = json.loads(json.dumps(res[0]["connections"][0]))
    third |= {"name": "node3", "peer-node-id": 2}
    third["peer_devices"][0] |= {"replication-state": "Established", "peer-disk-state": "UpToDate"}
    res[0]["connections"].append(third)
    (dev,) = parse_drbdsetup_status_json(json.dumps(res)).devices
    assert [p.name for p in dev.peers] == ["node2", "node3"]
    assert [p.replication for p in dev.peers] == ["SyncSource", "Established"]


@pytest.mark.parametrize("text", [
    "", "hello world\n", "Traceback (most recent call last):\n", "[1, 2, 3]\n", "{\"a\": 1}\n", "[not json\n",
    "r0: role:Primary\n", "  disk:UpToDate\n",
])
def test_unrecognised_input_is_an_error(text: str) -> None:
    with pytest.raises(WizardError) as e:
        read_saved_status(text, "f.txt")
    assert e.value.exit_code == 2 and str(e.value) == f"f.txt: {NOT_STATUS}"


def test_no_drbd_configured_is_recognised_and_empty() -> None:
    assert read_saved_status("# No currently configured DRBD found.\n").devices == ()


def _status(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "wizard", "status", "--proc-drbd", str(path), "--json"],
                          capture_output=True, text=True, cwd=ROOT, timeout=60)


def test_cli_reads_drbdadm_status_and_refuses_other_text(tmp_path: Path) -> None:
    f = tmp_path / "status.txt"
    f.write_text(PLAIN[1])
    r = _status(f)
    assert r.returncode == 0, r.stderr
    (dev,) = json.loads(r.stdout)["devices"]
    assert dev["roles"] == ["Secondary", "Primary"] and dev["disk_states"] == ["Inconsistent", "UpToDate"]
    assert dev["sync_percent"] == 0.08 and dev["peers"][0]["replication"] == "SyncTarget"
    f.write_text("this is a shopping list\nmilk\n")
    r = _status(f)
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert NOT_STATUS in r.stderr and r.stdout == ""
