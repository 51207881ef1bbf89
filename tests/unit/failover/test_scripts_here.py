"""The watcher and the writer scripts, really run on this machine (127.0.0.1): the writer's records are
fsynced and acknowledged over TCP, the watcher receives them, tails a log, sees the "mount" and the address,
probes a service, and checks every acknowledged record is in the file. Only DRBD is absent here."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

from wizard.failover import watcher, writer


def root_mount() -> tuple[str, str]:
    for line in Path("/proc/mounts").read_text().splitlines():
        dev, mp, *_ = line.split()
        if mp == "/":
            return dev, mp
    raise AssertionError("no / in /proc/mounts")


def test_writer_acknowledges_and_the_watcher_checks_every_record(tmp_path: Path) -> None:
    dev, mp = root_mount()
    log = tmp_path / "ha-log"
    log.write_text("old line\n")
    records = tmp_path / "records"
    cfg = watcher.WatcherConfig(
        out=str(tmp_path / "out.json"), state=str(tmp_path / "state.json"), listen="127.0.0.1", peer="127.0.0.1",
        log=str(log), minor=0, device=dev, mount_point=mp, vip="127.0.0.1", family="8.4", resource="r0",
        timeout=3.5, records=str(records),
        services=(watcher.ServiceProbe("echo", ("sh", "-c", "echo HTTP/1.1 200 OK"), "output-contains", ("HTTP/1.",)),))
    w = subprocess.Popen([sys.executable, "-c", watcher.SCRIPT, cfg.to_json()])
    try:
        for _ in range(100):
            if Path(cfg.state).exists():
                break
            time.sleep(0.05)
        port = json.loads(Path(cfg.state).read_text())["port"]
        subprocess.run([sys.executable, "-c", writer.SCRIPT, str(records), "127.0.0.1", str(port), "1.0"],
                       check=True, timeout=30)
        with log.open("a") as f:
            f.write("WARN: node node1: is dead\n")
        w.wait(timeout=30)
    finally:
        w.kill()
    raw = json.loads(Path(cfg.out).read_text())
    assert raw["acks"] > 5 and raw["last_ack"] is not None
    assert {"mount", "ip"} <= set(raw["first"]) and "promote" not in raw["first"]  # no DRBD here
    assert raw["records"]["missing_count"] == 0 and raw["records"]["acked"] == raw["acks"]
    assert raw["records"]["present"] >= raw["acks"]
    assert [line for _, line in raw["log"]] == ["WARN: node node1: is dead"]
    assert "echo" in raw["service_ok"] and raw["timed_out"]  # promote never came: it waited its time out


def test_the_watcher_appends_each_phase_as_it_sees_it(tmp_path: Path) -> None:
    """A hand-over watched with stand-in files: the event ("go"), the stack's log line, a service that starts
    answering. Each phase is appended to the progress file when first seen, with the event's time, and the
    result file says the same times."""
    dev, mp = root_mount()
    log, flag, go = tmp_path / "ha-log", tmp_path / "service-up", tmp_path / "go"
    log.write_text("")
    cfg = watcher.WatcherConfig(
        out=str(tmp_path / "out.json"), state=str(tmp_path / "state.json"), listen="127.0.0.1", peer="127.0.0.1",
        log=str(log), minor=0, device=dev, mount_point=mp, vip="127.0.0.1", family="8.4", resource="r0",
        timeout=4.0, go=str(go), progress=str(tmp_path / "progress"), detect=r"is dead",
        services=(watcher.ServiceProbe("svc", ("test", "-e", str(flag)), "exit-zero", ()),))
    w = subprocess.Popen([sys.executable, "-c", watcher.SCRIPT, cfg.to_json()])
    progress = Path(cfg.progress)
    try:
        for _ in range(100):
            if Path(cfg.state).exists():
                break
            time.sleep(0.05)
        time.sleep(0.3)
        go.touch()
        time.sleep(0.3)
        with log.open("a") as f:
            f.write("WARN: node node1: is dead\n")
        for _ in range(40):  # the detection is there before anything else happens
            if progress.exists() and "detection" in progress.read_text():
                break
            time.sleep(0.05)
        assert [json.loads(ln)["phase"] for ln in progress.read_text().splitlines()] == ["detection"]
        assert not Path(cfg.out).exists()  # live: the watcher is still watching
        flag.touch()
        w.wait(timeout=30)
    finally:
        w.kill()
    raw = json.loads(Path(cfg.out).read_text())
    lines = [json.loads(ln) for ln in progress.read_text().splitlines()]
    assert [d["phase"] for d in lines] == ["detection", "service:svc"]
    assert all(d["event"] == raw["event_go"] for d in lines)
    assert lines[1]["t"] == raw["service_ok"]["svc"]
    assert lines[0]["t"] == raw["log"][0][0] and raw["log"][0][1] == "WARN: node node1: is dead"
    # mount and address were there before the event: never reported as phases of it (the table says "never")
    assert set(raw["first"]) == {"mount", "ip"} and all(t < raw["event_go"] for t in raw["first"].values())
