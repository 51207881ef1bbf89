"""Smoke tests of the lab itself: the two VMs are what the wizard's lab tests assume they are."""

from __future__ import annotations

import re
from pathlib import Path

from wizard.lab import Lab

NODES = (1, 2)


def test_both_nodes_answer_with_their_names(lab: Lab) -> None:
    for n in NODES:
        assert lab.ssh(n, "uname -n").stdout.strip() == f"node{n}"


def test_kernel_drbd_84_and_userland(lab: Lab) -> None:
    out = lab.ssh(1, "modprobe drbd && head -1 /proc/drbd").stdout
    assert out.startswith("version: 8.4.11"), out
    version = lab.ssh(1, "drbdadm --version").stdout
    assert re.search(r"^DRBDADM_VERSION=9\.22\.", version, re.M), version
    assert lab.ssh(2, "modprobe drbd && head -1 /proc/drbd").stdout.startswith("version: 8.4.11")


def test_heartbeat_installed_not_started(lab: Lab) -> None:
    for n in NODES:
        pkg = lab.ssh(n, "dpkg-query -W -f '${Version}' heartbeat").stdout
        assert re.match(r"(\d+:)?3\.0\.6", pkg), pkg
        # Installed but left off at boot: starting Heartbeat and DRBD is the wizard's job.
        active = lab.ssh(n, "systemctl is-active heartbeat drbd", check=False).stdout.split()
        assert "active" not in active, active


def test_service_packages_for_recipes(lab: Lab) -> None:
    out = lab.ssh(1, "dpkg-query -W -f '${Package} ${Status}\\n' sendmail msmtp apache2 postgresql").stdout
    installed = {line.split()[0] for line in out.splitlines() if line.endswith("install ok installed")}
    assert installed == {"sendmail", "msmtp", "apache2", "postgresql"}, out


def test_data_partition_blank_and_sized(lab: Lab) -> None:
    expected = (lab.data_disk_mib << 20) - 2048 * 512  # partition from sector 2048 to the end
    for n in NODES:
        assert int(lab.ssh(n, "blockdev --getsize64 /dev/vdb1").stdout) == expected
        assert lab.ssh(n, "wipefs /dev/vdb1").stdout.strip() == ""  # no signature at all


def test_vm_link_and_node_to_node_ssh(lab: Lab) -> None:
    assert lab.ssh(1, "ping -c 2 -W 5 10.99.0.2", timeout=60).returncode == 0
    # The shared cluster key lets root hop between nodes; /dev/null keeps the guests' known_hosts empty.
    out = lab.ssh(1, "ssh -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null "
                     "-o LogLevel=ERROR root@10.99.0.2 uname -n", timeout=90).stdout
    assert out.strip() == "node2"
    out = lab.ssh(2, "ssh -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null "
                     "-o LogLevel=ERROR root@10.99.0.1 uname -n", timeout=90).stdout
    assert out.strip() == "node1"
    for n in NODES:
        assert lab.ssh(n, "test ! -e /root/.ssh/known_hosts", check=False).returncode == 0


def test_host_keys_are_per_vm(lab: Lab) -> None:
    fps = [lab.host_key_fingerprint(n) for n in NODES]
    assert all(fp.startswith("SHA256:") for fp in fps), fps
    assert fps[0] != fps[1]
    line = lab.known_hosts_line(1)
    assert line.startswith(f"[127.0.0.1]:{lab.ssh_port(1)} ssh-ed25519 ")


def test_etc_hosts_has_no_node_entries(lab: Lab) -> None:
    for n in NODES:
        hosts = lab.ssh(n, "cat /etc/hosts").stdout
        assert not re.search(r"\bnode[12]\b", hosts), hosts
        assert re.search(r"^127\.0\.0\.1\s+localhost\b", hosts, re.M), hosts


def test_ssh_forward_listens_on_loopback_only(lab: Lab) -> None:
    # /proc/net/tcp lists listeners as HEXIP:HEXPORT with state 0A; 0100007F is 127.0.0.1.
    listeners = {
        (fields[1].split(":")[0], int(fields[1].split(":")[1], 16))
        for fields in (line.split() for line in Path("/proc/net/tcp").read_text().splitlines()[1:])
        if fields[3] == "0A"
    }
    for n in NODES:
        port = lab.ssh_port(n)
        assert ("0100007F", port) in listeners
        assert ("00000000", port) not in listeners


def test_reset_data_disk_blanks_a_used_partition(lab: Lab) -> None:
    lab.ssh(1, "mkfs.ext4 -q -F /dev/vdb1", timeout=120)
    assert "ext4" in lab.ssh(1, "wipefs /dev/vdb1").stdout
    lab.reset_data_disk(1)
    assert lab.ssh(1, "wipefs /dev/vdb1").stdout.strip() == ""
    assert lab.ssh(1, "cmp -s -n 4194304 /dev/vdb1 /dev/zero", check=False).returncode == 0
