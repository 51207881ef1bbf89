"""Reaching the peer before anything runs: its SSH host key, a test login, installing this machine's key.

The interactive wizard calls these from its Nodes screen (the screens never touch ssh, plumbum or pexpect
themselves). Host keys are trusted only after the admin compared the fingerprint; the peer's password is
typed once into ``ssh-copy-id``'s pty and is never stored, logged or shown.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from wizard.core.actions import Prompt
from wizard.core.secrets import Redactor

SSH_COPY_ID = "ssh-copy-id"  # tests point this at a stand-in
_HOST_RE = re.compile(r"^[A-Za-z0-9_.:%\[\]-]+$")


@dataclass(frozen=True)
class HostKeys:
    host: str
    port: int
    lines: tuple[str, ...]  # known_hosts lines as the host presents them
    fingerprints: tuple[str, ...]  # "SHA256:... (ED25519)"
    known: bool  # already trusted in the known_hosts file
    problem: str = ""  # a plain sentence when no SSH server answered


@dataclass(frozen=True)
class LoginCheck:
    ok: bool
    message: str  # one plain sentence: what happened and what to do
    name: str = ""  # the peer's `uname -n` when the login worked


def default_known_hosts() -> Path:
    return Path.home() / ".ssh" / "known_hosts"


def dry_run_known_hosts() -> str:
    """A private copy of known_hosts for a dry-run: host keys accepted there never touch the real file."""
    fd, path = tempfile.mkstemp(prefix="ha-wizard-known-hosts-")
    os.close(fd)
    real = default_known_hosts()
    if real.is_file():
        shutil.copyfile(real, path)
    return path


def address_problem(host: str, port: int | str = 22) -> str:
    """A sentence when ``host``/``port`` cannot be an SSH destination, else ""."""
    if not host:
        return "give the peer's address: the IP or name this machine reaches it by over SSH"
    if host.startswith("-") or not _HOST_RE.match(host):
        return f"{host!r} is not an address: write an IP like 192.168.1.2 or a host name like server2"
    try:
        p = int(port)
    except (TypeError, ValueError):
        return f"SSH port {port!r}: expected a whole number (22 unless the peer's sshd says otherwise)"
    if not 1 <= p <= 65535:
        return f"SSH port {p}: port out of range (use 1-65535)"
    return ""


def _known(host: str, port: int, known_hosts: Path) -> bool:
    from wizard.executors.ssh import host_key_known as known

    return known(host, port, known_hosts)


def scan_peer(host: str, port: int = 22, known_hosts: str | Path | None = None, timeout: int = 5) -> HostKeys:
    """The peer's host keys and whether they are trusted already (``ssh-keyscan``; read-only)."""
    from wizard.executors.ssh import scan_host_keys

    kh = Path(known_hosts) if known_hosts else default_known_hosts()
    bad = address_problem(host, port)
    if bad:
        return HostKeys(host, port, (), (), False, bad)
    if _known(host, port, kh):
        return HostKeys(host, port, (), (), True)
    try:
        lines, prints = scan_host_keys(host, port, timeout=timeout)
    except (OSError, subprocess.SubprocessError) as e:
        return HostKeys(host, port, (), (), False, f"cannot scan {host}:{port} ({e})")
    if not lines:
        return HostKeys(host, port, (), (), False,
                        f"no SSH server answered at {host}:{port}: check the address and port, "
                        "and that sshd runs on the peer")
    return HostKeys(host, port, tuple(lines), tuple(prints), False)


def trust_host_keys(keys: HostKeys, known_hosts: str | Path | None = None) -> Path:
    """Append the scanned keys to known_hosts (call only after the admin compared the fingerprint)."""
    kh = Path(known_hosts) if known_hosts else default_known_hosts()
    kh.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    with kh.open("a") as f:
        f.write("\n".join(keys.lines) + "\n")
    return kh


def _ssh_opts(known_hosts: str | Path | None, identity: str | None, timeout: int) -> list[str]:
    kh = Path(known_hosts) if known_hosts else default_known_hosts()
    opts = ["-o", "StrictHostKeyChecking=yes", "-o", f"UserKnownHostsFile={kh}",
            "-o", f"ConnectTimeout={timeout}", "-o", "LogLevel=ERROR"]
    if identity:
        opts += ["-i", identity, "-o", "IdentitiesOnly=yes"]
    return opts


