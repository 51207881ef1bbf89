"""`ha-wizard doctor` reaching its peer over real SSH (the session's sshd on 127.0.0.1): one login for the whole
read, the host key trusted only as --accept-host-key says, and the admin's known_hosts left as it was."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from wizard.cli.commands import doctor as doctor_cmd
from wizard.doctor.run import examine
from wizard.executors.base import Executor, Result

CAPTURE = Path(__file__).resolve().parents[1] / "data" / "doctor" / "handbuilt-clean-node1.txt"


class Node1(Executor):
    """node1 of the lab's hand-built pair, as captured: doctor's local node here."""

    node, label = "this machine", "captured node1"

    def _exec(self, argv, *, input, timeout, env):  # type: ignore[no-untyped-def]
        return Result(0, CAPTURE.read_text())

    def pty_argv(self, argv):  # type: ignore[no-untyped-def]
        return list(argv)


def test_the_peer_is_read_in_one_login_and_known_hosts_is_not_written(sshd: Any, tmp_path: Path) -> None:
    known = tmp_path / "known_hosts"
    known.write_text("")  # the peer's key is not known yet
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    args = argparse.Namespace(known_hosts=str(known), identity=str(sshd.identity), accept_host_key=sshd.fingerprint)
    connect = doctor_cmd._connector(args, str(scratch))
    asked: list[tuple[str, str]] = []

    def to_sshd(name: str, host: str, user: str, port: int) -> Executor:
        asked.append((name, host))  # what node1's files name; this test's peer answers on the loopback sshd
        return connect(name, sshd.host, user, sshd.port)

    logins = sshd.accepted_logins()
    ex = examine(Node1(), to_sshd)
    assert asked == [("node2", "10.99.0.2")]
    assert ex.pair.peer.reached and ex.pair.peer.label == f"root@127.0.0.1:{sshd.port}"
    assert ex.pair.peer.facts.hostname and ex.changes == 0
    assert sshd.accepted_logins() == logins + 1  # the whole probe rode one connection
    assert known.read_text() == ""  # trusted for this run only, in the scratch copy
    assert (scratch / "known_hosts").read_text().strip()
