"""Build (or reuse) the lab's Debian 12 disk image: ``base.qcow2`` + kernel + initrd for direct kernel boot.

The image is made with mmdebstrap into a plain directory, customised from Python, then packed with
``mkfs.ext4 -d`` (no loop mounts, so it works in containers) and converted to qcow2. Both lab VMs boot
copy-on-write overlays of it, so per-VM identity is applied at boot (see ``guest/ha-wizard-lab-boot``).

Caching: the image lives in ``<lab_dir>/images/<key>/`` where *key* hashes everything that goes into it
(package list, this file, the guest files, the SSH public keys). A build happens in a temporary directory
that is renamed into place only when complete, so an interrupted build never looks like a cache hit.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from wizard.lab.common import LabError, log, record_timing, require_tool, run

SUITE = "bookworm"

#: Everything the lab nodes need. The kernel must ship drbd.ko (checked after the build); msmtp and not
#: ssmtp because ssmtp conflicts with sendmail on Debian 12 (both provide mail-transport-agent).
PACKAGES: tuple[str, ...] = (
    "linux-image-cloud-amd64",
    "systemd-sysv", "udev", "kmod",
    "openssh-server", "openssh-sftp-server",
    "drbd-utils", "heartbeat",
    "pacemaker", "corosync", "crmsh", "resource-agents",  # the second cluster stack (docs/pacemaker.md)
    "iproute2", "iputils-ping", "net-tools",  # heartbeat's IPaddr needs ifconfig (net-tools)
    "fdisk", "e2fsprogs", "util-linux", "procps", "psmisc",
    "python3", "python3-venv",
    "sendmail", "msmtp", "apache2", "postgresql",  # services the wizard's recipes make redundant
)

#: Installed but not started at boot: the wizard (and later Heartbeat) decides when they run. The
#: service daemons are also kept off so that booting two VMs under TCG emulation stays fast.
DISABLED_AT_BOOT: tuple[str, ...] = ("heartbeat", "corosync", "pacemaker", "drbd", "apache2", "postgresql",
                                     "sendmail")

#: Periodic jobs that only burn emulated CPU (or try a network the lab does not have).
MASKED_UNITS: tuple[str, ...] = (
    "apt-daily.timer", "apt-daily-upgrade.timer", "dpkg-db-backup.timer", "e2scrub_all.timer",
    "fstrim.timer", "logrotate.timer", "man-db.timer", "systemd-networkd-wait-online.service",
)

ROOTFS_SIZE = "3G"  # virtual size; qcow2 stores only what is used (~0.7 GiB)
GUEST_DIR = Path(__file__).with_name("guest")
LAB_KEY = "lab_ed25519"  # host -> guests (root)
CLUSTER_KEY = "cluster_ed25519"  # node <-> node: the same /root/.ssh/id_ed25519 on both VMs


@dataclass(frozen=True)
class Image:
    """A complete cached image: the files ``vms`` boots from."""

    dir: Path
    key: str
    cached: bool  # True when reused from the cache, False when built by this call
    build_secs: float  # time of this call (a cache hit is ~0)

    @property
    def qcow2(self) -> Path:
        return self.dir / "base.qcow2"

    @property
    def kernel(self) -> Path:
        return self.dir / "vmlinuz"

    @property
    def initrd(self) -> Path:
        return self.dir / "initrd.img"

    @property
    def manifest(self) -> dict[str, object]:
        data: dict[str, object] = json.loads((self.dir / "manifest.json").read_text())
        return data


def ensure_keys(lab_dir: Path) -> tuple[Path, Path]:
    """Create (once) the lab key and the cluster key under ``<lab_dir>/keys``; return their private paths."""
    keys = lab_dir / "keys"
    keys.mkdir(parents=True, exist_ok=True)
    os.chmod(keys, 0o700)
    paths = []
    for name, comment in ((LAB_KEY, "ha-wizard-lab"), (CLUSTER_KEY, "ha-wizard-lab-cluster")):
        key = keys / name
        if not (key.exists() and key.with_suffix(".pub").exists()):
            key.unlink(missing_ok=True)
            key.with_suffix(".pub").unlink(missing_ok=True)
            run([require_tool("ssh-keygen"), "-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", str(key)],
                what="ssh-keygen")
        paths.append(key)
    return paths[0], paths[1]


def cache_key(lab_dir: Path) -> str:
    """Hash of everything that ends up in the image; a change in any of it means a rebuild."""
    h = hashlib.sha256()
    h.update(json.dumps([SUITE, PACKAGES, DISABLED_AT_BOOT, MASKED_UNITS, ROOTFS_SIZE]).encode())
    h.update(Path(__file__).read_bytes())
    for f in sorted(GUEST_DIR.iterdir()):
        if f.is_file():
            h.update(f.name.encode() + b"\0" + f.read_bytes())
    for name in (LAB_KEY, CLUSTER_KEY):
        h.update((lab_dir / "keys" / f"{name}.pub").read_bytes())
    return h.hexdigest()[:16]


def ensure_image(lab_dir: Path, *, rebuild: bool = False) -> Image:
    """Return the cached image for the current inputs, building it first if missing or stale.

    A file lock serialises concurrent callers (two pytest sessions, CLI + pytest): the second one waits
    and then finds the first one's image.
    """
    t0 = time.monotonic()
    lab_dir.mkdir(parents=True, exist_ok=True)
    ensure_keys(lab_dir)
    key = cache_key(lab_dir)
    images = lab_dir / "images"
    images.mkdir(exist_ok=True)
    final = images / key
    with open(lab_dir / "build.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if rebuild and final.exists():
            shutil.rmtree(final)
        if (final / "manifest.json").exists():
            secs = time.monotonic() - t0
            record_timing(lab_dir, "image_cache_hit_secs", secs, key=key)
            return Image(final, key, cached=True, build_secs=secs)
        _remove_stale_builds(images)
        tmp = images / f".tmp-{key}-{os.getpid()}"
        try:
            _build(lab_dir, tmp, key)
            os.rename(tmp, final)  # atomic: the image appears complete or not at all
        finally:
            if tmp.exists():
                _safe_rmtree(tmp)
    secs = time.monotonic() - t0
    record_timing(lab_dir, "image_build_secs", secs, key=key)
    return Image(final, key, cached=False, build_secs=secs)


def prune_images(lab_dir: Path, keep: set[str]) -> None:
    """Delete cached images other than *keep* (old keys): each is ~0.7 GiB."""
    images = lab_dir / "images"
    if not images.is_dir():
        return
    for d in images.iterdir():
        if d.is_dir() and not d.name.startswith(".") and d.name not in keep:
            log.info("removing old lab image %s", d)
            shutil.rmtree(d, ignore_errors=True)


def _build(lab_dir: Path, tmp: Path, key: str) -> None:
    if os.geteuid() != 0:
        raise LabError("building the lab image needs root (mmdebstrap installs packages into a chroot)")
    mmdebstrap = require_tool("mmdebstrap")
    mkfs = require_tool("mkfs.ext4")
    qemu_img = require_tool("qemu-img")
    tmp.mkdir(parents=True)
    rootfs = tmp / "rootfs"
    t0 = time.monotonic()
    log.info("building lab image %s (mmdebstrap %s, %d packages; takes 1-2 min)", key, SUITE, len(PACKAGES))
    run(
        [
            mmdebstrap, "--variant=minbase", "--mode=root",
            "--aptopt=APT::Install-Recommends \"false\"",
            "--dpkgopt=path-exclude=/usr/share/doc/*",
            "--dpkgopt=path-exclude=/usr/share/man/*",
            "--dpkgopt=path-exclude=/usr/share/locale/*",
            "--dpkgopt=path-exclude=/usr/share/info/*",
            f"--include={','.join(PACKAGES)}",
            # No mirror argument: mmdebstrap uses Debian's default mirror plus updates and security.
            SUITE, str(rootfs),
        ],
        timeout=1200, what="mmdebstrap",
    )
    debootstrap_secs = time.monotonic() - t0
    _customize(rootfs, lab_dir)
    kernel_version, drbd_module = _export_boot_files(rootfs, tmp)
    raw = tmp / "base.raw"
    with open(raw, "wb") as fh:
        fh.truncate(_size_bytes(ROOTFS_SIZE))
    run([mkfs, "-q", "-F", "-L", "ha-lab-root", "-d", str(rootfs), str(raw)], timeout=600, what="mkfs.ext4")
    _safe_rmtree(rootfs)
    run([qemu_img, "convert", "-O", "qcow2", str(raw), str(tmp / "base.qcow2")], timeout=600,
        what="qemu-img convert")
    raw.unlink()
    manifest = {
        "key": key,
        "suite": SUITE,
        "packages": list(PACKAGES),
        "kernel": kernel_version,
        "drbd_module": drbd_module,
        "mmdebstrap_secs": round(debootstrap_secs, 1),
        "build_secs": round(time.monotonic() - t0, 1),
        "qcow2_bytes": (tmp / "base.qcow2").stat().st_size,
        "built_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
    (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")  # written last: "complete"


def _customize(rootfs: Path, lab_dir: Path) -> None:
    """Apply the lab's changes to the fresh root filesystem (files from ``guest/`` and the SSH keys)."""
    def put(src: str, dest: str, mode: int = 0o644) -> None:
        target = rootfs / dest.lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.unlink(missing_ok=True)  # /etc/resolv.conf may be a symlink
        shutil.copyfile(GUEST_DIR / src, target)
        os.chmod(target, mode)

    put("ha-wizard-lab-boot", "/usr/local/sbin/ha-wizard-lab-boot", 0o755)
    put("ha-wizard-lab-boot.service", "/etc/systemd/system/ha-wizard-lab-boot.service")
    put("sshd-ha-wizard-lab.conf", "/etc/ssh/sshd_config.d/ha-wizard-lab.conf")
    put("hosts", "/etc/hosts")
    put("resolv.conf", "/etc/resolv.conf")
    put("fstab", "/etc/fstab")
    (rootfs / "etc/hostname").write_text("localhost\n")  # replaced at boot by nodeN
    # Host keys made by openssh-server's postinst would be shared by both VMs: drop them, each VM makes
    # its own on first boot.
    for f in (rootfs / "etc/ssh").glob("ssh_host_*"):
        f.unlink()
    keys = lab_dir / "keys"
    ssh_dir = rootfs / "root/.ssh"
    ssh_dir.mkdir(parents=True, exist_ok=True)
    os.chmod(ssh_dir, 0o700)
    authorized = (keys / f"{LAB_KEY}.pub").read_text() + (keys / f"{CLUSTER_KEY}.pub").read_text()
    (ssh_dir / "authorized_keys").write_text(authorized)
    shutil.copyfile(keys / CLUSTER_KEY, ssh_dir / "id_ed25519")
    shutil.copyfile(keys / f"{CLUSTER_KEY}.pub", ssh_dir / "id_ed25519.pub")
    for name, mode in (("authorized_keys", 0o600), ("id_ed25519", 0o600), ("id_ed25519.pub", 0o644)):
        os.chmod(ssh_dir / name, mode)
    # No known_hosts on purpose: accepting node host keys is the wizard's job.

    def chroot_systemctl(*args: str) -> str:
        # chroot rather than `systemctl --root`: sysv-only services (sendmail, heartbeat) are disabled
        # through update-rc.d, which must run inside the image.
        proc = subprocess.run(["chroot", str(rootfs), "systemctl", *args], capture_output=True, text=True,
                              stdin=subprocess.DEVNULL, check=False)
        return proc.stdout.strip()

    chroot_systemctl("enable", "ha-wizard-lab-boot.service")
    for unit in DISABLED_AT_BOOT:
        chroot_systemctl("disable", unit)
    chroot_systemctl("mask", *MASKED_UNITS)
    # One unit per call: with sysv and native units mixed, systemctl does not answer in argument order.
    states = {u: chroot_systemctl("is-enabled", u) for u in ("ha-wizard-lab-boot", *DISABLED_AT_BOOT)}
    log.info("unit states in image: %s", states)
    if states.pop("ha-wizard-lab-boot") != "enabled" or "enabled" in states.values():
        raise LabError(f"could not set boot services in the lab image (is-enabled said: {states})")