def check_login(host: str, port: int = 22, user: str = "root", *, known_hosts: str | Path | None = None,
                identity: str | None = None, timeout: int = 10) -> LoginCheck:
    """Log in with this machine's key (no password, BatchMode) and ask the peer its `uname -n`."""
    bad = address_problem(host, port)
    if bad:
        return LoginCheck(False, bad)
    argv = ["ssh", "-o", "BatchMode=yes", *_ssh_opts(known_hosts, identity, timeout), "-p", str(port),
            "-l", user, "--", host, "uname -n"]
    try:
        r = subprocess.run(argv, capture_output=True, text=True, timeout=timeout + 10, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        return LoginCheck(False, f"{user}@{host}:{port} did not answer within {timeout} s: check the network")
    except OSError as e:
        return LoginCheck(False, f"cannot run ssh ({e}): install openssh-client")
    if r.returncode == 0:
        name = r.stdout.strip().splitlines()[0] if r.stdout.strip() else ""
        return LoginCheck(True, f"logged in to {user}@{host} with this machine's key; it calls itself "
                                f"'{name}' (uname -n)", name)
    err = (r.stderr.strip().splitlines() or [f"ssh exit {r.returncode}"])[-1]
    if "Permission denied" in err:
        return LoginCheck(False, f"{user}@{host} refused this machine's key ({err}): install the key on "
                                 "the peer (you type its password once)")
    if "Host key verification failed" in err:
        return LoginCheck(False, f"{host}'s host key is not trusted yet: check SSH again and compare "
                                 "the fingerprint")
    return LoginCheck(False, f"cannot log in to {user}@{host}:{port} ({err})")


def local_public_key(create: bool = False) -> Path | None:
    """This machine's SSH public key; with ``create``, make an ed25519 key when there is none."""
    ssh_dir = Path.home() / ".ssh"
    for name in ("id_ed25519", "id_ecdsa", "id_rsa"):
        pub = ssh_dir / f"{name}.pub"
        if pub.is_file() and (ssh_dir / name).is_file():
            return pub
    if not create:
        return None
    ssh_dir.mkdir(mode=0o700, exist_ok=True)
    key = ssh_dir / "id_ed25519"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", f"ha-wizard@{os.uname().nodename}",
                    "-f", str(key)], check=True, capture_output=True, timeout=30)
    return key.with_suffix(".pub")


def install_key(host: str, port: int, user: str, password: str, *, known_hosts: str | Path | None = None,
                public_key: str | Path | None = None, timeout: int = 60) -> LoginCheck:
    """Put this machine's public key on the peer with ``ssh-copy-id``, typing ``password`` once into its
    pty. A second password prompt (wrong password) is answered with Ctrl-C, never with the password
    again. The password lives only in this call and is redacted from everything returned."""
    from wizard.executors.pty import run_in_pty

    bad = address_problem(host, port)
    if bad:
        return LoginCheck(False, bad)
    if not password:
        return LoginCheck(False, "type the peer's password (it is used once and not kept)")
    pub = Path(public_key) if public_key else local_public_key(create=True)
    if pub is None:
        return LoginCheck(False, "this machine has no SSH key and none could be made: run ssh-keygen")
    argv = [SSH_COPY_ID, "-i", str(pub), *_ssh_opts(known_hosts, None, 10), "-p", str(port), f"{user}@{host}"]
    asked = 0

    def answer(p: Prompt) -> str:
        nonlocal asked
        asked += 1
        return p.answer if asked == 1 else "\x03"

    redact = Redactor([password])
    try:
        r = run_in_pty(argv, [Prompt(expect="password:", answer=password, secret=True)], answer=answer,
                       timeout=timeout)
    except Exception as e:  # pexpect raises ExceptionPexpect when the program is missing
        return LoginCheck(False, redact(f"cannot run {SSH_COPY_ID} ({e}): install openssh-client"))
    finally:
        password = ""
    if r.ok:
        return LoginCheck(True, f"installed {pub.name} for {user}@{host}; the password was used once and "
                                "not kept")
    if asked > 1:
        return LoginCheck(False, f"{user}@{host} did not accept the password: try again (the peer must "
                                 "allow password logins for root once: PermitRootLogin yes)")
    tail = redact(r.text.strip().splitlines()[-1] if r.text.strip() else f"exit {r.rc}")
    return LoginCheck(False, f"{SSH_COPY_ID} failed for {user}@{host}:{port} ({tail})")
