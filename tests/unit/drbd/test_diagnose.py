"""Connect-timeout diagnoses from canned kernel logs, drbdadm output and network tests."""

from __future__ import annotations

import pytest
from drbd_helpers import Canned

from wizard.core.actions import WaitFor
from wizard.drbd.diagnose import diagnose_wait, tcp_outcome
from wizard.executors.base import Result

ARGS = ("0", "r0", "node2", "10.99.0.2", "7788", "10.99.0.1", "node1")
WAIT = WaitFor(("cat", "/proc/drbd"), "drbd-connected", ARGS)
HEAD = "version: 8.4.11 (api:1/proto:86-101)\n"
WFCONN = HEAD + " 0: cs:WFConnection ro:Secondary/Unknown ds:Inconsistent/DUnknown C r----s\n"
STANDALONE = HEAD + " 0: cs:StandAlone ro:Secondary/Unknown ds:UpToDate/DUnknown   r-----\n"
IP_OK = "2: eth1    inet 10.99.0.1/24 brd 10.99.0.255 scope global eth1\n"


def kernel(lines: str) -> Result:
    return Result(0, lines)


def canned(log: str = "", ip: str = IP_OK, ping: int = 0, tcp: Result | None = None,
           dump: Result | None = None) -> Canned:
    return Canned({
        "grep -i drbd": kernel(log),
        "ip -o addr": Result(0, ip),
        "ping": Result(ping, ""),
        "/dev/tcp": tcp or Result(124, ""),
        "drbdadm dump": dump or Result(0, "resource r0 {}"),
    })


@pytest.mark.parametrize("log,expect", [
    ("[  512.1] drbd r0: Split-Brain detected but unresolved, dropping connection!\n", "split-brain"),
    ("[  33.2] drbd r0: Authentication of peer failed\n", "shared-secret mismatch"),
    ("[  33.2] block drbd0: Unrelated data, aborting!\n", "unrelated data"),
    ("[  33.2] drbd r0: bind before connect failed, err = -99\n", "wrong local address"),
    ("[  33.2] drbd r0: incompatible communication protocols\n", "configs differ"),
])
def test_kernel_log_tells(log: str, expect: str) -> None:
    out = diagnose_wait(WAIT, canned(log=log), STANDALONE)
    assert expect in out and "cs:StandAlone" in out


def test_split_brain_gives_the_recovery_commands() -> None:
    out = diagnose_wait(WAIT, canned(log="drbd r0: Split-Brain detected, dropping connection!\n"), STANDALONE)
    assert "drbdadm connect --discard-my-data r0" in out and "victim" in out


def test_port_blocked_when_ping_works_but_tcp_is_dropped() -> None:
    out = diagnose_wait(WAIT, canned(ping=0, tcp=Result(124, "")), WFCONN)
    assert "port 7788 on node2 is blocked" in out


def test_wrong_peer_address_when_nothing_answers() -> None:
    out = diagnose_wait(WAIT, canned(ping=1, tcp=Result(124, "")), WFCONN)
    assert "does not answer at 10.99.0.2" in out and "wrong address" in out
    out = diagnose_wait(WAIT, canned(ping=1, tcp=Result(1, "", "connect: No route to host")), WFCONN)
    assert "does not answer" in out


def test_refused_means_nothing_listens() -> None:
    out = diagnose_wait(WAIT, canned(tcp=Result(1, "", "bash: connect: Connection refused")), WFCONN)
    assert "refuses connections on 10.99.0.2:7788" in out and "drbdadm up r0" in out


def test_listening_peer_but_no_connection_points_at_the_peer_config() -> None:
    out = diagnose_wait(WAIT, canned(tcp=Result(0, "")), WFCONN)
    assert "dials another address" in out


def test_local_address_missing() -> None:
    out = diagnose_wait(WAIT, canned(ip="2: eth1    inet 10.99.0.7/24 scope global eth1\n"), WFCONN)
    assert "no interface of node1 has 10.99.0.1" in out


def test_hostname_not_in_config_when_nothing_runs() -> None:
    dump = Result(10, "", "r0: not defined in your config (for this host).")
    out = diagnose_wait(WAIT, canned(dump=dump), HEAD)
    assert "`uname -n` on node1 must be 'node1'" in out


def test_other_waits_get_no_diagnosis() -> None:
    assert diagnose_wait(WaitFor(("true",), "exit-zero"), canned(), "") == ""


def test_tcp_outcome() -> None:
    assert tcp_outcome(0, "") == "open"
    assert tcp_outcome(1, "bash: connect: Connection refused") == "refused"
    assert tcp_outcome(1, "bash: connect: No route to host") == "unreachable"
    assert tcp_outcome(124, "") == "timeout"


def test_the_newest_clue_wins() -> None:
    log = ("[  10.0] drbd r0: Split-Brain detected but unresolved, dropping connection!\n"
           "[ 900.0] drbd r0: Authentication of peer failed\n")
    out = diagnose_wait(WAIT, canned(log=log), STANDALONE)
    assert "shared-secret mismatch" in out and "split-brain" not in out
