"""The pair's live view (table): both nodes' probe outputs in, the rows, the banner and the warnings out.

DRBD text comes from the captures (the lab's real /proc/drbd samples, DRBD 9's status JSON); cl_status's
lines are the ones heartbeat 3.0.6 prints (tests/data/captures/cl-status-stopped.txt is a real one).
"""

from __future__ import annotations

import subprocess
import threading
from pathlib import Path

import pytest

from wizard.core.actions import Check
from wizard.executors.result import Result
from wizard.flow import registry
from wizard.flow.watch import PairWatch, watch
from wizard.heartbeat.pair_state import (
    RECOVER,
    PairState,
    Watched,
    node_state,
    offline,
    pair_probe,
    pair_state,
    rows,
    text,
)
from wizard.services.health import CONNECT

CAPTURES = Path(__file__).resolve().parents[2] / "data" / "captures"
APACHE = Check(("timeout", "5", "bash", "-c", CONNECT, "health", "80"), "service-answers", ("port 80",))
W = Watched("r0", 0, "/dev/drbd0", "/replicated", "10.99.0.100", "node1", (("apache2", APACHE),))
CONDITIONS = registry.conditions()


def sample(name: str, file: str = "procdrbd-samples.txt") -> str:
    """One '### ' section of a capture file, by the words in its title."""
    text = (CAPTURES / file).read_text()
    for block in text.split("### ")[1:]:
        title, _, body = block.partition("\n")
        if name in title:
            return body
    raise KeyError(name)


CONNECTED_1 = sample("sample 4 - node1")  # Connected Primary/Secondary UpToDate/UpToDate
CONNECTED_2 = CONNECTED_1.replace("ro:Primary/Secondary", "ro:Secondary/Primary")
SYNCING_1 = sample("sample 2 - node1")
STANDALONE = "version: 8.4.11 (api:1/proto:86-101)\n 0: cs:StandAlone ro:{} ds:UpToDate/DUnknown   r-----\n"
RUNNING = "Heartbeat is running on this machine.\nrc=0\n"
STOPPED = (CAPTURES / "cl-status-stopped.txt").read_text()
ANSWERS = "rc=0\n"
REFUSED = "health: connect: Connection refused\nhealth: line 1: /dev/tcp/127.0.0.1/80: Connection refused\nrc=1\n"
MOUNTED = "/dev/vda1 / ext4 rw 0 0\n/dev/drbd0 /replicated ext3 rw,relatime 0 0\n"
BARE = "/dev/vda1 / ext4 rw 0 0\n"
VIP = "2: eth1    inet 10.99.0.1/24 brd 10.99.0.255 scope global eth1\n" \
      "2: eth1    inet 10.99.0.100/24 brd 10.99.0.255 scope global secondary eth1\n"
NO_VIP = "2: eth1    inet 10.99.0.2/24 brd 10.99.0.255 scope global eth1\n"
SPLIT_LOG = "[ 812.1] block drbd0: Split-Brain detected but unresolved, dropping connection!\n"


def out(drbd: str, mounts: str, addr: str, hb: str, rsc: str, health: str = REFUSED, klog: str | None = None) -> Result:
    s = (f"@@ha-wizard:drbd\n{drbd}\n@@ha-wizard:mounts\n{mounts}@@ha-wizard:addr\n{addr}@@ha-wizard:hb\n{hb}"
         f"@@ha-wizard:rsc\n{rsc}")
    if klog is not None:
        s += f"@@ha-wizard:klog\n{klog}"
    return Result(0, s + f"@@ha-wizard:health apache2\n{health}")


ACTIVE = out(CONNECTED_1, MOUNTED, VIP, RUNNING, "all\nrc=0\n", ANSWERS)
STANDBY = out(CONNECTED_2, BARE, NO_VIP, RUNNING, "none\nrc=0\n")


def state(a: Result, b: Result) -> PairState:
    return pair_state([node_state("node1", a, W, CONDITIONS), node_state("node2", b, W, CONDITIONS)], W)


def table(ps: PairState) -> dict[str, tuple[str, ...]]:
    return {r[0]: tuple(r[1:]) for r in rows(ps)}


def test_a_healthy_pair() -> None:
    ps = state(ACTIVE, STANDBY)
    t = table(ps)
    assert t[""] == ("node1 (master)", "node2")
    assert t["DRBD role"] == ("Primary", "Secondary")
    assert t["connection"] == ("Connected", "Connected")
    assert t["disks"] == ("UpToDate/UpToDate", "UpToDate/UpToDate")
    assert t["resync"] == ("-", "-") and t["out of sync"] == ("0 KiB", "0 KiB")
    assert t["Heartbeat"] == ("running, holds all", "running, holds none")
    assert t["/replicated"] == ("/dev/drbd0", "not mounted")
    assert t["10.99.0.100"] == ("HERE", "-")
    assert t["apache2"] == ("answers", "down")  # down on the standby is as it should be
    assert (ps.banner, ps.warnings, ps.vip_holders, ps.serving) == ("", (), ["node1"], ["node1"])
    assert "resources on node1; 10.99.0.100 on node1" in text(ps)


