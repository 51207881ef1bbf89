"""DRBD conditions on the real lab captures (8.4.11 /proc/drbd before, during and after a sync) and on
DRBD 9 JSON; the metadata probe against real drbdmeta output on a loop device."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from drbd_helpers import samples

from wizard.drbd import conditions as dc
from wizard.executors.base import Result
from wizard.executors.local import LocalExecutor
from wizard.flow.registry import conditions

CAPTURE = dict(samples("procdrbd-samples.txt"))
IDLE = CAPTURE["17:16:46.017670532 RATE=100M connected, idle (before primary) - node1"]
WFBITMAP = CAPTURE["17:16:48.225240781 t+.605495789s sample 1 - node1"]
SYNCING = CAPTURE["17:16:50.127224269 t+2.777443223s sample 2 - node1"]
DONE = CAPTURE["17:16:51.647479019 t+4.376105399s sample 4 - node1"]
PEER_AFTER = CAPTURE["17:16:52.822937314 node2 after sync"]
HEAD = "version: 8.4.11 (api:1/proto:86-101)\nsrcversion: F73C670A7EC572DB9CF3E5B \n"
STANDALONE = HEAD + " 0: cs:StandAlone ro:Secondary/Unknown ds:Inconsistent/DUnknown   r-----\n"
WFCONN = HEAD + " 0: cs:WFConnection ro:Secondary/Unknown ds:Inconsistent/DUnknown C r----s\n"
SYNCTARGET = HEAD + (" 0: cs:SyncTarget ro:Secondary/Primary ds:Inconsistent/UpToDate C r-----\n"
                     "    ns:0 nr:25600 dw:25600 dr:0 al:8 bm:0 lo:0 pe:1 ua:0 ap:0 ep:1 wo:f oos:39896\n")


def ev(name: str, text: str, *args: str, rc: int = 0) -> dc.Verdict:
    return conditions().evaluate(name, Result(rc, text), args)


def test_connected_on_every_sample_of_a_real_sync() -> None:
    for title, text in CAPTURE.items():
        assert ev("drbd-connected", text, "0").ok, title
        assert ev("drbd-up", text, "0").ok, title


def test_not_connected_yet_and_standalone_is_fatal() -> None:
    v = ev("drbd-connected", WFCONN, "0", "r0", "node2")
    assert not v.ok and not v.fatal and "WFConnection" in v.state
    v = ev("drbd-connected", STANDALONE, "0")
    assert not v.ok and "StandAlone" in v.fatal
    assert not ev("drbd-connected", "version: 8.4.11 (api:1/proto:86-101)\n", "0").ok
    assert not ev("drbd-up", STANDALONE, "0").ok


def test_promotable_only_while_the_peer_has_no_better_data() -> None:
    assert ev("drbd-promotable", IDLE, "0", "node2").ok
    assert ev("drbd-promotable", SYNCING, "0", "node2").ok  # already the source: harmless
    v = ev("drbd-promotable", SYNCTARGET, "0", "node2")
    assert not v.ok and "node2 already holds the good data" in v.fatal
    assert not ev("drbd-promotable", WFCONN, "0").ok


def test_good_data_and_role() -> None:
    assert not ev("drbd-good-data-here", IDLE, "0").ok
    assert ev("drbd-good-data-here", WFBITMAP, "0").ok
    assert ev("drbd-role", DONE, "0", "Primary").ok
    assert ev("drbd-role", PEER_AFTER, "0", "Secondary").ok and not ev("drbd-role", PEER_AFTER, "0", "Primary").ok


def test_skip_ready_only_for_a_fresh_pair() -> None:
    assert ev("drbd-skip-ready", IDLE, "0").ok
    assert "fresh pair" in ev("drbd-skip-ready", WFBITMAP, "0").fatal


def test_synced_reports_percent_speed_eta_on_the_capture() -> None:
    v = ev("drbd-synced", SYNCING, "0")
    assert not v.ok and not v.fatal
    assert v.percent == pytest.approx(100 * (64472 - 39896) / 64472, abs=0.01)
    assert v.speed_bytes_s == 24576 * 1024
    assert v.eta_s == pytest.approx(39896 / 24576, abs=0.01)
    done = ev("drbd-synced", DONE, "0")
    assert done.ok and done.percent == 100.0 and done.eta_s == 0.0


@pytest.mark.parametrize("capture", ["procdrbd-samples-rate10M.txt", "procdrbd-samples-defaultrate.txt"])
def test_progress_moves_forward_through_a_whole_capture(capture: str) -> None:
    seen = [ev("drbd-synced", text, "0") for title, text in samples(capture) if "node1" in title]
    percents = [v.percent for v in seen if v.percent is not None and not v.ok]
    assert percents == sorted(percents) and len(percents) >= 3
    assert all(v.speed_bytes_s for v in seen if v.percent is not None and not v.ok and v.percent > 0)


def test_a_stalled_sync_is_fatal(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = [1000.0]
    monkeypatch.setattr(dc.time, "monotonic", lambda: clock[0])
    assert not ev("drbd-synced", SYNCING, "0", "60").fatal
    clock[0] += 59
    assert not ev("drbd-synced", SYNCING, "0", "60").fatal
    clock[0] += 2
    assert "has not moved for 60 s" in ev("drbd-synced", SYNCING, "0", "60").fatal
    assert "StandAlone" in ev("drbd-synced", STANDALONE, "0").fatal


DRBD9 = [{"name": "r0", "role": "Primary", "devices": [{"volume": 0, "minor": 0, "disk-state": "UpToDate"}],
          "connections": [{"name": "node2", "connection-state": "Connected", "peer-role": "Secondary",
                           "peer_devices": [{"volume": 0, "replication-state": "SyncSource",
                                             "peer-disk-state": "Inconsistent", "out-of-sync": 27608,
                                             "rs-total": 128944, "db1/dt1 [MiB/s]": 17.48,
                                             "percent-resync-done": 57.18}]}]}]


def test_drbd9_json() -> None:
    text = json.dumps(DRBD9)
    assert ev("drbd-connected", text, "0").ok and ev("drbd-role", text, "0", "Primary").ok
    v = ev("drbd-synced", text, "0")
    assert not v.ok and v.percent == pytest.approx(100 * (64472 - 27608) / 64472, abs=0.01)
    assert v.speed_bytes_s == pytest.approx(17.48 * 1048576, rel=0.001)
    assert ev("drbd-connected", "version: 9.2.8 (api:2/proto:86-122)\n" + text, "0").ok


def md_text(state: str = "", magic: str = "", marker: str = "") -> str:
    return f"@@ha-wizard:state\n{state}\n@@ha-wizard:magic\n{magic}\n@@ha-wizard:marker\n{marker}"


def test_md_exists_rules() -> None:
    assert ev("drbd-md-exists", md_text(state=IDLE), "0").ok  # attached: metadata in use
    assert ev("drbd-md-exists", md_text(magic=" 83 74 02 6b", marker="created by ha-wizard"), "0").ok
    v = ev("drbd-md-exists", md_text(magic=" 83 74 02 6b"), "0")
    assert not v.ok and "earlier setup" in v.state  # create-md runs and asks before overwriting
    assert not ev("drbd-md-exists", md_text(magic=" 00 00 00 00", marker="x"), "0").ok
    assert ev("drbd-md-exists", md_text(state=json.dumps(DRBD9)), "0").ok


def test_blkid_type() -> None:
    assert ev("blkid-type", "ext4\n", "ext4").ok
    assert not ev("blkid-type", "ext3\n", "ext4").ok and not ev("blkid-type", "", "ext4", rc=2).ok


@pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("drbdmeta", path="/usr/sbin:/sbin")
                    or not Path("/dev/loop-control").exists(), reason="needs root, drbdmeta and loop devices")
def test_md_probe_script_on_a_real_superblock(tmp_path: Path) -> None:
    from wizard.drbd.steps import MD_PROBE

    img = tmp_path / "d.img"
    with open(img, "wb") as f:
        f.truncate((64 << 20) + 512)  # not a multiple of 4 KiB: the superblock sits on the last whole page
    dev = subprocess.run(["losetup", "-f", "--show", str(img)], capture_output=True, text=True).stdout.strip()
    if not dev:
        pytest.skip("no free loop device")
    marker = tmp_path / "marker"
    ex = LocalExecutor("node1")

    def probe() -> dc.Verdict:
        r = ex.probe(["sh", "-c", MD_PROBE, "sh", "8.4", "r0", dev, "end", str(marker)])
        return conditions().evaluate("drbd-md-exists", r, ("0",))

    try:
        assert probe().state == "no DRBD metadata"
        for fmt, extra in (("v08", []), ("v09", ["1"])):
            subprocess.run(["drbdmeta", "--force", "0", fmt, dev, "internal", "create-md", *extra], check=True,
                           capture_output=True, stdin=subprocess.DEVNULL)
            assert "earlier setup" in probe().state, fmt
        marker.write_text("created by ha-wizard\n")
        assert probe().ok
    finally:
        subprocess.run(["losetup", "-d", dev], check=False)
