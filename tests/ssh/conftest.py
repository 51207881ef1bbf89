"""The SSH tier: a real OpenSSH server on 127.0.0.1, private to the test session.

It runs from Debian's openssh-server (installed by scripts/test) with its own config, host key and
authorized_keys in a temp dir, on a free loopback port, so it never touches the machine's own sshd.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

SSHD = "/usr/sbin/sshd"


@dataclass
class Sshd:
    host: str
    port: int
    identity: Path
    known_hosts: Path  # pre-trusted host key (for tests that are not about host keys)
    log: Path
    fingerprint: str
    proc: subprocess.Popen[bytes]
    config: Path

    def accepted_logins(self) -> int:
        return self.log.read_text(errors="replace").count("Accepted publickey")

    def known_hosts_for(self, port: int, path: Path) -> Path:
        """A known_hosts file trusting this server's key at another port (a proxy in front of it)."""
        key = self.known_hosts.read_text().split()[1:3]
        path.write_text(f"[127.0.0.1]:{port} {key[0]} {key[1]}\n")
        return path

    def kill(self) -> None:
        """The peer's sshd dies: the listener and every session process under it (SIGKILL)."""
        pids = [self.proc.pid, *_descendants(self.proc.pid)]
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        self.proc.wait(timeout=10)

    def start(self) -> None:
        """(Re)start on the same port, keys and config."""
        self.proc = subprocess.Popen([SSHD, "-D", "-e", "-f", str(self.config)], stderr=self.log.open("ab"))
        _wait_listening(self.proc, self.port, self.log)

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def _descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for p in Path("/proc").iterdir():
        if p.name.isdigit():
            try:
                ppid = int((p / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(p.name))
    out, todo = [], [pid]
    while todo:
        for c in children.get(todo.pop(), []):
            out.append(c)
            todo.append(c)
    return out


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_listening(proc: subprocess.Popen[bytes], port: int, log: Path) -> None:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        if proc.poll() is not None:
            pytest.fail(f"sshd did not start: {log.read_text()}")
        time.sleep(0.05)
    proc.kill()
    pytest.fail("sshd did not listen within 15 s")


def start_sshd(d: Path) -> Sshd:
    """A private sshd on a free loopback port, its keys and config in ``d``."""
    if not Path(SSHD).exists() or shutil.which("ssh") is None:
        pytest.fail("the SSH tier needs openssh-server and openssh-client: run scripts/test (it installs them)")
    if os.geteuid() != 0:
        pytest.skip("the SSH tier logs in as root and must run as root (CI does)")
    d.chmod(0o700)
    hostkey = d / "host_ed25519"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(hostkey)], check=True)
    ident = d / "client_ed25519"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(ident)], check=True)
    auth = d / "authorized_keys"
    auth.write_text((d / "client_ed25519.pub").read_text())
    auth.chmod(0o600)
    port = _free_port()
    log = d / "sshd.log"
    Path("/run/sshd").mkdir(exist_ok=True)  # privilege separation dir sshd insists on
    cfg = d / "sshd_config"
    cfg.write_text(
        f"Port {port}\nListenAddress 127.0.0.1\nHostKey {hostkey}\nPidFile {d}/sshd.pid\n"
        f"AuthorizedKeysFile {auth}\nPermitRootLogin prohibit-password\nPasswordAuthentication no\n"
        "KbdInteractiveAuthentication no\nUsePAM no\nStrictModes no\nLogLevel VERBOSE\n"
        "Subsystem sftp internal-sftp\nMaxStartups 50\nMaxSessions 50\n"
    )
    proc = subprocess.Popen([SSHD, "-D", "-e", "-f", str(cfg)], stderr=log.open("wb"))
    _wait_listening(proc, port, log)
    pub = (d / "host_ed25519.pub").read_text().split()
    known = d / "known_hosts"
    known.write_text(f"[127.0.0.1]:{port} {pub[0]} {pub[1]}\n")
    fp = subprocess.run(["ssh-keygen", "-lf", str(d / "host_ed25519.pub")], capture_output=True, text=True,
                        check=True).stdout.split()[1]
    return Sshd("127.0.0.1", port, ident, known, log, fp, proc, cfg)


@pytest.fixture(scope="session")
def sshd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sshd]:
    server = start_sshd(tmp_path_factory.mktemp("sshd"))
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def own_sshd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sshd]:
    """A peer sshd of this test alone, which the test may kill and start again."""
    server = start_sshd(tmp_path_factory.mktemp("own-sshd"))
    try:
        yield server
    finally:
        if server.proc.poll() is None:
            server.kill()
