"""The peer, over one persistent SSH connection (plumbum), with host-key trust made explicit.

Every command of a run, the pty ones (``ssh -tt``) included, rides one OpenSSH ControlMaster connection:
one TCP connection and one authentication per peer for the whole run. BatchMode is always on, so ssh
never asks a question the wizard cannot see; an unknown host key is fetched, shown as a fingerprint and
trusted only on the admin's yes (``--accept-host-key FINGERPRINT`` when headless).
"""

from __future__ import annotations

import ipaddress
import os
import re
import shlex
import subprocess
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

from plumbum import SshMachine

from wizard.errors import UnreachableError, WizardError
from wizard.executors.base import Executor, Output, Result
from wizard.executors.pty import Q

# Decides on an unknown host key: gets (host label, fingerprints), returns True to trust it.
HostKeyDecider = Callable[[str, list[str]], bool]


def host_key_known(host: str, port: int, known_hosts: Path) -> bool:
    if not known_hosts.exists():
        return False
    name = host if port == 22 else f"[{host}]:{port}"
    r = subprocess.run(["ssh-keygen", "-F", name, "-f", str(known_hosts)], capture_output=True, timeout=10)
    return r.returncode == 0 and bool(r.stdout.strip())


def scan_host_keys(host: str, port: int, timeout: int = 5) -> tuple[list[str], list[str]]:
    """(known_hosts lines, 'SHA256:... (ED25519)' fingerprints) as the host presents them."""
    r = subprocess.run(["ssh-keyscan", "-T", str(timeout), "-p", str(port), host],
                       capture_output=True, text=True, timeout=timeout + 10)
    lines = [ln for ln in r.stdout.splitlines() if ln and not ln.startswith("#")]
    if not lines:
        return [], []
    fp = subprocess.run(["ssh-keygen", "-lf", "-"], input="\n".join(lines) + "\n",
                        capture_output=True, text=True, timeout=10)
    prints = []
    for ln in fp.stdout.splitlines():
        parts = ln.split()
        if len(parts) >= 2:
            prints.append(f"{parts[1]} {parts[-1]}")
    return lines, prints


def _loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


