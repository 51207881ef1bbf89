"""The services' conditions as tables: probe output in, verdict out (no host needed)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from wizard.core.conditions import Conditions
from wizard.executors.result import Result
from wizard.flow.registry import conditions
from wizard.services.conditions import CONDITIONS, holders, paths_probe

C = Conditions(CONDITIONS)


def verdict(name: str, out: str, *args: str, rc: int = 0, err: str = ""):  # type: ignore[no-untyped-def]
    return C.evaluate(name, Result(rc, out, err), args)


def test_the_registry_holds_the_services_table() -> None:
    names = conditions().names()
    assert {"services-linked", "services-unused", "unit-boot-off", "packages-match", "service-answers"} <= set(names)


LINKED = ("/etc/mail\tlink\t/replicated/etc/mail\tyes\n"
          "/var/mail\tlink\t/replicated/var/mail\tno\n")


@pytest.mark.parametrize(("out", "need", "ok", "state"), [
    (LINKED, "link", True, "2 linked"),
    (LINKED, "target", False, "/replicated/var/mail missing"),
    (LINKED.replace("/var/mail\tlink\t/replicated/var/mail", "/var/mail\tdir\t-"), "link", False,
     "/var/mail is a dir"),
    (LINKED.replace("/replicated/var/mail\tno", "/elsewhere\tyes"), "link", False, "/var/mail -> /elsewhere"),
    ("/etc/mail\tlink\t/replicated/etc/mail\tyes\n", "link", False, "/var/mail unreadable"),
    (LINKED.replace("/var/mail\tlink\t/replicated/var/mail\tno", "/var/mail\tmissing\t-\t-"), "link", False,
     "/var/mail is a missing path"),
])
def test_services_linked(out: str, need: str, ok: bool, state: str) -> None:
    v = verdict("services-linked", out, need, "/etc/mail", "/replicated/etc/mail", "/var/mail", "/replicated/var/mail")
    assert v.ok is ok and state in v.state


def test_services_local_after_undo() -> None:
    args = ("exists", "/etc/mail", "/replicated/etc/mail", "/usr/sbin/sendmail", "/replicated/usr/sbin/sendmail")
    back = "/etc/mail\tdir\t-\t-\n/usr/sbin/sendmail\tlink\t/etc/alternatives/sendmail\tyes\n"
    assert verdict("services-local", back, *args).ok
    still = back.replace("/etc/mail\tdir\t-\t-", "/etc/mail\tlink\t/replicated/etc/mail\tyes")
    assert "/etc/mail -> /replicated/etc/mail" in verdict("services-local", still, *args).state
    gone = back.replace("/etc/mail\tdir", "/etc/mail\tmissing")
    assert not verdict("services-local", gone, *args).ok
    assert verdict("services-local", gone, "any", *args[1:]).ok  # the slave never had it


def test_the_paths_probe_reads_what_is_there(tmp_path: Path) -> None:
    (tmp_path / "dir").mkdir()
    (tmp_path / "file").write_text("x")
    (tmp_path / "link").symlink_to(tmp_path / "dir")
    (tmp_path / "dangling").symlink_to(tmp_path / "nowhere")
    pairs = [(str(tmp_path / n), "-") for n in ("dir", "file", "link", "dangling", "missing")]
    out = subprocess.run(paths_probe(pairs), capture_output=True, text=True, check=True).stdout
    kinds = [line.split("\t")[1:] for line in out.splitlines()]
    assert kinds == [["dir", "-", "-"], ["file", "-", "-"], ["link", str(tmp_path / "dir"), "yes"],
                     ["link", str(tmp_path / "nowhere"), "no"], ["missing", "-", "-"]]


OPEN = """/proc/1/cwd\t/
/proc/812/fd/3\t/var/spool/mqueue/qfABC
/proc/812/fd/4\t/var/spool/mqueue-client
/proc/900/cwd\t/var/mailbox
@@comm
/proc/1/comm:systemd
/proc/812/comm:sendmail
/proc/900/comm:sh
"""


def test_services_unused_names_who_holds_what() -> None:
    assert holders(OPEN, ("/var/spool/mqueue",)) == ["sendmail (pid 812): /var/spool/mqueue/qfABC"]
    assert holders(OPEN, ("/var/mail",)) == []  # /var/mailbox is not under /var/mail
    v = verdict("services-unused", OPEN, "/var/spool/mqueue", "/var/spool/mqueue-client")
    assert not v.ok and "2 still open" in v.state and "sendmail (pid 812)" in v.state
    assert verdict("services-unused", OPEN, "/etc/mail").ok


@pytest.mark.parametrize(("out", "want", "ok"), [
    ("disabled\n", "", True), ("masked\n", "", True), ("enabled\n", "", False), ("disabled\n", "mask", False),
    ("masked\n", "mask", True), ("", "", False),
    # Pacemaker: disabled only (its systemd class cannot start a masked unit)
    ("disabled\n", "disabled", True), ("masked\n", "disabled", False), ("enabled\n", "disabled", False),
])
def test_unit_boot_off(out: str, want: str, ok: bool) -> None:
    assert verdict("unit-boot-off", out, *((want,) if want else ())).ok is ok


def test_packages_match_is_fatal_when_waiting_cannot_help() -> None:
    out = "sendmail\tinstalled\t8.17.1.9-2+deb12u2\nmsmtp\tconfig-files\t1.8\n"
    assert verdict("packages-match", out, "sendmail=8.17.1.9-2+deb12u2").ok
    assert verdict("packages-match", out, "sendmail=").ok
    v = verdict("packages-match", out, "sendmail=8.15.2-22")
    assert not v.ok and "8.17.1.9-2+deb12u2 here but 8.15.2-22 on the other node" in v.fatal
    assert "msmtp is not installed here" in verdict("packages-match", out, "msmtp=").fatal


def test_service_answers_and_sockets() -> None:
    assert verdict("service-answers", "", "answers on TCP port 80").ok
    v = verdict("service-answers", "", "answers on TCP port 80", rc=1,
                err="bash: connect: Connection refused\nbash: line 1: /dev/tcp/127.0.0.1/80: Connection refused")
    assert not v.ok and "Connection refused" in v.state
    ss = "Netid State  Recv-Q Send-Q Local Address:Port Peer Address:Port\n" \
         "u_str LISTEN 0      80     /run/mysqld/mysqld.sock 17623 * 0\n"
    assert verdict("unix-listening", ss, "/run/mysqld/mysqld.sock").ok
    assert not verdict("unix-listening", ss, "/run/mysqld/other.sock").ok


def test_under_mount_link() -> None:
    assert verdict("under-mount-link", "/usr/local/sbin/ha-wizard-relay\n", "/usr/local/sbin/ha-wizard-relay").ok
    assert not verdict("under-mount-link", "", "/usr/local/sbin/ha-wizard-relay", rc=1).ok
