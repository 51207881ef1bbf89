"""The SSH tier: a real OpenSSH server on 127.0.0.1, private to the test session.

It runs from Debian's openssh-server (installed by scripts/test) with its own config, host key and
authorized_keys in a temp dir, on a free loopback port, so it never touches the machine's own sshd.
"""

from __future__ import annotations

import os
import shutil
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

    def accepted_logins(self) -> int:
        return self.log.read_text(errors="replace").count("Accepted publickey")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def sshd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sshd]:
    if not Path(SSHD).exists() or shutil.which("ssh") is None:
        pytest.fail("the SSH tier needs openssh-server and openssh-client: run scripts/test (it installs them)")
    if os.geteuid() != 0:
        pytest.skip("the SSH tier logs in as root and must run as root (CI does)")
    d = tmp_path_factory.mktemp("sshd")
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
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                break
        if proc.poll() is not None:
            pytest.fail(f"sshd did not start: {log.read_text()}")
        time.sleep(0.05)
    else:
        proc.kill()
        pytest.fail("sshd did not listen within 15 s")
    pub = (d / "host_ed25519.pub").read_text().split()
    known = d / "known_hosts"
    known.write_text(f"[127.0.0.1]:{port} {pub[0]} {pub[1]}\n")
    fp = subprocess.run(["ssh-keygen", "-lf", str(d / "host_ed25519.pub")], capture_output=True, text=True,
                        check=True).stdout.split()[1]
    try:
        yield Sshd("127.0.0.1", port, ident, known, log, fp, proc)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