def test_a_resync_in_progress() -> None:
    t = table(state(out(SYNCING_1, MOUNTED, VIP, RUNNING, "all\nrc=0\n", ANSWERS), STANDBY))
    assert t["resync"][0] == "43.8% 24.0 MiB/s, 0:00:01 left"
    assert t["out of sync"][0] == "39.0 MiB"  # 39896 KiB
    assert t["disks"][0] == "UpToDate/Inconsistent"


def test_drbd9_json_after_the_version_line() -> None:
    body = "version: 9.2.8 (api:2/proto:86-122)\n" + (CAPTURES / "drbd9-status-syncing.json").read_text()
    t = table(state(out(body, MOUNTED, VIP, RUNNING, "all\nrc=0\n", ANSWERS), STANDBY))
    assert t["DRBD role"][0] == "Primary"
    assert t["resync"][0].startswith("57.") and t["connection"][0] == "SyncSource"
    assert t["out of sync"][0] == "27.0 MiB"  # 27608 KiB


def test_split_brain_is_a_banner_with_the_recovery_command() -> None:
    a = out(STANDALONE.format("Primary/Unknown"), MOUNTED, VIP, RUNNING, "all\nrc=0\n", ANSWERS, klog=SPLIT_LOG)
    b = out(STANDALONE.format("Primary/Unknown"), MOUNTED, NO_VIP, RUNNING, "all\nrc=0\n", klog=SPLIT_LOG)
    ps = state(a, b)
    assert "SPLIT-BRAIN on r0" in ps.banner and RECOVER in ps.banner
    assert "node2's changes since the split would be DISCARDED" in ps.banner  # node1 held the address
    assert any("both nodes are DRBD Primary" in w for w in ps.warnings)
    lines = text(ps)
    assert lines[0].startswith("!! SPLIT-BRAIN") and all(len(ln) <= 80 for ln in lines)


def test_standalone_without_a_logged_split_brain() -> None:
    ps = state(ACTIVE, out(STANDALONE.format("Secondary/Unknown"), BARE, NO_VIP, RUNNING, "none\nrc=0\n", klog=""))
    assert ps.banner.startswith("DRBD is StandAlone on node2") and RECOVER in ps.banner


def test_a_dead_node_and_a_silent_service() -> None:
    ps = pair_state([node_state("node1", out(CONNECTED_1.replace("Connected", "WFConnection"), MOUNTED, VIP,
                                             RUNNING, "all\nrc=0\n", REFUSED), W, CONDITIONS),
                     offline("node2", "lost the SSH connection to node2 (Connection refused)")], W)
    t = table(ps)
    assert t["DRBD role"] == ("Primary", "NOT REACHABLE")
    assert "! node2: lost the SSH connection to node2 (Connection refused)" in text(ps)
    assert t["Heartbeat"] == ("running, holds all", "")
    assert t["apache2"] == ("NOT ANSWERING", "")
    assert ps.banner == ""  # half the pair unknown: no verdict on a split-brain
    assert ps.warnings == ("apache2 does not answer on node1, which holds the address: no answer yet "
                           "(port 80): health: line 1: /dev/tcp/127.0.0.1/80: Connection refused",)
    assert ps.to_json()["nodes"]["node2"] == {"node": "node2", "error": "lost the SSH connection to node2 "
                                                                          "(Connection refused)"}


def test_heartbeat_stopped_and_no_address_anywhere() -> None:
    stopped = out(CONNECTED_2, BARE, NO_VIP, STOPPED, STOPPED)
    ps = state(stopped, stopped)
    assert table(ps)["Heartbeat"] == ("not running", "not running")
    assert ps.warnings == ("the service address 10.99.0.100 is on no node: the service is down for its clients",)
    assert ps.serving == []


def test_a_timed_out_probe_is_no_answer() -> None:
    ns = node_state("node2", Result(124, "", "sh did not finish within 15 s on node2"), W, CONDITIONS)
    assert ns.error == "sh did not finish within 15 s on node2"


