"""The tutorial's pair, healthy, as doctor reads it (node1 serving, node2 standby), built from the same texts the
lab test writes by hand; each table test bends it in one place and checks the findings that come out."""

from __future__ import annotations

import dataclasses
import ipaddress
from collections.abc import Mapping
from typing import Any

from helpers.tutorial_pair import AUTHKEYS, AUTHKEYS_TEXT, FSTAB_LINE, HA_CF, HARESOURCES, R0_RES, RES, VIP

from wizard.doctor.finding import Finding
from wizard.doctor.pair import Intent, Pair
from wizard.doctor.probe import NodeSnapshot, PathState
from wizard.drbd.render import debian_file
from wizard.nodes.blockdevs import Mount
from wizard.nodes.facts import NodeFacts, unreached
from wizard.nodes.gather import Section
from wizard.nodes.parse import Versions
from wizard.services.recipes import load_recipes

FSTAB = f"/dev/vda / ext4 rw,noatime,errors=remount-ro 0 0\n{FSTAB_LINE}\n"
PACKAGES = {"drbd-utils": "9.22.0-1", "heartbeat": "1:3.0.6-13+b2", "apache2": "2.4.62-1~deb12u2"}
PROC = {1: "Primary/Secondary", 2: "Secondary/Primary"}


def proc_drbd(roles: str, cs: str = "Connected", ds: str = "UpToDate/UpToDate", extra: str = "") -> str:
    return ("version: 8.4.11 (api:1/proto:86-101)\nsrcversion: 211FB288A383ED945B83420 \n"
            f" 0: cs:{cs} ro:{roles} ds:{ds} C r-----\n"
            "    ns:1064 nr:0 dw:1064 dr:3285 al:9 bm:0 lo:0 pe:0 ua:0 ap:0 ep:1 wo:f oos:0\n" + extra)


def scripts(*missing: str, extra: str = "") -> str:
    """The ``scripts`` section: where each resource of haresources is, less ``missing``."""
    found = [f"{s} /etc/ha.d/resource.d/{s}" for s in ("IPaddr", "drbddisk", "Filesystem")] + \
        ["apache2 /etc/init.d/apache2"]
    return "\n".join(line for line in found if line.split()[0] not in missing) + extra


def sec(out: str, rc: int = 0) -> Section:
    return Section(out, rc)


def files() -> dict[str, str]:
    return {"/etc/drbd.conf": debian_file("drbd.conf"), "/etc/drbd.d/global_common.conf":
            debian_file("global_common.conf"), RES: R0_RES, "/etc/ha.d/ha.cf": HA_CF,
            "/etc/ha.d/haresources": HARESOURCES, AUTHKEYS: AUTHKEYS_TEXT, "/etc/fstab": FSTAB}


def node(n: int, *, files_: Mapping[str, str | None] | None = None, out: Mapping[str, Section | None] | None = None,
         modes: Mapping[str, int] | None = None, paths: Mapping[str, PathState | None] | None = None,
         **facts: Any) -> NodeSnapshot:
    """node1 (serving: Primary, /replicated mounted, the VIP) or node2 (standby), with changes: a None value
    removes the file/section/path."""
    ip = ipaddress.ip_interface
    eth1 = (ip(f"10.99.0.{n}/24"),) + ((ip(f"{VIP}/24"),) if n == 1 else ())
    base = NodeFacts(
        node=f"node{n}", hostname=f"node{n}", machine_id=f"{n:032x}",
        addresses={"lo": (ip("127.0.0.1/8"),), "eth0": (ip("10.0.2.15/24"),), "eth1": eth1},
        mounts=(Mount("/dev/vda", "/", "ext4", "rw"),)
        + ((Mount("/dev/drbd0", "/replicated", "ext3", "rw"),) if n == 1 else ()),
        drbd=Versions("8.4.11", "9.22.0", 1), drbd_loaded=True, drbd_module="8.4.11", package_db="dpkg",
        package_manager="apt-get", packages=dict(PACKAGES), serial_ports=("/dev/ttyS0",))
    f = files()
    sections = {
        "procdrbd": sec(proc_drbd(PROC[n])), "drbdadm-parse": sec(""), "drbdadm-adjust": sec(""),
        "kernel-log": sec("[   40.1] drbd r0: conn( WFConnection -> WFReportParams )\n"),
        "link-speeds": sec("eth0 -1\neth1 -1\nlo ?"), "ifconfig": sec("/usr/sbin/ifconfig"),
        "enabled drbd": sec("enabled"), "enabled heartbeat": sec("enabled"), "active heartbeat": sec("active"),
        "enabled apache2": sec("disabled", 1), "active apache2": sec("active" if n == 1 else "inactive",
                                                                       0 if n == 1 else 3),
        "heartbeat-resources": sec("all" if n == 1 else "none"),
        "under /replicated": sec("@mounted" if n == 1 else ""),
        "scripts": sec(scripts()),
    }
    the_paths = {"/etc/apache2": PathState("link", "/replicated/etc/apache2"),
                 "/var/www": PathState("link", "/replicated/var/www")}
    the_modes = {p: 0o644 for p in f} | {AUTHKEYS: 0o600}
    for target, changes in ((f, files_), (sections, out), (the_paths, paths), (the_modes, modes)):
        for k, v in (changes or {}).items():
            if v is None:
                target.pop(k, None)  # type: ignore[attr-defined]
            else:
                target[k] = v  # type: ignore[index]
    return NodeSnapshot(dataclasses.replace(base, **facts), "this machine" if n == 1 else "root@10.99.0.2",
                        f, the_modes, sections, the_paths)


def pair(n1: NodeSnapshot | None = None, n2: NodeSnapshot | None = None, *, intent: Intent | None = None) -> Pair:
    return Pair(n1 or node(1), n2 or node(2), intent or Intent("discovered"), load_recipes())


def lost(name: str = "node2") -> NodeSnapshot:
    return NodeSnapshot(unreached(name, "ssh: connect to host 10.99.0.2 port 22: No route to host"))


def both(text: str, change: str, replacement: str) -> dict[str, str]:
    """A file edited the same way on both nodes: ``{path: new text}`` for ``node(n, files_=...)``."""
    return {RES: text.replace(change, replacement)}


def problems(found: list[Finding]) -> list[tuple[str, str, str]]:
    """(status, key, node) of every ✗ and ! finding."""
    return [(f.status, f.key, f.node) for f in found if f.status != "ok"]


def one(found: list[Finding], key: str) -> Finding:
    hits = [f for f in found if f.key == key and f.status != "ok"]
    assert len(hits) == 1, f"expected one {key} finding, got {[(f.key, f.title) for f in found]}"
    return hits[0]
