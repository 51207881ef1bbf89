"""Node facts: uname -n, ip -j addr, DRBD/package versions, syntax family, serial ports."""

from __future__ import annotations

from ipaddress import ip_interface
from pathlib import Path

import pytest

from wizard.drbd.family import syntax_family
from wizard.nodes.parse import (
    Versions,
    parse_dpkg_versions,
    parse_drbd_version,
    parse_ip_j_addr,
    parse_serial_ports,
    parse_uname_n,
)

DATA = Path(__file__).resolve().parents[2] / "data" / "captures"


def read(name: str) -> str:
    return (DATA / name).read_text()


@pytest.mark.parametrize(("text", "name"), [("node1\n", "node1"), (" server2.example.com \n\n", "server2.example.com")])
def test_uname_n(text: str, name: str) -> None:
    assert parse_uname_n(text) == name


@pytest.mark.parametrize("text", ["", "\n", "two words\n", "a\nb\n"])
def test_uname_n_rejects(text: str) -> None:
    with pytest.raises(ValueError, match="uname -n printed"):
        parse_uname_n(text)


def test_ip_j_addr_real_capture() -> None:
    # captured with iproute2 in a private network namespace: a veth pair, a secondary "eth0:0" address
    addrs = parse_ip_j_addr(read("ip-j-addr.json"))
    assert list(addrs) == ["lo", "eth1", "eth0"]
    assert addrs["lo"] == [ip_interface("127.0.0.1/8"), ip_interface("::1/128")]
    assert addrs["eth1"] == [ip_interface("10.99.0.1/24"), ip_interface("fe80::307b:fff:fea1:f619/64")]
    assert addrs["eth0"] == [ip_interface("192.168.1.1/24"), ip_interface("192.168.1.5/24"),
                             ip_interface("fd00:99::1/64"), ip_interface("fe80::94d8:5bff:fe14:249a/64")]
    assert str(addrs["eth0"][1].network) == "192.168.1.0/24"


def test_ip_j_addr_link_without_addresses() -> None:
    assert parse_ip_j_addr('[{"ifindex": 3, "ifname": "eth2", "flags": ["BROADCAST"], "addr_info": []}]') == {
        "eth2": []}
    assert parse_ip_j_addr("") == {}


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("drbdadm-version-9.22-nomodule.txt", Versions(None, "9.22.0", 2)),  # real: no module on this machine
        ("drbdadm84-version-9.22.txt", Versions(None, "9.22.0", 1)),  # real: /lib/drbd/drbdadm-84 --version
        ("modinfo-drbd-8.4.11.txt", Versions("8.4.11", None, None)),
        ("procdrbd-samples.txt", Versions("8.4.11", None, 1)),  # /proc/drbd's first line
    ],
)
def test_drbd_version_files(source: str, expected: Versions) -> None:
    assert parse_drbd_version(read(source)) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("DRBDADM_BUILDTAG=GIT-hash:\\ abc\nDRBDADM_API_VERSION=1\nDRBD_KERNEL_VERSION_CODE=0x08040b\n"
         "DRBD_KERNEL_VERSION=8.4.11\nDRBDADM_VERSION_CODE=0x091600\nDRBDADM_VERSION=9.22.0\n",
         Versions("8.4.11", "9.22.0", 1)),
        ("DRBDADM_API_VERSION=1\nDRBD_KERNEL_VERSION_CODE=0x08040b\nDRBDADM_VERSION_CODE=0x080409\n",
         Versions("8.4.11", "8.4.9", 1)),  # older utils: codes only
        ("version: 9.2.8 (api:2/proto:86-122)\nGIT-hash: e163b05a build by @buildsystem\n",
         Versions("9.2.8", None, 2)),
        ("version: 8.3.13 (api:88/proto:86-96)\n", Versions("8.3.13", None, 88)),
        ("8.4.11\n", Versions("8.4.11", None, None)),  # modinfo -F version drbd
        ("modinfo: ERROR: Module drbd not found.\n", Versions(None, None, None)),
        ("", Versions(None, None, None)),
    ],
)
def test_drbd_version_text(text: str, expected: Versions) -> None:
    assert parse_drbd_version(text) == expected


def test_dpkg_real_capture() -> None:
    assert parse_dpkg_versions(read("dpkg-query-debian12.txt")) == {
        "drbd-utils": "9.22.0-1", "fdisk": "2.38.1-5+deb12u3", "heartbeat": "1:3.0.6-13+b2",
        "util-linux": "2.38.1-5+deb12u3"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("drbd-utils 9.22.0-1\ndpkg-query: no packages found matching heartbeat\n", {"drbd-utils": "9.22.0-1"}),
        ("drbd8-utils \nlinux-image-amd64 \n", {}),  # known to dpkg, not installed (empty version)
        ("drbd-utils-9.22.0-1.el8.x86_64\npackage heartbeat is not installed\n", {"drbd-utils": "9.22.0-1.el8"}),
        ("kmod-drbd84-8.4.11-1.el7_6.elrepo.x86_64\nheartbeat-3.0.6-2.el7\n",
         {"kmod-drbd84": "8.4.11-1.el7_6.elrepo", "heartbeat": "3.0.6-2.el7"}),
    ],
)
def test_package_versions(text: str, expected: dict[str, str]) -> None:
    assert parse_dpkg_versions(text) == expected


@pytest.mark.parametrize(
    ("version", "family"),
    [("8.0.14", "8.3"), ("8.2.7", "8.3"), ("8.3.13", "8.3"), ("8.4.0", "8.4"), ("8.4.11", "8.4"),
     ("9.0.6-1", "9"), ("9.2.8", "9"), ("10.0.0", "9")],
)
def test_syntax_family(version: str, family: str) -> None:
    assert syntax_family(version) == family


@pytest.mark.parametrize("version", ["0.7.25", "", "drbd"])
def test_syntax_family_rejects(version: str) -> None:
    with pytest.raises(ValueError):
        syntax_family(version)


def test_serial_ports() -> None:
    assert parse_serial_ports(read("serial-proc-tty-driver.txt")) == ["/dev/ttyS0"]
    assert parse_serial_ports("/dev/ttyS0  /dev/ttyS1  /dev/ttyS10  /dev/ttyS2\n") == [
        "/dev/ttyS0", "/dev/ttyS1", "/dev/ttyS2", "/dev/ttyS10"]
    assert parse_serial_ports("ls: cannot access '/dev/ttyS*': No such file or directory\n") == []
    assert parse_serial_ports("serinfo:1.0 driver revision:\n0: uart:unknown port:000003F8 irq:4\n") == []
