"""The tutorial's pair built BY HAND on the two lab VMs, with no ha-wizard involved: the commands an admin types
from the tutorial (and the reference lab prototype's drbd-flow.sh / ha-flow.sh), in the tutorial's order:
/etc/hosts, /replicated and its `noauto` fstab line, /etc/drbd.d/r0.res, create-md, up, the first sync from
node1, mkfs.ext3, the service's config and data moved onto /replicated with symlinks on both nodes (apache2:
sendmail hangs a minute on the lab's unresolvable name), Heartbeat's three files, DRBD and Heartbeat enabled at
boot, Heartbeat started on both. Then the faults an admin makes, each with the fix doctor should name.

``save_image_state`` / ``restore_image_state`` keep the lab shareable: every file this touches is put back.
"""

from __future__ import annotations

import re
import shlex
import time
from collections.abc import Callable
from dataclasses import dataclass

from helpers.tutorial_pair import (
    AUTHKEYS,
    AUTHKEYS_TEXT,
    FSTAB_LINE,
    HA_CF,
    HARESOURCES,
    HOSTS,
    R0_RES,
    RES,
    SECRET,
    VIP,
)

from wizard.lab import Lab

from .wizard_on_node import BOOT_LINKS, BOOT_OFF, on_both, restore_saved

NODES = (1, 2)
# Everything the hand build changes outside /replicated, saved before and put back after.
TOUCHED = ("/etc/hosts", "/etc/fstab", "/etc/drbd.d", "/etc/ha.d", "/etc/apache2", "/var/www", *BOOT_LINKS)
SAVED = "/root/.before-handbuilt.tar"


def on_both_nodes(lab: Lab, cmd: str, timeout: float = 120) -> None:
    on_both(lambda n: lab.ssh(n, cmd, timeout=timeout))


def wait_until(lab: Lab, n: int, cmd: str, pattern: str, timeout: float) -> str:
    deadline = time.monotonic() + timeout
    out = ""
    while time.monotonic() < deadline:
        out = lab.ssh(n, cmd, check=False, timeout=60).stdout
        if re.search(pattern, out, re.M):
            return out
        time.sleep(1)
    raise AssertionError(f"node{n}: no {pattern!r} in `{cmd}` after {timeout:.0f} s:\n{out}")


def save_image_state(lab: Lab) -> None:
    on_both_nodes(lab, f"test -f {SAVED} || tar -cpf {SAVED} {' '.join(TOUCHED)} 2>/dev/null; test -f {SAVED}")


def restore_image_state(lab: Lab) -> None:
    """Heartbeat and DRBD stopped and off at boot again, apache2 off, the saved files back, disks blank."""
    def restore(n: int) -> None:
        lab.ssh(n, "systemctl stop heartbeat apache2 >/dev/null 2>&1", check=False, timeout=180)
        lab.reset_data_disk(n)
        lab.ssh(n, f"if test -f {SAVED}; then {restore_saved(TOUCHED, SAVED)}; rm -f {SAVED}; fi; "
                   f"rmdir /replicated 2>/dev/null; rm -f /var/log/ha-log; sync; {BOOT_OFF}", check=False,
                timeout=180)

    # the standby's Heartbeat first: it would take over what the other releases
    on_both(lambda n: lab.ssh(n, "ip -o addr | grep -q 'inet 10.99.0.100/' || systemctl stop heartbeat",
                              check=False, timeout=180))
    on_both(restore)


def _heredocs(files: dict[str, str]) -> str:
    """Shell lines that write each file from a quoted here-document (the texts hold no `@@EOF` line)."""
    return "".join(f"cat > {path} <<'@@EOF'\n{text}@@EOF\n" for path, text in files.items())


def build(lab: Lab) -> dict[str, float]:
    """The tutorial's pair by hand, node1 the master; returns the seconds each phase took. What both nodes do
    runs on both at once (each VM has its own emulated CPU), one SSH command per node and phase."""
    t: dict[str, float] = {}
    t0 = time.monotonic()
    on_both(lab.reset_data_disk)
    on_both(lambda n: lab.ssh(n, f"printf '%s' {shlex.quote(HOSTS)} >> /etc/hosts && mkdir -p /replicated && "
                                 f"echo '{FSTAB_LINE}' >> /etc/fstab && cat > {RES} && modprobe drbd && "
                                 "drbdadm create-md r0 </dev/null >/dev/null 2>&1 && drbdadm up r0", input=R0_RES,
                              timeout=180))
    wait_until(lab, 1, "cat /proc/drbd", r"cs:Connected", 60)
    lab.ssh(1, "drbdadm -- --overwrite-data-of-peer primary r0")
    wait_until(lab, 1, "cat /proc/drbd", r"ds:UpToDate/UpToDate", 180)
    t["drbd"] = time.monotonic() - t0
    t1 = time.monotonic()
    move = {1: "mkfs.ext3 -q /dev/drbd0 && mount /dev/drbd0 /replicated && systemctl stop apache2 && "
               "mkdir -p /replicated/etc /replicated/var && cp -a /etc/apache2 /replicated/etc/ && "
               "cp -a /var/www /replicated/var/ && rm -rf /etc/apache2 /var/www && "
               "ln -s /replicated/etc/apache2 /etc/apache2 && ln -s /replicated/var/www /var/www && "
               "umount /replicated && drbdadm secondary r0",
            2: "systemctl stop apache2 && rm -rf /etc/apache2 /var/www && ln -s /replicated/etc/apache2 /etc/apache2 "
               "&& ln -s /replicated/var/www /var/www"}
    heartbeat = ("set -e\n" + _heredocs({"/etc/ha.d/ha.cf": HA_CF, "/etc/ha.d/haresources": HARESOURCES})
                 + "umask 077\n" + _heredocs({AUTHKEYS: AUTHKEYS_TEXT}) + f"chmod 600 {AUTHKEYS}\n"
                 "rm -f /var/log/ha-log\n"  # apache2 is off at boot in the image already, as the tutorial wants
                 "systemctl enable drbd heartbeat >/dev/null 2>&1\n")
    on_both(lambda n: lab.ssh(n, f"{move[n]}\n{heartbeat}", timeout=300))
    t["files"] = time.monotonic() - t1
    t2 = time.monotonic()
    on_both(lambda n: lab.ssh(n, "systemctl start heartbeat", timeout=180))
    owner = r"ro:Primary/Secondary(?s:.*)^MOUNTED\nvip=1$"
    wait_until(lab, 1, f"cat /proc/drbd; mountpoint -q /replicated && echo MOUNTED; echo vip=$(ip -o addr | "
                       f"grep -c {VIP})", owner, 240)
    wait_until(lab, 1, "systemctl is-active apache2", r"^active$", 120)
    t["heartbeat"] = time.monotonic() - t2
    return t


