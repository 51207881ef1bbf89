"""Services (off at boot, not on the standby, symlinked into the mount, nothing left behind, same version) and
Boot and mounts (DRBD at boot, `noauto`, nothing mounted on the standby, the VIP on exactly one node)."""

from __future__ import annotations

import ipaddress

import pytest
from doctor_helpers import FSTAB, PACKAGES, node, one, pair, problems, sec

from wizard.doctor.checks import boot, services
from wizard.doctor.probe import PathState
from wizard.nodes.blockdevs import Mount


@pytest.mark.parametrize(("state", "fix"), [
    ("enabled", "on node2: systemctl disable apache2 (Heartbeat starts it)"),
    ("masked", "on node2: systemctl unmask apache2 && systemctl disable apache2")])
def test_a_service_that_starts_at_boot_or_cannot_start(state: str, fix: str) -> None:
    f = one(services.boot(pair(n2=node(2, out={"enabled apache2": sec(state)}))), "services.boot")
    assert f.node == "node2" and f.fix == fix
    assert f.evidence == (f"node2$ systemctl is-enabled apache2: {state}",)


def test_the_service_running_on_the_standby() -> None:
    f = one(services.standby(pair(n2=node(2, out={"active apache2": sec("active")}))), "services.standby")
    assert f.fix == "on node2: systemctl stop apache2"


def test_a_missing_symlink_on_the_slave() -> None:
    f = one(services.paths(pair(n2=node(2, paths={"/var/www": PathState("missing")}))), "services.symlink")
    assert f.node == "node2" and f.fix == "on node2: ln -s /replicated/var/www /var/www"


def test_a_local_directory_where_the_link_should_be() -> None:
    f = one(services.paths(pair(n2=node(2, paths={"/etc/apache2": PathState("dir")}))), "services.local")
    assert "mv /etc/apache2 /etc/apache2.local && ln -s /replicated/etc/apache2 /etc/apache2" in f.fix


def test_a_link_that_points_elsewhere() -> None:
    f = one(services.paths(pair(n1=node(1, paths={"/var/www": PathState("link", "/srv/www")}))), "services.symlink")
    assert f.fix == "on node1: ln -sfn /replicated/var/www /var/www"


def test_a_copy_left_behind() -> None:
    state = PathState("link", "/replicated/etc/apache2", ("/etc/apache2.orig",))
    f = one(services.paths(pair(n1=node(1, paths={"/etc/apache2": state}))), "services.leftover")
    assert f.status == "warn" and f.fix.endswith("rm -rf /etc/apache2.orig")


def test_files_under_the_unmounted_mount_point() -> None:
    f = one(services.under_mount(pair(n2=node(2, out={"under /replicated": sec("index.html\nlost+found")}))),
            "services.under-mount")
    assert "index.html" in f.title and "lost+found" not in f.title


def test_package_versions_and_absence() -> None:
    older = {**PACKAGES, "apache2": "2.4.57-2"}
    assert problems(services.versions(pair(n2=node(2, packages=older)))) == [("fail", "services.version", "")]
    gone = {k: v for k, v in PACKAGES.items() if k != "apache2"}
    assert problems(services.versions(pair(n2=node(2, packages=gone)))) == [("fail", "services.package", "")]


def test_a_service_without_a_recipe_is_said_so() -> None:
    text = "node1 IPaddr::10.99.0.100/24/eth1 drbddisk::r0 Filesystem::/dev/drbd0::/replicated::ext3 myapp\n"
    hr = {"/etc/ha.d/haresources": text}
    found = services.paths(pair(node(1, files_=hr), node(2, files_=hr)))
    assert [(f.status, f.title) for f in found] == [("ok", "myapp: no recipe knows its paths, so they were not "
                                                           "checked")]


def test_drbd_not_started_at_boot_and_heartbeat_not_either() -> None:
    n2 = node(2, out={"enabled drbd": sec("disabled", 1), "enabled heartbeat": sec("disabled", 1)})
    found = problems(boot.at_boot(pair(n2=n2)))
    assert found == [("fail", "boot.drbd", "node2"), ("warn", "boot.heartbeat", "node2")]


def test_an_auto_fstab_line() -> None:
    text = FSTAB.replace("ext3 noauto 0 0", "ext3 defaults 0 0")
    f = one(boot.fstab(pair(n2=node(2, files_={"/etc/fstab": text}))), "boot.fstab")
    assert f.node == "node2" and "make line 2 of /etc/fstab: `/dev/drbd0 /replicated ext3 noauto 0 0`" in f.fix
    assert f.evidence == ("node2:/etc/fstab:2: /dev/drbd0 /replicated ext3 defaults 0 0",)


def test_the_vip_on_both_nodes() -> None:
    ip = ipaddress.ip_interface
    both = {"lo": (ip("127.0.0.1/8"),), "eth1": (ip("10.99.0.2/24"), ip("10.99.0.100/24"))}
    assert ("fail", "boot.vip", "") in problems(boot.holder(pair(n2=node(2, addresses=both))))


def test_the_vip_nowhere() -> None:
    ip = ipaddress.ip_interface
    bare = {"lo": (ip("127.0.0.1/8"),), "eth1": (ip("10.99.0.1/24"),)}
    assert ("fail", "boot.vip", "") in problems(boot.holder(pair(n1=node(1, addresses=bare))))


def test_mounted_on_the_standby() -> None:
    mounted = (Mount("/dev/vdb2", "/replicated", "ext4", "rw"),)
    f = one(boot.holder(pair(n2=node(2, mounts=mounted))), "boot.standby-mount")
    assert f.fix == "on node2: umount /replicated"
