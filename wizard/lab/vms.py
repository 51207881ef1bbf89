"""Boot, reach and stop the two lab VMs (node1, node2) under qemu.

Each VM runs from a copy-on-write overlay of the cached base image, has a blank data disk with one
partition (``/dev/vdb1``), a user-mode NIC whose only host-side opening is SSH forwarded from
``127.0.0.1:<port>``, and a second NIC on a private VM-to-VM link (qemu UDP socket on 127.0.0.1). qemu runs
with TCG emulation: KVM cannot boot a stock kernel on this machine kind.

Processes are tracked by their pidfiles and are only ever signalled after ``/proc/PID/cmdline`` shows a
qemu of *this* lab's run directory: never by name. The state needed by a later process (CLI ``down``,
``ssh``) is in ``<run_dir>/lab.json`` + the pidfiles.
"""

from __future__ import annotations

import json
import re
import shlex
import signal
import socket
import subprocess
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from wizard.lab import owner, procs
from wizard.lab.common import LabError, default_lab_dir, log, record_timing, require_tool, run
from wizard.lab.image import CLUSTER_KEY, LAB_KEY, Image, ensure_image, prune_images

NODES = (1, 2)
LINK_PREFIX = "10.99.0"  # eth1 of nodeN is 10.99.0.N/24
DATA_PART_START = 2048  # sectors: the partition starts at 1 MiB, like fdisk's default


HOST_NAME = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")


def check_names(names: Sequence[str]) -> tuple[str, ...]:
    """Two different lower-case host names for node1 and node2, or a LabError saying what is wrong."""
    got = tuple(n.strip() for n in names)
    if len(got) != len(NODES):
        raise LabError(f"give {len(NODES)} host names, one per VM, like --names alpha,bravo (got {len(got)})")
    bad = [n for n in got if not HOST_NAME.match(n)]
    if bad:
        raise LabError(f"not a host name: {', '.join(map(repr, bad))} (use a-z, 0-9 and '-', like alpha)")
    if len(set(got)) != len(got):
        raise LabError(f"the two VMs need different names (got {got[0]!r} twice)")
    return got


class SshError(LabError):
    """A command run in a lab VM over SSH failed (non-zero exit with check=True, or timed out)."""

    def __init__(self, message: str, result: subprocess.CompletedProcess[str] | None = None) -> None:
        super().__init__(message)
        self.result = result


@dataclass(frozen=True)
class NodeStatus:
    """What ``Lab.status()`` reports for one VM."""

    n: int
    name: str
    running: bool
    pid: int | None
    ssh_port: int | None
    ssh_ok: bool  # answered an SSH command just now