# ------------------------------------------------------------------------------------------------ faults
@dataclass(frozen=True)
class Fault:
    """One slip an admin makes: how to make it, how to undo it, and what doctor must say."""

    name: str
    inject: Callable[[Lab], None]
    revert: Callable[[Lab], None]
    key: str  # the finding's key
    node: str  # the node the finding names ("" = the pair)
    fix: str  # a piece of the fix doctor must give


def _sed(path: str, expr: str, nodes: tuple[int, ...] = NODES) -> Callable[[Lab], None]:
    def run(lab: Lab) -> None:
        for n in nodes:
            lab.ssh(n, f"sed -i {shlex.quote(expr)} {path}")
    return run


def _cmd(n: int, cmd: str) -> Callable[[Lab], None]:
    def run(lab: Lab) -> None:
        lab.ssh(n, cmd, timeout=180)
    return run


def _split_brain(lab: Lab) -> None:
    """Both nodes apart, both Primary, both written, reconnected: "Split-Brain detected", StandAlone."""
    on_both_nodes(lab, "drbdadm disconnect r0")
    lab.ssh(2, "drbdadm primary r0 && dd if=/dev/urandom of=/dev/drbd0 bs=4k count=4 seek=20000 oflag=direct "
               "status=none")
    lab.ssh(1, "date > /replicated/written-while-apart && sync")
    on_both_nodes(lab, "drbdadm connect r0")
    wait_until(lab, 2, "dmesg | grep -c 'Split-Brain detected'; cat /proc/drbd", r"cs:StandAlone", 60)
    wait_until(lab, 1, "cat /proc/drbd", r"cs:(StandAlone|WFConnection)", 60)


def _recover(lab: Lab) -> None:
    """What doctor tells the admin: node2 (not serving) discards its changes, node1 keeps its own."""
    lab.ssh(2, "drbdadm secondary r0 && drbdadm connect --discard-my-data r0")
    lab.ssh(1, "drbdadm connect r0 2>/dev/null || true")
    wait_until(lab, 1, "cat /proc/drbd", r"cs:Connected.*ds:UpToDate/UpToDate", 120)


FAULTS = (
    Fault("host name typo", _sed(RES, "s/on node1 {/on nodel {/"), _sed(RES, "s/on nodel {/on node1 {/"),
          "drbd.hostname", "node1", "change `on nodel` to `on node1`"),
    Fault("wrong address (the tutorial's .3)", _sed(RES, "s/10.99.0.1:7788/10.99.0.3:7788/"),
          _sed(RES, "s/10.99.0.3:7788/10.99.0.1:7788/"), "drbd.address", "node1", "address 10.99.0.1:7788;"),
    Fault("missing ';' after device", _sed(RES, "0,/device    \\/dev\\/drbd0;/s//device    \\/dev\\/drbd0/"),
          _sed(RES, "0,/device    \\/dev\\/drbd0$/s//device    \\/dev\\/drbd0;/"), "drbd.parse", "",
          "add the missing ';'"),
    Fault("different secrets", _sed(RES, f"s/{SECRET}/othersecret/", (2,)), _sed(RES, f"s/othersecret/{SECRET}/", (2,)),
          "drbd.secret", "", "same shared-secret"),
    Fault("service enabled at boot", _cmd(2, "systemctl enable apache2 2>/dev/null"),
          _cmd(2, "systemctl disable apache2 2>/dev/null"), "services.boot", "node2", "systemctl disable apache2"),
    Fault("missing symlink on the slave", _cmd(2, "rm /var/www"), _cmd(2, "ln -s /replicated/var/www /var/www"),
          "services.symlink", "node2", "ln -s /replicated/var/www /var/www"),
    Fault("authkeys mode 644", _cmd(1, f"chmod 644 {AUTHKEYS}"), _cmd(1, f"chmod 600 {AUTHKEYS}"),
          "heartbeat.authkeys-mode", "node1", f"chmod 600 {AUTHKEYS}"),
    Fault("an auto fstab line", _sed("/etc/fstab", "s|/replicated ext3 noauto|/replicated ext3 defaults|", (2,)),
          _sed("/etc/fstab", "s|/replicated ext3 defaults|/replicated ext3 noauto|", (2,)), "boot.fstab", "node2",
          "noauto"),
    Fault("split-brain", _split_brain, _recover, "drbd.split-brain", "",
          "On node2: `drbdadm secondary r0; drbdadm connect --discard-my-data r0`"),
)
