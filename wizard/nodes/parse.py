"""Node facts: host name, addresses, DRBD versions, package versions, serial ports."""

from __future__ import annotations

import ipaddress
import json
import re
from dataclasses import dataclass

IPInterface = ipaddress.IPv4Interface | ipaddress.IPv6Interface


def parse_uname_n(text: str) -> str:
    """``uname -n``: the node name Heartbeat and DRBD's ``on <name>`` sections must match exactly."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if len(lines) != 1 or len(lines[0].split()) != 1:
        raise ValueError(f"uname -n printed {text!r}, expected one host name")
    return lines[0]


def parse_ip_j_addr(text: str) -> dict[str, list[IPInterface]]:
    """``ip -j addr``: interface -> its addresses with prefix length, in the order ip lists them
    (loopback and link-local included; callers filter). Secondary addresses ("eth0:0") count for eth0."""
    out: dict[str, list[IPInterface]] = {}
    for link in json.loads(text or "[]"):
        addrs = out.setdefault(link["ifname"], [])
        for a in link.get("addr_info", []):
            if "local" in a and "prefixlen" in a:
                addrs.append(ipaddress.ip_interface(f"{a['local']}/{a['prefixlen']}"))
    return out


@dataclass(frozen=True)
class Versions:
    kernel_module: str | None  # "8.4.11"; None when no module is loaded/known
    utils: str | None  # drbd-utils (drbdadm) version, "9.22.0"
    api: int | None  # /proc/drbd "api:N" (88 = 8.3, 1 = 8.4, 2 = 9) or DRBDADM_API_VERSION


def _code(hexcode: str) -> str | None:
    n = int(hexcode, 16)  # 0x08040b -> 8.4.11; 0 means "no kernel module"
    return f"{n >> 16}.{(n >> 8) & 0xFF}.{n & 0xFF}" if n else None


def parse_drbd_version(text: str) -> Versions:
    """Accepts the first line(s) of /proc/drbd, ``drbdadm --version`` (KEY=VALUE lines), ``modinfo drbd``
    or the bare ``modinfo -F version drbd`` answer."""
    kv = dict(re.findall(r"^(DRBD\w+)=(.*)$", text, re.M))
    if kv:
        kernel = kv.get("DRBD_KERNEL_VERSION")
        if not kernel or kernel == "0":
            kernel = _code(kv["DRBD_KERNEL_VERSION_CODE"]) if "DRBD_KERNEL_VERSION_CODE" in kv else None
        utils = kv.get("DRBDADM_VERSION") or (
            _code(kv["DRBDADM_VERSION_CODE"]) if "DRBDADM_VERSION_CODE" in kv else None)
        api = kv.get("DRBDADM_API_VERSION")
        return Versions(kernel, utils, int(api) if api and api.isdigit() else None)
    if m := re.search(r"^version:\s*(\d[\w.\-]*)(?:.*\bapi:(\d+))?", text, re.M):  # /proc/drbd, modinfo
        return Versions(m.group(1), None, int(m.group(2)) if m.group(2) else None)
    if m := re.fullmatch(r"\s*(\d+\.\d+\.\d+[\w.\-]*)\s*", text):
        return Versions(m.group(1), None, None)
    return Versions(None, None, None)


def parse_dpkg_versions(text: str) -> dict[str, str]:
    """``dpkg-query -W -f '${Package} ${Version}\\n' PKG...`` or ``rpm -q PKG...``: package -> version.
    Packages that are not installed ("no packages found", "is not installed", empty version) are left out."""
    out: dict[str, str] = {}
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("dpkg-query:") or line.endswith("is not installed"):
            continue
        if raw.endswith(" ") and len(line.split()) == 1:
            continue  # dpkg knows the package but has no version: not installed (config files only)
        tok = line.split()
        if len(tok) == 2:
            out[tok[0]] = tok[1]
        elif len(tok) == 1 and (m := re.fullmatch(r"(.+)-([^-]+)-([^-]+?)(?:\.(\w+))?", tok[0])):
            # rpm NAME-VERSION-RELEASE.ARCH; the arch suffix is dropped when it is a known one
            arch = m.group(4)
            release = m.group(3) if arch in _ARCHES else (f"{m.group(3)}.{arch}" if arch else m.group(3))
            out[m.group(1)] = f"{m.group(2)}-{release}"
    return out


def parse_apt_candidates(text: str) -> dict[str, str | None] | None:
    """The "candidates" probe: the number of package lists apt has, then ``apt-cache policy PKG...``.
    package -> the version a repository offers (None: apt knows the name but nothing installable, or not at
    all). None when apt has no lists yet (never updated): nothing can be told before ``apt-get update``."""
    head, _, policy = text.partition("\n")
    if not head.strip().isdigit() or int(head) == 0:
        return None
    out: dict[str, str | None] = {}
    name = None
    for line in policy.splitlines():
        if m := re.fullmatch(r"(\S+):", line.strip()) if not line.startswith(" ") else None:
            name = m.group(1).split(":")[0]  # "pkg:amd64:" on multiarch systems
            out[name] = None
        elif name and (m := re.fullmatch(r"\s+Candidate:\s*(\S+)", line)):
            out[name] = None if m.group(1) == "(none)" else m.group(1)
    return out


_ARCHES = frozenset({"x86_64", "noarch", "i386", "i486", "i586", "i686", "aarch64", "ppc64le", "s390x",
                     "armv7hl", "ppc64"})


def parse_serial_ports(text: str) -> list[str]:
    """Serial ports from /proc/tty/driver/serial (only lines with a real UART, not "uart:unknown") or
    from ``ls /dev/ttyS*`` (every name the kernel created; whether hardware sits behind it is unknown)."""
    if "uart:" in text:
        return [f"/dev/ttyS{n}" for n, uart in re.findall(r"^\s*(\d+):\s*uart:(\S+)", text, re.M)
                if uart != "unknown"]
    names = re.findall(r"(?:/dev/)?(ttyS\d+)\b", text)
    return sorted({f"/dev/{n}" for n in names}, key=lambda p: int(p.rsplit("S", 1)[1]))
