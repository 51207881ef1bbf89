"""`ha-wizard status --proc-drbd FILE`, and the link measurement helpers (plus one real loopback run)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from drbd_helpers import samples

from wizard.drbd import linkspeed
from wizard.executors.local import LocalExecutor

ROOT = Path(__file__).resolve().parents[3]


def ha_wizard(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "wizard", *args], capture_output=True, text=True, cwd=ROOT,
                          timeout=60)


def test_status_parses_a_saved_proc_drbd(tmp_path: Path) -> None:
    (title, text) = samples("procdrbd-samples.txt")[2]
    f = tmp_path / "proc_drbd.txt"
    f.write_text(text)
    r = ha_wizard("status", "--proc-drbd", str(f), "--json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout) == {"version": "8.4.11", "devices": [{
        "minor": 0, "cs": "SyncSource", "roles": ["Primary", "Secondary"],
        "disk_states": ["UpToDate", "Inconsistent"], "protocol": "C", "sync_percent": 43.8,
        "oos_kib": 39896, "speed_kib_s": 24576, "finish": "0:00:01"}]}
    text_out = ha_wizard("status", "--proc-drbd", str(f)).stdout
    assert "SyncSource" in text_out and "sync 43.8%" in text_out


def test_status_missing_file_is_one_sentence(tmp_path: Path) -> None:
    r = ha_wizard("status", "--proc-drbd", str(tmp_path / "nope"))
    assert r.returncode == 1 and "cannot read" in r.stderr and "Traceback" not in r.stderr


def test_listening_ports() -> None:
    text = ("  sl  local_address rem_address   st tx_queue rx_queue\n"
            "   0: 0100007F:1E6C 00000000:0000 0A 00000000:00000000 00:00000000 00000000\n"
            "   1: 0100007F:1E6D 0200007F:0016 01 00000000:00000000 00:00000000 00000000\n")
    assert linkspeed.listening_ports(text) == {7788}


@pytest.mark.skipif(shutil.which("perl") is None, reason="needs perl")
def test_measure_over_loopback() -> None:
    ex = LocalExecutor("node1")
    m = linkspeed.measure_link(ex, LocalExecutor("node2"), "127.0.0.1", [47788, 47789], seconds=0.5)
    assert m.bytes > 0 and 0.3 < m.seconds < 2 and m.bytes_per_s > 1 << 20
    assert "MiB/s" in m.describe()


@pytest.mark.skipif(shutil.which("perl") is None, reason="needs perl")
def test_measure_refuses_an_address_the_receiver_does_not_have() -> None:
    ex = LocalExecutor("node1")
    with pytest.raises(linkspeed.LinkMeasureError) as e:
        linkspeed.measure_link(ex, LocalExecutor("node2"), "192.0.2.1", [47790], seconds=0.2, connect_wait=1)
    assert "192.0.2.1 is not an address of node2" in str(e.value)


def test_replication_link_not_on_this_host_is_a_note() -> None:
    from wizard.core.answers import load_answers

    spec, _ = load_answers(ROOT / "examples" / "lab.toml")  # 10.99.0.x: not addresses of this machine
    rate, note = linkspeed.measure_replication_link(spec, {"node1": LocalExecutor("node1"),
                                                           "node2": LocalExecutor("node2")}, seconds=0.2)
    assert rate is None and "not measured" in note and "10.99.0.2 is not an address of node2" in note