def test_the_probe_runs_here_and_reads_back() -> None:
    """The real shell script on this machine: every section there, nothing of DRBD or Heartbeat running."""
    r = subprocess.run(pair_probe(W.checks), capture_output=True, text=True, timeout=60)
    assert r.returncode == 0
    for name in ("drbd", "mounts", "addr", "hb", "rsc", "health apache2"):
        assert f"@@ha-wizard:{name}\n" in r.stdout
    ns = node_state("here", Result(r.returncode, r.stdout, r.stderr), W, CONDITIONS)
    assert not ns.error and ns.device is None and not ns.has_vip
    assert dict(ns.health)["apache2"].state.startswith(("answers", "no answer"))


class Canned:
    """An executor that answers every probe with the same text and counts the probes."""

    def __init__(self, node: str, result: Result) -> None:
        self.node, self.result, self.probes, self.closed = node, result, 0, False

    def probe(self, argv: object, *, timeout: float = 30.0) -> Result:
        self.probes += 1
        return self.result

    def close(self) -> None:
        self.closed = True


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        self.now += 0.25  # each read "takes" a quarter second
        return self.now


class Waits(threading.Event):
    def __init__(self) -> None:
        super().__init__()
        self.waited: list[float] = []

    def wait(self, timeout: float | None = None) -> bool:
        self.waited.append(timeout or 0.0)
        return False


@pytest.mark.parametrize("count", [1, 3])
def test_watch_refreshes_at_most_once_a_second(count: int) -> None:
    exs = {"node1": Canned("node1", ACTIVE), "node2": Canned("node2", STANDBY)}
    pw = PairWatch(exs, W)  # type: ignore[arg-type]
    shown: list[PairState] = []
    stop = Waits()
    assert watch(pw, shown.append, stop=stop, count=count, clock=Clock()) == count
    assert [e.probes for e in exs.values()] == [count, count]  # one probe per node and refresh
    assert stop.waited == [0.75] * (count - 1)  # the rest of the second, after a read that took 0.25 s
    assert shown[-1].serving == ["node1"]


class Hung(Canned):
    """A node that does not answer until released (its power cut, the link gone)."""

    def __init__(self, node: str, result: Result) -> None:
        super().__init__(node, result)
        self.release = threading.Event()

    def probe(self, argv: object, *, timeout: float = 30.0) -> Result:
        self.probes += 1
        self.release.wait(10)
        return self.result


def test_a_hung_node_does_not_freeze_the_other(monkeypatch: pytest.MonkeyPatch) -> None:
    import wizard.flow.watch as watch_mod

    monkeypatch.setattr(watch_mod, "WAIT_S", 0.05)
    hung = Hung("node1", ACTIVE)
    pw = PairWatch({"node1": hung, "node2": Canned("node2", STANDBY)}, W)  # type: ignore[dict-item]
    try:
        for _ in range(3):
            ps = pw.read()
            assert ps.nodes[0].error.startswith("no answer for") and ps.nodes[1].role == "Secondary"
        assert hung.probes == 1  # never a second probe while the first is out
        monkeypatch.setattr(watch_mod, "WAIT_S", 600.0)  # a node already stuck is not waited for again
        later = threading.Thread(target=pw.read, daemon=True)
        later.start()
        later.join(30)
        assert not later.is_alive()
        hung.release.set()
        pw._flying["node1"].thread.join(5)
        assert pw.read().nodes[0].role == "Primary"
    finally:
        hung.release.set()


def test_a_watch_opened_while_the_peer_is_down_shows_this_node_and_picks_the_peer_up() -> None:
    """Right after a power cut the survivor's status view still shows what it holds: the peer's connection
    fails to open (shown as not reachable) and is tried again at the next refresh, until it answers."""
    from wizard.errors import UnreachableError
    from wizard.executors.dryrun import DryRunExecutor
    from wizard.flow.watch import _PeerWhenUp

    tries: list[int] = []
    later = Canned("node2", STANDBY)

    def open_peer() -> Canned:
        tries.append(1)
        if len(tries) <= 2:
            raise UnreachableError("cannot reach node2 at root@10.99.0.2 over SSH (ssh: connect to host "
                                   "10.99.0.2 port 22: No route to host): check the address")
        return later

    peer = _PeerWhenUp("node2", "root@10.99.0.2", open_peer)  # type: ignore[arg-type]
    pw = PairWatch({"node1": Canned("node1", ACTIVE), "node2": DryRunExecutor("node2", peer)}, W)  # type: ignore[dict-item]
    assert len(tries) == 1  # tried when the watch opened
    first = pw.read()
    assert first.serving == ["node1"]
    down = next(n for n in first.nodes if n.node == "node2")
    assert down.error.startswith("cannot reach node2 at root@10.99.0.2 over SSH") and "check" not in down.error
    assert len(tries) == 2  # and again at this refresh's probe, which failed the same way
    second = pw.read()
    assert len(tries) == 3 and not next(n for n in second.nodes if n.node == "node2").error
    pw.close()
    assert later.closed