class SshExecutor(Executor):
    def __init__(self, node: str, host: str, *, user: str = "root", port: int = 22,
                 known_hosts: str | Path | None = None, identity: str | None = None,
                 decide_host_key: HostKeyDecider | None = None, connect_timeout: int = 10) -> None:
        self.node = node
        self.host = host
        self.user = user
        self.port = port
        self.label = f"{user}@{host}" + (f":{port}" if port != 22 else "")
        self.known_hosts = Path(known_hosts or Path.home() / ".ssh" / "known_hosts").expanduser()
        # ssh refuses a ControlPath of 108 bytes or more (a unix socket's limit): a long TMPDIR falls back to
        # /tmp, and the socket has a one-letter name (the folder is this executor's own)
        base = tempfile.gettempdir()
        self._control_dir = tempfile.mkdtemp(prefix="ha-wizard-ssh-", dir=base if len(base) <= 64 else "/tmp")
        self.opts = [
            "-o", "BatchMode=yes",
            "-o", "StrictHostKeyChecking=yes",
            "-o", f"UserKnownHostsFile={self.known_hosts}",
            "-o", "ControlMaster=auto",
            "-o", f"ControlPath={self._control_dir}/c",
            # long enough for an admin who leaves a confirmation on screen: within a step the connection may
            # not change, so an idle master must not exit; close() stops it, a killed run leaves it 4 h at most
            "-o", "ControlPersist=4h",
            "-o", f"ConnectTimeout={connect_timeout}",
            "-o", "ServerAliveInterval=15",
            "-o", "LogLevel=ERROR",
        ]
        if identity:
            self.opts += ["-i", identity, "-o", "IdentitiesOnly=yes"]
        if os.environ.get("HA_WIZARD_LOOPBACK_ONLY") == "1" and not _loopback(host):
            # Test and demo sessions set this: they may reach 127.0.0.1 only, never a real network.
            raise UnreachableError(f"{node} at {host} not contacted: HA_WIZARD_LOOPBACK_ONLY=1 allows 127.0.0.1 only")
        self._trust_host_key(decide_host_key)
        try:
            self.machine = SshMachine(host, user=user, port=port, ssh_opts=self.opts,
                                      scp_opts=self.opts, connect_timeout=connect_timeout)
        except Exception as e:  # plumbum raises several types; all mean the same to the admin
            self._stop_master()
            detail = str(e).strip().splitlines()
            reason = next((ln.strip() for ln in reversed(detail) if "ssh:" in ln or "denied" in ln.lower()),
                          detail[-1].strip() if detail else type(e).__name__)
            raise UnreachableError(
                f"cannot reach {node} at {self.label} over SSH ({reason}): check the address in the "
                f"answers file, that sshd runs there, and that this machine's root key is authorised "
                f"(ssh-copy-id -p {port} {user}@{host})"
            ) from None
        self._master = self._find_master()  # the ControlMaster process: the run's one connection
        self._in_step = False
        self._pinned: int | None = None  # the connection the step in progress started on

    def _find_master(self) -> int | None:
        r = subprocess.run(["ssh", *self.opts, "-p", str(self.port), "-O", "check", f"{self.user}@{self.host}"],
                           capture_output=True, text=True, timeout=10)
        m = re.search(r"pid=(\d+)", r.stderr + r.stdout)
        return int(m.group(1)) if m else None

    @staticmethod
    def _alive(pid: int | None) -> bool:
        if pid is None:
            return False
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except (OSError, IndexError):
            return False
        return state not in ("Z", "X")

    def begin_step(self) -> None:
        self._in_step = True
        # a connection that died between steps is simply opened again by the next command: the step starts
        # by proving on the host what is already done. Within a step, it may not change (``_check_link``).
        self._pinned = self._master if self._alive(self._master) else None

    def end_step(self) -> None:
        self._in_step = False

    def _check_link(self) -> None:
        """Refuse to go on over a new connection when the step's connection died (link cut, sshd killed, peer
        rebooted): ssh would silently open another one, and the step would go on as if nothing had happened,
        maybe against another machine that took the address. Resume reconnects and re-checks the host."""
        if self._in_step and self._pinned is not None and not self._alive(self._pinned):
            raise UnreachableError(f"lost the SSH connection to {self.node} ({self.label}): check the network "
                                   "and its sshd, then run `ha-wizard resume`")

    def _pin(self) -> None:
        if self._in_step and self._pinned is None:  # the step's first command (re)opened the connection
            self._master = self._pinned = self._find_master()

    def _trust_host_key(self, decide: HostKeyDecider | None) -> None:
        if host_key_known(self.host, self.port, self.known_hosts):
            return
        lines, prints = scan_host_keys(self.host, self.port)
        if not lines:
            raise UnreachableError(
                f"cannot reach {self.node} at {self.host}:{self.port}: no SSH server answered. "
                "Check the address and port in the answers file and that sshd runs on the peer"
            )
        if decide is None or not decide(self.label, prints):
            raise WizardError(
                f"{self.node}'s SSH host key is not known yet: {', '.join(prints)}. Compare it with "
                f"`ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub` on {self.node}, then answer yes, or "
                "pass --accept-host-key FINGERPRINT when running headless",
                exit_code=3,
            )
        self.known_hosts.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        with self.known_hosts.open("a") as f:
            f.write("\n".join(lines) + "\n")

    def _exec(self, argv: Sequence[str], *, input: str | None, timeout: float,
              env: dict[str, str] | None) -> Result:
        self._check_link()
        proc = self.machine.popen([shlex.join(list(argv))], env=env)
        try:
            out, err = proc.communicate(  # type: ignore[call-arg]
                input.encode() if input is not None else None, timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()
            return Result(124, "", f"{argv[0]} did not finish within {timeout:.0f} s on {self.node}")
        rc = proc.returncode
        text_out = out.decode("utf-8", "replace") if isinstance(out, bytes) else str(out or "")
        text_err = err.decode("utf-8", "replace") if isinstance(err, bytes) else str(err or "")
        if rc == 255 and not text_out:
            raise UnreachableError(
                f"lost the SSH connection to {self.node} ({text_err.strip() or 'ssh exit 255'}): "
                "check the network, then run `ha-wizard resume`"
            )
        self._pin()
        return Result(int(rc or 0), text_out, text_err)

    def run_prompted(self, argv: Sequence[str], prompts: Sequence[Q], *, answer: Callable[[Q], str],
                     timeout: float = 300.0, on_output: Output | None = None,
                     env: dict[str, str] | None = None) -> Result:
        self._check_link()
        r = super().run_prompted(argv, prompts, answer=answer, timeout=timeout, on_output=on_output, env=env)
        self._pin()
        if r.rc == 255:  # ssh's own failure: the tools the wizard prompts for never exit 255
            tail = " ".join(r.text.strip().splitlines()[-1:])[-160:]
            raise UnreachableError(
                f"lost the SSH connection to {self.node} while `{argv[0]}` was asking "
                f"({tail or 'ssh exit 255'}): check the network, then run `ha-wizard resume`")
        return r

    def pty_argv(self, argv: Sequence[str]) -> list[str]:
        return ["ssh", *self.opts, "-tt", "-p", str(self.port), "-l", self.user, "--", self.host,
                shlex.join(list(argv))]

    def _stop_master(self) -> None:
        subprocess.run(["ssh", *self.opts, "-p", str(self.port), "-O", "exit", f"{self.user}@{self.host}"],
                       capture_output=True, timeout=10)
        try:
            for f in os.listdir(self._control_dir):
                os.unlink(os.path.join(self._control_dir, f))
            os.rmdir(self._control_dir)
        except OSError:
            pass

    def close(self) -> None:
        machine = getattr(self, "machine", None)
        if machine is not None:
            machine.close()
        self._stop_master()