def _export_boot_files(rootfs: Path, dest: Path) -> tuple[str, str]:
    """Copy kernel + initrd next to the image (qemu boots them directly) and check drbd.ko is there."""
    kernels = sorted((rootfs / "boot").glob("vmlinuz-*"))
    if not kernels:
        raise LabError("the lab image has no kernel in /boot (linux-image-cloud-amd64 missing?)")
    version = kernels[-1].name.removeprefix("vmlinuz-")
    initrd = rootfs / "boot" / f"initrd.img-{version}"
    if not initrd.exists():
        raise LabError(f"the lab image has no initrd for kernel {version}")
    drbd = sorted((rootfs / "lib/modules" / version).rglob("drbd.ko*"))
    if not drbd:
        raise LabError(f"kernel {version} in the lab image has no drbd module")
    shutil.copyfile(kernels[-1], dest / "vmlinuz")
    shutil.copyfile(initrd, dest / "initrd.img")
    return version, str(drbd[0].relative_to(rootfs))


def _size_bytes(size: str) -> int:
    units = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}
    return int(size[:-1]) * units[size[-1]] if size[-1] in units else int(size)


def _mounts_under(path: Path) -> list[str]:
    prefix = str(path.resolve())
    with open("/proc/self/mounts") as fh:
        points = [line.split()[1].replace("\\040", " ") for line in fh]
    return [p for p in points if p == prefix or p.startswith(prefix + "/")]


def _safe_rmtree(path: Path) -> None:
    """rmtree that refuses to descend into a mount (an aborted mmdebstrap may leave /dev or /proc bound)."""
    mounts = _mounts_under(path)
    if mounts:
        raise LabError(f"not removing {path}: still mounted there: {', '.join(mounts)}")
    shutil.rmtree(path, ignore_errors=True)


def _remove_stale_builds(images: Path) -> None:
    """Remove ``.tmp-*`` leftovers of interrupted builds: we hold the build lock, so none is in progress."""
    for d in images.glob(".tmp-*"):
        log.info("removing interrupted build %s", d)
        try:
            _safe_rmtree(d)
        except LabError as exc:
            log.warning("%s", exc)
