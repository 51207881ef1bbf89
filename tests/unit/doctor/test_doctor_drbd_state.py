"""DRBD state checks: connection and disks, split-brain from the kernel log, a stalled resync, the roles, and the
running resource against its files (drbdadm -d adjust)."""

from __future__ import annotations

from doctor_helpers import node, one, pair, problems, proc_drbd, sec

from wizard.doctor.checks import drbd_state as ds

SPLIT = "[  812.4] drbd r0: Split-Brain detected but unresolved, dropping connection!\n"
STANDALONE = {1: proc_drbd("Primary/Unknown", "StandAlone", "UpToDate/DUnknown"),
              2: proc_drbd("Primary/Unknown", "StandAlone", "UpToDate/DUnknown")}


def test_split_brain_names_the_victim_and_both_commands() -> None:
    n1 = node(1, out={"procdrbd": sec(STANDALONE[1]), "kernel-log": sec(SPLIT)})
    n2 = node(2, out={"procdrbd": sec(STANDALONE[2]), "kernel-log": sec(SPLIT)})
    found = ds.connection(pair(n1, n2))
    assert problems(found) == [("fail", "drbd.split-brain", "")]  # one finding, not one per node
    f = found[0]
    assert "node2's changes since the split are discarded (it is not serving)" in f.fix
    assert "On node2: `drbdadm secondary r0; drbdadm connect --discard-my-data r0`" in f.fix
    assert "on node1: `drbdadm connect r0`" in f.fix
    assert "node2$ dmesg: [  812.4] drbd r0: Split-Brain detected but unresolved, dropping connection!" in f.evidence
    assert any("cs:StandAlone ro:Primary/Unknown" in e for e in f.evidence)


def test_primary_on_both_while_apart() -> None:
    n1 = node(1, out={"procdrbd": sec(STANDALONE[1])})
    n2 = node(2, out={"procdrbd": sec(STANDALONE[2])})
    assert problems(ds.roles(pair(n1, n2))) == [("fail", "drbd.roles", "")]


def test_a_resolved_split_brain_is_history() -> None:
    found = ds.connection(pair(node(1, out={"kernel-log": sec(SPLIT)})))
    assert problems(found) == []
    assert any(f.key == "drbd.split-brain" and "resolved" in f.title for f in found)


def test_a_refused_secret_from_the_kernel_log() -> None:
    log = "[ 99.1] drbd r0: Authentication of peer failed, trying again.\n"
    waiting = proc_drbd("Secondary/Unknown", "WFConnection", "UpToDate/DUnknown")
    found = ds.connection(pair(n2=node(2, out={"procdrbd": sec(waiting), "kernel-log": sec(log)})))
    f = one(found, "drbd.connection")
    assert f.node == "node2" and "WFConnection" in f.title and "shared-secret identical" in f.fix
    assert "node2$ dmesg: [ 99.1] drbd r0: Authentication of peer failed, trying again." in f.evidence


def test_not_up_and_not_loaded() -> None:
    n2 = node(2, out={"procdrbd": sec("", 1)}, drbd_loaded=False)
    f = one(ds.running(pair(n2=n2)), "drbd.up")
    assert f.fix == "on node2: modprobe drbd && drbdadm up r0"


def test_an_inconsistent_disk_that_is_not_syncing() -> None:
    text = proc_drbd("Secondary/Primary", "Connected", "Inconsistent/UpToDate")
    assert ("fail", "drbd.disk", "node2") in problems(ds.connection(pair(n2=node(2, out={"procdrbd": sec(text)}))))


SYNC = (" 0: cs:SyncTarget ro:Secondary/Primary ds:Inconsistent/UpToDate C r-----\n"
        "    ns:0 nr:40960 dw:40960 dr:0 al:0 bm:0 lo:0 pe:0 ua:0 ap:0 ep:1 wo:f oos:{oos}\n"
        "\t[===>................] sync'ed: 24.5% ({oos}/130048)K\n"
        "\tfinish: 0:00:08 speed: 11,264 (11,264) want: 102,400 K/sec\n")


def syncing(first: int, later: int) -> list[tuple[str, str, str]]:
    n2 = node(2, out={"procdrbd": sec("version: 8.4.11 (api:1/proto:86-101)\n" + SYNC.format(oos=first)),
                      "procdrbd-later": sec("version: 8.4.11 (api:1/proto:86-101)\n" + SYNC.format(oos=later))})
    return problems(ds.resync(pair(n2=n2)))


def test_a_moving_resync_is_a_warning_and_a_stalled_one_a_problem() -> None:
    assert syncing(98304, 65536) == [("warn", "drbd.resync", "node2")]
    assert syncing(98304, 98304) == [("fail", "drbd.resync", "node2")]


def test_neither_primary_while_heartbeat_claims_the_resources() -> None:
    n1 = node(1, out={"procdrbd": sec(proc_drbd("Secondary/Secondary"))})
    n2 = node(2, out={"procdrbd": sec(proc_drbd("Secondary/Secondary"))})
    f = one(ds.roles(pair(n1, n2)), "drbd.roles")
    assert "Heartbeat on node1 holds the resources" in f.title
    assert "node1$ cl_status rscstatus: all" in f.evidence


def test_running_differs_from_the_files() -> None:
    said = "drbdsetup net-options r0 --shared-secret=othersecret\n"
    f = one(ds.adjust(pair(n2=node(2, out={"drbdadm-adjust": sec(said)}))), "drbd.adjust")
    assert f.status == "warn" and f.fix.startswith("check the files, then apply them now: `drbdadm adjust r0` on node2")


def test_adjust_that_only_reconnects_is_left_to_the_connection_finding() -> None:
    out = {"procdrbd": sec(STANDALONE[2]), "drbdadm-adjust": sec("drbdsetup connect r0 ipv4:10.99.0.2:7788 "
                                                                   "ipv4:10.99.0.1:7788 --protocol=C\n")}
    assert problems(ds.adjust(pair(n2=node(2, out=out)))) == []


def test_adjust_is_not_judged_when_the_files_do_not_parse() -> None:
    out = {"drbdadm-parse": sec("r0.res:7: Parse error", 10), "drbdadm-adjust": sec("error", 10)}
    assert problems(ds.adjust(pair(n2=node(2, out=out)))) == []
