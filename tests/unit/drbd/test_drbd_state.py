"""/proc/drbd, drbdsetup status --json, events2, and progress_from.

The lab captures are split on their "### " lines and every sample is checked; the expected values
below were read off the capture text by hand.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from wizard.drbd.state import (
    CONNECTION_STATES,
    DrbdDevice,
    parse_drbdsetup_status_json,
    parse_events2,
    parse_proc_drbd,
    progress_from,
)

DATA = Path(__file__).resolve().parents[2] / "data" / "captures"


def samples(name: str) -> list[tuple[str, str]]:
    """(title, body) per "### title" section."""
    out = []
    for chunk in (DATA / name).read_text().split("### ")[1:]:
        title, _, body = chunk.partition("\n")
        out.append((title, body))
    return out


PS, UI, UU = ("Primary", "Secondary"), ("UpToDate", "Inconsistent"), ("UpToDate", "UpToDate")
# cs, roles, disk_states, sync_percent, oos_kib, speed_kib_s, finish; None = a chunk with no device
Exp = tuple[str, tuple[str, str], tuple[str, str], float | None, int, int | None, str | None] | None
IDLE: Exp = ("Connected", ("Secondary", "Secondary"), ("Inconsistent", "Inconsistent"), None, 64472, None, None)
BITMAP: Exp = ("WFBitMapS", PS, UI, None, 64472, None, None)
DONE: Exp = ("Connected", PS, UU, None, 0, None, None)
TAIL: list[Exp] = [None, ("Connected", ("Secondary", "Primary"), UU, None, 0, None, None), DONE]


def sync(pct: float, oos: int, speed: int, finish: str) -> Exp:
    return ("SyncSource", PS, UI, pct, oos, speed, finish)


LAB: dict[str, list[Exp]] = {
    "procdrbd-samples-defaultrate.txt": [
        IDLE, BITMAP,
        sync(6.3, 64252, 220, "0:02:40"), sync(6.3, 63724, 748, "0:01:19"), sync(6.3, 62908, 780, "0:01:18"),
        sync(6.3, 61804, 1332, "0:00:44"), sync(12.5, 60208, 1420, "0:00:41"),
        sync(12.5, 58528, 1484, "0:00:39"), sync(18.8, 56216, 2064, "0:00:26"),
        sync(18.8, 53936, 2104, "0:00:24"), sync(25.0, 50912, 2260, "0:00:22"),
        sync(31.3, 48008, 2744, "0:00:17"), sync(37.5, 44760, 2816, "0:00:15"),
        sync(37.5, 41336, 2892, "0:00:14"), sync(43.8, 36912, 3444, "0:00:10"),
        sync(50.0, 32808, 3516, "0:00:09"), sync(62.5, 27656, 3680, "0:00:07"),
        sync(68.8, 22928, 4152, "0:00:05"), sync(75.0, 17368, 4280, "0:00:03"),
        sync(87.5, 11480, 4416, "0:00:02"), sync(93.8, 6056, 4868, "0:00:01"), sync(100.0, 0, 4956, "0:00:00"),
        DONE, *TAIL,
    ],
    "procdrbd-samples-rate10M.txt": [
        IDLE, BITMAP, sync(12.5, 58764, 5708, "0:00:09"), sync(31.3, 45952, 18520, "0:00:02"),
        sync(62.5, 25972, 19248, "0:00:01"), sync(87.5, 12028, 17480, "0:00:00"), DONE, *TAIL,
    ],
    "procdrbd-samples.txt": [
        IDLE, BITMAP, sync(43.8, 39896, 24576, "0:00:01"), sync(81.3, 15392, 24540, "0:00:00"), DONE, *TAIL,
    ],
}
LAB_CASES = [(name, i, title, body, LAB[name][i])
             for name in LAB for i, (title, body) in enumerate(samples(name))]


def test_every_lab_sample_has_an_expectation() -> None:
    for name, expected in LAB.items():
        assert len(samples(name)) == len(expected), name


@pytest.mark.parametrize(("name", "index", "title", "body", "exp"), LAB_CASES,
                         ids=[f"{c[0][17:-4]}-{c[1]}" for c in LAB_CASES])
def test_lab_samples(name: str, index: int, title: str, body: str, exp: Exp) -> None:
    status = parse_proc_drbd(body)
    if exp is None:  # "### SYNC_DONE_SECS=..." marker lines
        assert status.devices == () and status.version is None
        return
    assert status.version == "8.4.11" and status.api == 1
    (dev,) = status.devices
    cs, roles, disks, pct, oos, speed, finish = exp
    assert (dev.minor, dev.cs, dev.roles, dev.disk_states, dev.protocol) == (0, cs, roles, disks, "C")
    assert (dev.sync_percent, dev.oos_kib, dev.speed_kib_s, dev.finish) == (pct, oos, speed, finish)
    assert dev.total_kib == (64472 if cs == "SyncSource" else None)
    assert dev.counter("oos") == oos and dev.counter("ep") == 1
    if cs == "SyncSource":  # the source reads what it sends and writes nothing during the initial sync
        assert dev.counter("ns") == dev.counter("dr") and dev.counter("dw") == 0


def test_json_shape() -> None:
    (_, body) = samples("procdrbd-samples-rate10M.txt")[2]
    assert parse_proc_drbd(body).to_json() == {
        "version": "8.4.11",
        "devices": [{"minor": 0, "cs": "SyncSource", "roles": ["Primary", "Secondary"],
                     "disk_states": ["UpToDate", "Inconsistent"], "protocol": "C", "sync_percent": 12.5,
                     "oos_kib": 58764, "speed_kib_s": 5708, "finish": "0:00:09"}],
    }


def test_tutorial_samples() -> None:
    (_, idle), (_, syncing) = samples("procdrbd-tutorial.txt")
    (dev,) = parse_proc_drbd(idle).devices
    assert (dev.cs, dev.roles, dev.disk_states, dev.protocol, dev.oos_kib) == (
        "Connected", ("Secondary", "Secondary"), ("Inconsistent", "Inconsistent"), None, None)
    assert dev.counter("ap") == 0 and dev.counter("used") is None  # resync:/act_log: lines ignored
    st = parse_proc_drbd(syncing)
    assert st.version is None
    (dev,) = st.devices
    assert (dev.cs, dev.roles, dev.disk_states) == ("SyncSource", ("Primary", "Secondary"), UI)
    assert (dev.sync_percent, dev.oos_kib, dev.total_kib) == (2.3, 3083548, 3148572)
    assert (dev.speed_kib_s, dev.finish, dev.counter("ns"), dev.counter("pe")) == (10836, "0:04:43", 65216, 7)


_VARIANTS = samples("procdrbd-variants.txt")


class _Variants:
    def __getitem__(self, prefix: str) -> str:
        (body,) = [body for title, body in _VARIANTS if title.startswith(prefix)]
        return body


VARIANTS = _Variants()


def test_variant_8_3_want() -> None:
    st = parse_proc_drbd(VARIANTS["8.3 SyncTarget, want"])
    (dev,) = st.devices
    assert (st.version, st.api) == ("8.3.13", 88)
    assert (dev.cs, dev.roles, dev.disk_states) == ("SyncTarget", ("Secondary", "Primary"),
                                                    ("Inconsistent", "UpToDate"))
    assert (dev.sync_percent, dev.oos_kib, dev.total_kib) == (75.1, 1048576, 4194304)
    assert (dev.speed_kib_s, dev.want_kib_s, dev.finish) == (51200, 51200, "0:00:20")


def test_variant_megabyte_units_on_one_line() -> None:
    (dev,) = parse_proc_drbd(VARIANTS["8.4.3 resync over 4 GiB"]).devices
    assert (dev.minor, dev.sync_percent, dev.total_kib, dev.left_kib) == (1, 20.1, 10240 * 1024, 8192 * 1024)
    assert (dev.oos_kib, dev.finish, dev.speed_kib_s) == (8388608, "0:02:43", 51200)


def test_variant_several_minors() -> None:
    st = parse_proc_drbd(VARIANTS["8.4.11 several minors"])
    assert [(d.minor, d.cs, d.protocol, d.oos_kib) for d in st.devices] == [
        (0, "Connected", "C", 0), (1, "Unconfigured", None, None), (3, "StandAlone", None, 0),
        (4, "Ahead", "A", 32768)]
    three, one = st.device(3), st.device(1)
    assert three is not None and three.disk_states == ("UpToDate", "DUnknown")
    assert one is not None and one.roles == ()
    assert st.device(2) is None


@pytest.mark.parametrize(
    ("key", "cs", "disks", "oos", "pct", "left"),
    [
        ("8.4.11 WFConnection after the peer was lost", "WFConnection", ("UpToDate", "DUnknown"), 80, None, None),
        ("8.4.11 PausedSyncT (paused by the user)", "PausedSyncT", ("Inconsistent", "UpToDate"), 43992, None,
         None),
        ("8.4.11 VerifyS", "VerifyS", UU, 0, 25.0, 51704),
        ("8.4.11 SyncTarget stalled (no progress for over 3 minutes)", "SyncTarget", ("Inconsistent", "UpToDate"),
         12028, 87.5, 12028),
        ("8.0 st", "SyncTarget", ("Inconsistent", "UpToDate"), 524288, 50.2, 524288),  # no oos: -> progress line
    ],
)
def test_variants(key: str, cs: str, disks: tuple[str, str], oos: int, pct: float | None,
                  left: int | None) -> None:
    (dev,) = parse_proc_drbd(VARIANTS[key]).devices
    assert (dev.cs, dev.disk_states, dev.oos_kib, dev.sync_percent, dev.left_kib) == (cs, disks, oos, pct, left)


def test_variant_0_7_local_disk_only() -> None:
    st = parse_proc_drbd(VARIANTS["0.7"])
    (dev,) = st.devices
    assert (st.version, st.api, dev.roles, dev.disk_states) == ("0.7.25", 79, PS, ("Consistent",))


def test_drbd9_proc_has_only_the_version() -> None:
    st = parse_proc_drbd(VARIANTS["DRBD 9"])
    assert (st.version, st.api, st.devices) == ("9.2.8", 2, ())


@pytest.mark.parametrize("state", CONNECTION_STATES)
def test_every_connection_state(state: str) -> None:
    (dev,) = parse_proc_drbd(f" 0: cs:{state} ro:Primary/Unknown ds:UpToDate/DUnknown C r-----\n"
                             "    ns:0 nr:0 dw:0 dr:0 al:0 bm:0 lo:0 pe:0 ua:0 ap:0 ep:1 wo:f oos:0\n").devices
    assert dev.cs == state and dev.roles == ("Primary", "Unknown")


@pytest.mark.parametrize("word", ["sync'ed", "synced", "verified"])
def test_progress_line_spellings(word: str) -> None:
    text = (" 0: cs:SyncTarget ro:Secondary/Primary ds:Inconsistent/UpToDate C r-----\n"
            "    ns:0 nr:1024 dw:1024 dr:0 al:0 bm:0 lo:0 pe:0 ua:0 ap:0 ep:1 wo:f oos:3072\n"
            f"\t[====>...............] {word}: 25.0% (3072/4096)K\n"
            "\tfinish: 0:00:03 speed: 1,024 (1,024) K/sec\n")
    (dev,) = parse_proc_drbd(text).devices
    assert (dev.sync_percent, dev.left_kib, dev.total_kib, dev.speed_kib_s) == (25.0, 3072, 4096, 1024)


def test_garbage_does_not_crash() -> None:
    assert parse_proc_drbd("").devices == ()
    assert parse_proc_drbd("cat: /proc/drbd: No such file or directory\n").version is None


# --- DRBD 9 ----------------------------------------------------------------------------------------


def test_status_json_syncing() -> None:
    st = parse_drbdsetup_status_json((DATA / "drbd9-status-syncing.json").read_text(), version="9.2.8")
    (dev,) = st.devices
    assert (dev.resource, dev.minor, dev.cs, dev.roles, dev.disk_states, dev.protocol) == (
        "r0", 0, "SyncSource", PS, UI, None)
    assert (dev.sync_percent, dev.oos_kib, dev.total_kib) == (57.18, 27608, 128944 // 2)
    assert (dev.speed_kib_s, dev.finish) == (round(17.48 * 1024), "0:00:02")
    assert st.to_json()["version"] == "9.2.8"


def test_status_json_two_resources() -> None:
    st = parse_drbdsetup_status_json((DATA / "drbd9-status-two-resources.json").read_text())
    assert [(d.resource, d.minor, d.cs, d.roles, d.disk_states, d.oos_kib, d.sync_percent) for d in st.devices] == [
        ("r0", 0, "Connected", PS, UU, 0, None),
        ("r1", 1, "Connecting", ("Secondary", "Unknown"), ("Inconsistent", "DUnknown"), 131032, None)]


def test_events2_syncing() -> None:
    (dev,) = parse_events2((DATA / "drbd9-events2-syncing.txt").read_text()).devices
    assert (dev.resource, dev.minor, dev.cs, dev.roles, dev.disk_states) == ("r0", 0, "SyncSource", PS, UI)
    assert (dev.sync_percent, dev.oos_kib, dev.speed_kib_s, dev.finish) == (57.18, 27608, 17900, "0:00:02")


def test_events2_replays_changes() -> None:
    text = (DATA / "drbd9-events2-follow.txt").read_text()
    lines = text.splitlines()
    (start,) = parse_events2("\n".join(lines[:5])).devices
    assert (start.cs, start.roles, start.disk_states, start.oos_kib) == (
        "Connected", ("Secondary", "Secondary"), ("Inconsistent", "Inconsistent"), 64472)
    (mid,) = parse_events2("\n".join(lines[:8])).devices
    assert (mid.cs, mid.roles, mid.disk_states, mid.sync_percent, mid.finish) == ("SyncSource", PS, UI, 0.0, None)
    (end,) = parse_events2(text).devices  # the stale done:/dbdt1:/eta:nan of the resync are dropped
    assert (end.cs, end.roles, end.disk_states, end.oos_kib, end.sync_percent, end.speed_kib_s) == (
        "Connected", PS, UU, 0, None, None)


def test_events2_destroy() -> None:
    text = ("exists resource name:r0 role:Secondary suspended:no\n"
            "exists device name:r0 volume:0 minor:0 disk:Diskless client:no quorum:yes\n"
            "exists -\n"
            "destroy device name:r0 volume:0 minor:0\n")
    assert parse_events2(text).devices == ()


# --- progress ---------------------------------------------------------------------------------------


def test_progress_is_computed_not_the_printed_percent() -> None:
    (_, body) = samples("procdrbd-samples-defaultrate.txt")[2]
    (dev,) = parse_proc_drbd(body).devices
    p = progress_from(dev, None, now=10.0)
    assert dev.sync_percent == 6.3  # what DRBD prints...
    assert p.percent == pytest.approx(100 * (64472 - 64252) / 64472)  # ...and what is true: 0.34 %
    assert (p.oos_bytes, p.total_bytes, p.speed_bytes_s) == (64252 * 1024, 64472 * 1024, 220 * 1024)
    assert p.eta_seconds == pytest.approx(64252 / 220)
    assert (p.state, p.done, p.at) == ("SyncSource", False, 10.0)


def test_progress_speed_from_oos_delta_when_not_printed() -> None:
    s2, s3 = samples("procdrbd-samples-rate10M.txt")[2:4]
    t2, t3 = 1.287261222, 2.339134227  # "t+..." in the sample titles
    assert f"t+{t2}"[:-1] in s2[0] and f"t+{t3}" in s3[0]

    def no_speed(body: str) -> DrbdDevice:
        (dev,) = parse_proc_drbd("\n".join(ln for ln in body.splitlines() if "finish:" not in ln)).devices
        return dev

    first = progress_from(no_speed(s2[1]), None, now=t2)
    assert first.speed_bytes_s is None and first.eta_seconds is None
    second = progress_from(no_speed(s3[1]), first, now=t3)
    speed = (58764 - 45952) * 1024 / (t3 - t2)
    assert second.speed_bytes_s == pytest.approx(speed)
    assert second.eta_seconds == pytest.approx(45952 * 1024 / speed)


def test_progress_done_and_other_states() -> None:
    done = progress_from(parse_proc_drbd(samples("procdrbd-samples.txt")[4][1]).devices[0], None, 1.0)
    assert (done.done, done.percent, done.eta_seconds, done.oos_bytes) == (True, 100.0, 0.0, 0)
    idle = progress_from(parse_proc_drbd(samples("procdrbd-samples.txt")[0][1]).devices[0], None, 0.0)
    assert (idle.done, idle.percent, idle.eta_seconds, idle.oos_bytes) == (False, None, None, 64472 * 1024)
    stalled = progress_from(parse_proc_drbd(VARIANTS["8.4.11 SyncTarget stalled (no progress for over 3 minutes)"])
                            .devices[0], None, 0.0)
    assert stalled.speed_bytes_s == 0.0 and stalled.eta_seconds == 1 * 3600 + 35 * 60 + 13  # from "finish:"
    verify = progress_from(parse_proc_drbd(VARIANTS["8.4.11 VerifyS"]).devices[0], None, 0.0)
    assert verify.done and verify.percent == pytest.approx(100 * (64472 - 51704) / 64472)
    assert verify.eta_seconds == pytest.approx(51704 / 10240)


def test_progress_tutorial_and_drbd9() -> None:
    (dev,) = parse_proc_drbd(samples("procdrbd-tutorial.txt")[1][1]).devices
    p = progress_from(dev, None, 0.0)
    assert p.percent == pytest.approx(100 * (3148572 - 3083548) / 3148572)
    assert p.eta_seconds == pytest.approx(3083548 / 10836)  # DRBD printed 0:04:43 = 283 s
    (dev9,) = parse_drbdsetup_status_json((DATA / "drbd9-status-syncing.json").read_text()).devices
    p9 = progress_from(dev9, None, 0.0)
    assert p9.percent == pytest.approx(100 * (64472 - 27608) / 64472)  # 57.18 printed
    assert p9.total_bytes == 64472 * 1024 and p9.oos_bytes == 27608 * 1024