class Lab:
    """The two-VM lab. ``up()`` boots it, ``down()`` stops it; the rest reaches into a running node.

    *name* separates independent labs sharing one image cache (the pytest tier uses its own, so a session
    never stops VMs a user started with ``ha-wizard lab up``).
    """

    def __init__(self, lab_dir: Path | None = None, *, name: str = "default", data_disk_mib: int = 128,
                 memory_mib: int = 768, cpus: int = 1, boot_timeout: float = 240.0,
                 names: Sequence[str] | None = None) -> None:
        self.lab_dir = (lab_dir or default_lab_dir()).resolve()
        self.name = name
        # The VMs' host names (`uname -n`); None = node1/node2, or what a running lab was started with.
        self._names: tuple[str, ...] | None = check_names(names) if names else None
        self.run_dir = self.lab_dir / "run" / name
        self.data_disk_mib = data_disk_mib
        self.memory_mib = memory_mib
        # One emulated vCPU per VM. Two made the Pacemaker module faster (561 s instead of 693 s, its takeover
        # 26 s instead of 46 s) but Heartbeat 3.0.6 then once failed a takeover: after a graceful hand-over
        # and a power cut of the new holder, the survivor logged "msg2string: Message with zero fields" and
        # "mach_down takeover complete" without running its resource scripts (2026-12-01, TUI walk). Other
        # modules were no faster with two (boots slower: 33 s instead of 24 s).
        self.cpus = cpus
        self.boot_timeout = boot_timeout
        self.image: Image | None = None
        self.timings: dict[str, float] = {}
        self._ports: dict[int, dict[str, int]] = {}
        self._load_state(keep_names=names is not None)

    # ----------------------------------------------------------------------------------------- paths
    @property
    def ssh_key(self) -> Path:
        """Private key that logs in as root on both nodes (its .pub is in their authorized_keys)."""
        return self.lab_dir / "keys" / LAB_KEY

    @property
    def cluster_key(self) -> Path:
        """The node-to-node key: the same file is /root/.ssh/id_ed25519 on both VMs."""
        return self.lab_dir / "keys" / CLUSTER_KEY

    def node_name(self, n: int) -> str:
        """Node *n*'s host name inside the VM (its `uname -n`)."""
        return self._names[n - 1] if self._names else f"node{n}"

    def _file(self, n: int, suffix: str) -> Path:
        return self.run_dir / f"node{n}.{suffix}"

    def console_path(self, n: int) -> Path:
        return self._file(n, "console.log")

    def ssh_port(self, n: int) -> int:
        """The host port (on 127.0.0.1) forwarded to node *n*'s sshd."""
        try:
            return self._ports[n]["ssh"]
        except KeyError:
            raise LabError(f"node{n} has no SSH port: the lab {self.name!r} is not up") from None

    # ------------------------------------------------------------------------------------ lifecycle
    def up(self, *, fresh: bool = True, rebuild: bool = False) -> None:
        """Build or reuse the image, then boot both VMs in parallel and wait until both answer SSH.

        With ``fresh=False`` a lab that is already running is kept as it is. Otherwise leftovers of this
        lab are stopped and both VMs start from new overlays and blank data disks.
        """
        owner.claim(self.lab_dir, self.name)  # first: refuse before touching anything of a running lab
        for tool in ("qemu-system-x86_64", "qemu-img", "sfdisk", "ssh", "ssh-keygen"):
            require_tool(tool)
        self.image = ensure_image(self.lab_dir, rebuild=rebuild)
        self.timings["image_cache_hit_secs" if self.image.cached else "image_build_secs"] = \
            self.image.build_secs
        if not fresh and all(self._pid(n) for n in NODES):
            return
        self.down(release=False)
        if not self.image.cached:
            prune_images(self.lab_dir, keep={self.image.key} | self._images_in_use())
        try:
            self.run_dir.mkdir(parents=True, exist_ok=True)
            for n in NODES:
                self._create_disks(n)
            self._allocate_ports()
            self._save_state()
            starts = {n: self._start_qemu(n) for n in NODES}
            with ThreadPoolExecutor(max_workers=len(NODES)) as pool:
                waits = {n: pool.submit(self._wait_ssh, n, starts[n]) for n in NODES}
                for n in NODES:
                    secs = waits[n].result()
                    self.timings[f"node{n}_boot_to_ssh_secs"] = secs
                    record_timing(self.lab_dir, f"node{n}_boot_to_ssh_secs", secs, lab=self.name)
            for n in NODES:
                self._apply_name(n)
        except BaseException:
            self.down(keep_disks=True)  # Ctrl-C or failure: never leave VMs behind
            raise

    def down(self, *, keep_disks: bool = False, release: bool = True) -> None:
        """Stop both VMs (by recorded PID) and drop their overlays and data disks (not the console logs).

        Refused (LabError) while another live process owns this lab (see ``owner``)."""
        owner.claim(self.lab_dir, self.name)
        try:
            for n in NODES:
                self._stop(n)
                if not keep_disks:
                    for suffix in ("qcow2", "data.img"):
                        self._file(n, suffix).unlink(missing_ok=True)
        finally:
            if release:
                owner.release(self.lab_dir, self.name)

    def status(self) -> list[NodeStatus]:
        out = []
        for n in NODES:
            pid = self._pid(n)
            ok = pid is not None and self.ssh(n, "true", check=False, timeout=20).returncode == 0
            out.append(NodeStatus(n, self.node_name(n), pid is not None, pid, self._ports.get(n, {}).get("ssh"), ok))
        return out

    def is_running(self, n: int) -> bool:
        return self._pid(n) is not None

    def kill_hard(self, n: int) -> None:
        """SIGKILL node *n*'s qemu, like pulling its power cord (for failover tests)."""
        if self._pid(n) is None:
            raise LabError(f"node{n} is not running")
        self._stop(n, sig=signal.SIGKILL)

    def set_link(self, n: int, up: bool) -> None:
        """Cut (``up=False``) or restore node *n*'s VM-to-VM link (eth1) like pulling its cable, through the
        qemu monitor: the guest sees its carrier go down; DRBD and Heartbeat lose the peer."""
        if self._pid(n) is None:
            raise LabError(f"node{n} is not running")
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.settimeout(10)
            s.connect(str(self._file(n, "mon")))
            s.sendall(f"set_link l1 {'on' if up else 'off'}\n".encode())
            time.sleep(0.3)  # the monitor answers with its prompt; nothing to read back

    def restart(self, n: int) -> float:
        """Boot node *n* again from its existing overlay (same ports); return seconds until SSH answers."""
        if self._pid(n) is not None:
            self.ssh(n, "sync", check=False, timeout=60)  # what the guest wrote, keep it
            self._stop(n)
        secs = self._wait_ssh(n, self._start_qemu(n))
        self._apply_name(n)
        self.timings[f"node{n}_restart_to_ssh_secs"] = secs
        record_timing(self.lab_dir, f"node{n}_restart_to_ssh_secs", secs, lab=self.name)
        return secs

    def reset_data_disk(self, n: int) -> None:
        """Bring node *n*'s data partition back to blank without rebuilding anything.

        Inside a running guest: stop Heartbeat (it may hold the disk), unmount and take down DRBD, then wipe
        signatures and zero the partition (``blkdiscard -z`` refuses a partition with a signature, hence
        ``-f``; dd if discard is not possible). A stopped VM gets a new blank disk file instead.
        """
        if self._pid(n) is None:
            self._create_disks(n, overlay=False)
            return
        script = (
            "systemctl stop heartbeat >/dev/null 2>&1; "
            "for m in $(awk '$1 ~ /^\\/dev\\/drbd/ {print $2}' /proc/mounts); do umount \"$m\"; done; "
            # drbdsetup, not drbdadm: it needs no config naming this host (the VM may have been renamed)
            "if [ -e /proc/drbd ]; then for r in $(drbdsetup show 2>/dev/null | awk '/^resource/ {print $2}'); "
            "do drbdsetup down \"$r\"; done; drbdadm down all >/dev/null 2>&1; rmmod drbd 2>/dev/null; fi; "
            "wipefs -q -a /dev/vdb1 && "
            "{ blkdiscard -f -z /dev/vdb1 2>/dev/null || dd if=/dev/zero of=/dev/vdb1 bs=1M status=none; "
            "} ; sync; wipefs /dev/vdb1 | grep -q . && exit 3; exit 0"
        )
        self.ssh(n, script, timeout=300)

    # --------------------------------------------------------------------------------------- access
    def ssh_command(self, n: int, *, connect_timeout: int = 10) -> list[str]:
        """The argv prefix (without the remote command) that logs in to node *n* as root from the host."""
        return [require_tool("ssh"), "-F", "/dev/null", "-i", str(self.ssh_key), "-p", str(self.ssh_port(n)),
                *self._ssh_options(connect_timeout), "root@127.0.0.1"]

    def ssh(self, n: int, cmd: str | Sequence[str], check: bool = True, input: str | None = None,
            timeout: float = 120) -> subprocess.CompletedProcess[str]:
        """Run *cmd* as root on node *n* (a string goes to the remote shell as is; a list is quoted)."""
        remote = cmd if isinstance(cmd, str) else shlex.join(cmd)
        argv = [*self.ssh_command(n), remote]
        try:
            proc = subprocess.run(argv, input=input, capture_output=True, text=True, timeout=timeout,
                                  stdin=None if input is not None else subprocess.DEVNULL, check=False)
        except subprocess.TimeoutExpired as exc:
            raise SshError(f"node{n}: {remote!r} timed out after {timeout:.0f} s") from exc
        if check and proc.returncode != 0:
            tail = " | ".join((proc.stderr or proc.stdout).strip().splitlines()[-5:])
            raise SshError(f"node{n}: {remote!r} exited {proc.returncode}: {tail}", proc)
        return proc

    def scp_to(self, n: int, local: str | Path, remote: str, timeout: float = 300) -> None:
        """Copy a host file (or directory, recursively) to *remote* on node *n*."""
        argv = [require_tool("scp"), "-F", "/dev/null", "-q", "-i", str(self.ssh_key), "-P",
                str(self.ssh_port(n)), *self._ssh_options(10)]
        if Path(local).is_dir():
            argv.append("-r")
        run([*argv, str(local), f"root@127.0.0.1:{remote}"], timeout=timeout, what=f"scp to node{n}")

    def host_key(self, n: int) -> str:
        """Node *n*'s SSH host public key line (``ssh-ed25519 AAAA... root@nodeN``), read over SSH."""
        return self.ssh(n, "cat /etc/ssh/ssh_host_ed25519_key.pub", timeout=60).stdout.strip()

    def host_key_fingerprint(self, n: int) -> str:
        """``SHA256:...`` fingerprint of node *n*'s host key, as ``ssh-keygen -lf`` prints it."""
        out = self.ssh(n, "ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub", timeout=60).stdout
        return out.split()[1]

    def known_hosts_line(self, n: int) -> str:
        """A known_hosts line for node *n* as reached from the host (``[127.0.0.1]:PORT``)."""
        keytype, key = self.host_key(n).split()[:2]
        return f"[127.0.0.1]:{self.ssh_port(n)} {keytype} {key}"

    def console_tail(self, n: int, lines: int = 40) -> str:
        """The last *lines* of node *n*'s serial console (kernel + systemd messages), cleaned of escapes."""
        path = self.console_path(n)
        if not path.exists():
            return "(no console log)"
        with open(path, "rb") as fh:
            fh.seek(max(0, path.stat().st_size - 65536))
            text = fh.read().decode(errors="replace")
        text = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]|\r", "", text)
        return "\n".join(text.splitlines()[-lines:])

    def consoles(self, lines: int = 40) -> str:
        """Both console tails, headed by node name: what a failure report shows."""
        return "\n".join(f"----- node{n} console ({self.console_path(n)}) -----\n"
                         f"{self.console_tail(n, lines)}" for n in NODES)

    def leftover_processes(self) -> list[int]:
        """PIDs of any qemu still running on this lab's run directory, recorded or not (for checks only)."""
        return procs.find_lab_qemus(self.run_dir)

    # ------------------------------------------------------------------------------------- internals
    @staticmethod
    def _ssh_options(connect_timeout: int) -> list[str]:
        # Host keys change with every fresh overlay and the port is ours on 127.0.0.1: the harness does
        # not keep them (the wizard under test does its own host-key handling).
        opts = {"BatchMode": "yes", "IdentitiesOnly": "yes", "StrictHostKeyChecking": "no",
                "UserKnownHostsFile": "/dev/null", "GlobalKnownHostsFile": "/dev/null", "LogLevel": "ERROR",
                "ConnectTimeout": str(connect_timeout), "ServerAliveInterval": "15",
                "ServerAliveCountMax": "4"}
        return [a for k, v in opts.items() for a in ("-o", f"{k}={v}")]

    def _create_disks(self, n: int, *, overlay: bool = True) -> None:
        assert self.image is not None or not overlay
        if overlay and self.image is not None:
            qcow = self._file(n, "qcow2")
            qcow.unlink(missing_ok=True)
            run([require_tool("qemu-img"), "create", "-q", "-f", "qcow2", "-F", "qcow2", "-b",
                 str(self.image.qcow2), str(qcow)], what="qemu-img create")
        data = self._file(n, "data.img")
        data.unlink(missing_ok=True)
        with open(data, "wb") as fh:
            fh.truncate(self.data_disk_mib << 20)
        # One Linux partition from sector 2048 to the end: /dev/vdb1 in the guest.
        proc = subprocess.run([require_tool("sfdisk"), "-q", str(data)],
                              input=f"start={DATA_PART_START}, type=83\n", capture_output=True, text=True,
                              check=False)
        if proc.returncode != 0:
            raise LabError(f"sfdisk could not partition {data}: {proc.stderr.strip()}")

    def _allocate_ports(self) -> None:
        def free(kind: int) -> int:
            with socket.socket(socket.AF_INET, kind) as s:
                s.bind(("127.0.0.1", 0))
                return int(s.getsockname()[1])

        self._ports = {n: {"ssh": free(socket.SOCK_STREAM), "link": free(socket.SOCK_DGRAM)} for n in NODES}

    def _qemu_argv(self, n: int) -> list[str]:
        assert self.image is not None
        peer = NODES[1] if n == NODES[0] else NODES[0]
        ssh_port, link, peer_link = self._ports[n]["ssh"], self._ports[n]["link"], self._ports[peer]["link"]
        append = f"root=/dev/vda rw console=ttyS0 net.ifnames=0 mitigations=off vmnode={n}"
        return [
            require_tool("qemu-system-x86_64"), "-name", f"node{n}", "-nodefaults",
            "-accel", "tcg", "-cpu", "qemu64", "-smp", str(self.cpus), "-m", str(self.memory_mib),
            "-display", "none",
            "-chardev", f"file,id=con,path={self.console_path(n)},append=on", "-serial", "chardev:con",
            "-daemonize", "-pidfile", str(self._file(n, "pid")),
            "-kernel", str(self.image.kernel), "-initrd", str(self.image.initrd), "-append", append,
            # writeback for the qcow2 overlay: its metadata must survive kill_hard(); the raw data disk has no
            # metadata, and DRBD's many flushes would only slow it down.
            "-drive", f"file={self._file(n, 'qcow2')},if=virtio,format=qcow2,cache=writeback",
            "-drive", f"file={self._file(n, 'data.img')},if=virtio,format=raw,cache=unsafe",
            # eth0: user-mode NIC, no way out (restrict=on); the host reaches sshd via 127.0.0.1 only.
            "-netdev", f"user,id=u0,restrict=on,hostfwd=tcp:127.0.0.1:{ssh_port}-:22",
            "-device", f"virtio-net-pci,netdev=u0,mac=52:54:00:00:00:0{n}",
            # eth1: the VM-to-VM link, UDP datagrams between the two qemus on 127.0.0.1.
            "-netdev", f"socket,id=l1,udp=127.0.0.1:{peer_link},localaddr=127.0.0.1:{link}",
            "-device", f"virtio-net-pci,netdev=l1,mac=52:54:00:00:01:0{n}",
            "-device", "virtio-rng-pci",  # entropy for the first-boot host key
            # the human monitor on a unix socket: set_link() cuts and restores eth1 (split-brain drills)
            "-monitor", f"unix:{self._file(n, 'mon')},server,nowait",
        ]

    def _start_qemu(self, n: int) -> float:
        procs.become_subreaper()
        if self.image is None:
            self.image = ensure_image(self.lab_dir)
        self._file(n, "pid").unlink(missing_ok=True)
        with open(self.console_path(n), "a") as fh:
            fh.write(f"\n===== ha-wizard lab: starting node{n} at {time.strftime('%F %T')} =====\n")
        t0 = time.monotonic()
        run(self._qemu_argv(n), timeout=60, what=f"qemu-system-x86_64 (node{n})")
        procs.reap_adopted()  # the short-lived middle process of -daemonize
        log.info("node%d: qemu pid %s, ssh on 127.0.0.1:%d", n, self._pid(n), self._ports[n]["ssh"])
        return t0

    def _wait_ssh(self, n: int, t0: float) -> float:
        deadline = t0 + self.boot_timeout
        while True:
            if self._pid(n) is None:
                raise LabError(f"node{n}'s qemu exited while booting\n{self.consoles()}")
            try:
                if self.ssh(n, "true", check=False, timeout=20).returncode == 0:
                    return time.monotonic() - t0
            except SshError:
                pass
            if time.monotonic() > deadline:
                raise LabError(f"node{n} did not answer SSH within {self.boot_timeout:.0f} s\n"
                               f"{self.consoles()}")
            time.sleep(1)

    def _pid(self, n: int) -> int | None:
        try:
            pid = int(self._file(n, "pid").read_text().strip())
        except (OSError, ValueError):
            return None
        return pid if procs.is_lab_qemu(pid, self.run_dir) else None

    def _stop(self, n: int, sig: signal.Signals = signal.SIGTERM) -> None:
        pid = self._pid(n)
        if pid is not None:
            if not procs.stop(pid, self.run_dir, sig):
                raise LabError(f"node{n}'s qemu (pid {pid}) does not stop")
            log.info("node%d: qemu pid %d stopped (%s)", n, pid, sig.name)
        self._file(n, "pid").unlink(missing_ok=True)

    def rename(self, names: Sequence[str] | None) -> None:
        """Give the running VMs other host names (None: node1 and node2 again); kept across ``restart``."""
        self._names = check_names(names) if names else None
        self._save_state()
        for n in NODES:
            if self.is_running(n):
                name = self.node_name(n)
                self.ssh(n, f"echo {name} > /etc/hostname && hostname {name}", timeout=60)

    def _apply_name(self, n: int) -> None:
        """Give node *n* its host name when the lab was started with other names than nodeN. The boot
        script names each VM nodeN at every boot; this renames it right after, before anyone logs in."""
        if self._names is None:
            return
        name = self.node_name(n)
        self.ssh(n, f"echo {name} > /etc/hostname && hostname {name}", timeout=60)

    def _save_state(self) -> None:
        state = {"image": str(self.image.dir) if self.image else None, "ports": self._ports,
                 "names": list(self._names) if self._names else None}
        (self.run_dir / "lab.json").write_text(json.dumps(state, indent=2) + "\n")

    def _load_state(self, keep_names: bool = False) -> None:
        try:
            state = json.loads((self.run_dir / "lab.json").read_text())
            self._ports = {int(n): dict(p) for n, p in state["ports"].items()}
            if not keep_names and state.get("names"):
                self._names = tuple(state["names"])
            if state.get("image") and Path(state["image"], "manifest.json").exists():
                self.image = Image(Path(state["image"]), Path(state["image"]).name, True, 0.0)
        except (OSError, ValueError, KeyError, TypeError):
            self._ports = {}

    def _images_in_use(self) -> set[str]:
        """Image keys that running labs (any name) boot from: never prune those."""
        used = set()
        for other in (self.lab_dir / "run").glob("*/lab.json"):
            lab = Lab(self.lab_dir, name=other.parent.name)
            if lab.image and any(lab._pid(n) for n in NODES):
                used.add(lab.image.key)
        return used
