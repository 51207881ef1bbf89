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
