"""Preflight and disk facts on the two lab VMs, as a new user would meet them.

ha-wizard runs on the host here and reaches each VM through an SshExecutor to its forwarded port on
127.0.0.1; the reach probes run inside node1 towards node2 over the private VM link (10.99.0.0/24).
Also run in each VM: `ha-wizard disks` itself, which must show /dev/vdb1 with its exact size.
The data partitions are wiped back to blank after every test that writes a filesystem.
"""

from __future__ import annotations

import base64
import io
import json
import re
import tarfile
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

from wizard.core.plan import PlanContext
from wizard.core.secrets import Secrets
from wizard.core.spec import Spec, spec_from_dict
from wizard.drbd.createmd import create_md_confirm
from wizard.executors.ssh import SshExecutor
from wizard.lab import Lab
from wizard.nodes.gather import gather_all, gather_node
from wizard.preflight.report import CheckLine, PreflightFailed, preflight, require_ok

ROOT = Path(__file__).resolve().parents[2]
SITE = next((ROOT / ".venv" / "lib").glob("python3*/site-packages"))
DEPS = ("rich", "pygments", "markdown_it", "mdurl", "plumbum", "pexpect", "ptyprocess", "jinja2", "markupsafe",
        "typing_extensions.py")
REMOTE = "/root/ha-wizard-preflight-test"  # our own copy: never the /opt/ha-wizard other lab tests use


@pytest.fixture(scope="module")
def known(lab: Lab, tmp_path_factory: pytest.TempPathFactory) -> Path:
    f = tmp_path_factory.mktemp("known") / "known_hosts"
    f.write_text("".join(lab.known_hosts_line(n) + "\n" for n in (1, 2)))
    return f


def ex(lab: Lab, known: Path, n: int, name: str | None = None) -> SshExecutor:
    return SshExecutor(name or f"node{n}", "127.0.0.1", port=lab.ssh_port(n), identity=str(lab.ssh_key),
                       known_hosts=str(known))


def lab_spec(node1: str = "node1", node2: str = "node2", recipes: tuple[str, ...] = ()) -> Spec:
    """examples/lab.toml with other node names and recipes."""
    raw = tomllib.loads((ROOT / "examples" / "lab.toml").read_text())
    raw["nodes"][0]["name"], raw["nodes"][1]["name"] = node1, node2
    raw["cluster"]["master"] = node1
    raw["recipes"]["enabled"] = list(recipes)
    return spec_from_dict(raw, source="lab.toml")[0]


def key(lines: list[CheckLine], k: str, node: str = "") -> CheckLine:
    (line,) = [ln for ln in lines if ln.key == k and (not node or ln.node == node)]
    return line


@pytest.fixture
def wiped(lab: Lab) -> Iterator[Lab]:
    try:
        yield lab
    finally:
        for n in (1, 2):
            lab.reset_data_disk(n)


def test_gather_node_gives_vdb1_its_exact_size(lab: Lab, known: Path) -> None:
    for n in (1, 2):
        e = ex(lab, known, n)
        try:
            f = gather_node(e)
        finally:
            e.close()
        size = int(lab.ssh(n, "blockdev --getsize64 /dev/vdb1").stdout)
        assert f.size_of("/dev/vdb1") == size and f.partition("/dev/vdb1") is not None
        assert f.hostname == f"node{n}" and f.interface_with(f"10.99.0.{n}") == "eth1"
        assert f.drbd_module == "8.4.11" and (f.drbd.utils or "").startswith("9.22.")
        assert re.match(r"(\d+:)?3\.0\.6", f.packages["heartbeat"]) and f.package_manager == "apt-get"
        assert f.signatures["/dev/vdb1"].kinds == () and f.usage("/dev/vdb1").free
        # the root filesystem is the whole /dev/vda ("/dev/root" in /proc/mounts): lsblk's mountpoint tells
        assert f.usage("/dev/vda").state == "mounted" and f.unknown == {}, f.unknown


def push_wizard(lab: Lab, n: int) -> None:
    buf = io.BytesIO()
    skip = (lambda ti: None if "__pycache__" in ti.name else ti)  # noqa: E731
    with tarfile.open(fileobj=buf, mode="w:gz") as t:
        for d in ("wizard", "templates", "recipes"):
            t.add(ROOT / d, arcname=f"src/{d}", filter=skip)
        for d in DEPS:
            t.add(SITE / d, arcname=f"deps/{d}", filter=skip)
    lab.ssh(n, f"rm -rf {REMOTE} && mkdir -p {REMOTE} && base64 -d | tar -xz -C {REMOTE}",
            input=base64.b64encode(buf.getvalue()).decode(), timeout=300)


@pytest.fixture(scope="module")
def pushed(lab: Lab) -> Iterator[str]:
    """This checkout in REMOTE on both VMs; yields the command that runs it (removed again at the end)."""
    try:
        for n in (1, 2):
            push_wizard(lab, n)
        yield f"cd / && PYTHONPATH={REMOTE}/src:{REMOTE}/deps COLUMNS=160 python3 -m wizard"
    finally:
        for n in (1, 2):
            lab.ssh(n, f"rm -rf {REMOTE} /root/preflight-test.toml /root/preflight-known-hosts", check=False)


def test_ha_wizard_disks_in_each_vm_shows_vdb1_exactly(lab: Lab, pushed: str) -> None:
    for n in (1, 2):
        size = int(lab.ssh(n, "blockdev --getsize64 /dev/vdb1").stdout)
        table = lab.ssh(n, f"{pushed} disks", timeout=180).stdout
        row = next(line for line in table.splitlines() if "/dev/vdb1" in line)
        assert f"{size:,}" in row and "free" in row, table
        doc = json.loads(lab.ssh(n, f"{pushed} disks --json", timeout=180).stdout)
        (vdb1,) = [p for p in doc["partitions"] if p["device"] == "/dev/vdb1"]
        assert (vdb1["size_bytes"], vdb1["usage"]) == (size, "free")


def test_ha_wizard_preflight_on_node1_with_wrong_names(lab: Lab, pushed: str) -> None:
    text = (ROOT / "examples" / "lab.toml").read_text().replace('"node1"', '"server1"').replace('"node2"', '"server2"')
    lab.ssh(1, "cat > /root/preflight-test.toml", input=text)
    fp = lab.host_key_fingerprint(2)
    r = lab.ssh(1, f"{pushed} preflight --answers /root/preflight-test.toml --accept-host-key {fp} "
                   "--known-hosts /root/preflight-known-hosts --journal-dir /root/preflight-journal 2>&1",
                check=False, timeout=300)
    assert r.returncode == 1, r.stdout
    assert "✗ server1: `uname -n` says 'node1' but the answers call it 'server1'" in r.stdout
    assert "✗ server2: `uname -n` says 'node2' but the answers call it 'server2'" in r.stdout
    assert 'fix: either change nodes[1].name to "node1" and cluster.master = "node1"' in r.stdout
    assert "✓ TCP 7788 (DRBD) on server2 at 10.99.0.2: the host answers" in r.stdout
    assert lab.ssh(1, "test -e /root/preflight-journal", check=False).returncode != 0  # read-only: no journal


def test_mismatches_give_the_right_fail_lines(wiped: Lab, known: Path) -> None:
    lab = wiped
    lab.ssh(2, "mkfs.ext3 -q -F /dev/vdb1")  # fills the partition: create-md would exit 40
    spec = lab_spec("server1", "server2", recipes=("bind9",))  # bind9 is not installed in the VMs
    executors = {"server1": ex(lab, known, 1, "server1"), "server2": ex(lab, known, 2, "server2")}
    try:
        lines = preflight((spec, executors))
    finally:
        for e in executors.values():
            e.close()
    for n, name in ((1, "server1"), (2, "server2")):
        host = key(lines, "hostname", name)
        assert host.status == "fail"
        assert host.what == f"{name}: `uname -n` says 'node{n}' but the answers call it '{name}'"
        assert f'change nodes[{n}].name to "node{n}"' in host.fix and f"hostnamectl set-hostname {name}" in host.fix
        pkgs = key(lines, "packages", name)
        # a package the node's repositories offer is no failure: the plan installs it as its first step
        assert (pkgs.status, pkgs.what) == ("warn", f"{name}: not installed: bind9: the plan installs them first "
                                                    f"(install@{name})")
        assert "apt-get install -y bind9" in pkgs.fix
        assert key(lines, "address", name).status == "pass"
    disk = key(lines, "disk", "server2")
    assert disk.status == "fail" and "ext3" in disk.what and "exit code 40" in disk.what
    assert "external meta-data" in disk.fix and "shrink the filesystem" in disk.fix and "wipe" in disk.fix
    assert key(lines, "disk", "server1").status == "pass"
    # the network between the VMs, probed from node1: host there, nothing on 7788 yet, ping answered
    assert key(lines, "drbd-port").status == "pass" and "nothing listens yet" in key(lines, "drbd-port").what
    assert key(lines, "heartbeat-udp").status == "pass"
    assert key(lines, "route").what == "server1 reaches 10.99.0.2 via eth1 from 10.99.0.1"
    assert key(lines, "version:drbd-utils").status == "pass"
    assert not [ln for ln in lines if ln.key == "same-machine"]
    with pytest.raises(PreflightFailed) as e:
        require_ok(lines)
    assert len(e.value.lines) == 3, [ln.what for ln in e.value.lines]  # 2 names, 1 disk
    assert lab.ssh(2, "blkid -p -o value -s TYPE /dev/vdb1").stdout.strip() == "ext3"  # untouched


def test_ext3_needs_the_typed_confirmation(wiped: Lab, known: Path) -> None:
    lab = wiped
    lab.ssh(2, "mkfs.ext3 -q -F -L old /dev/vdb1 65536")  # 64 MiB filesystem: room for DRBD's meta-data
    spec = lab_spec()
    executors = {"node1": ex(lab, known, 1), "node2": ex(lab, known, 2)}
    try:
        facts = gather_all(spec, executors)
        lines = preflight((spec, executors), facts)
    finally:
        for e in executors.values():
            e.close()
    assert [ln.what for ln in lines if ln.status == "fail"] == []
    disk = key(lines, "disk", "node2")
    assert disk.status == "warn" and "--confirm node2:/dev/vdb1" in disk.what
    ctx = PlanContext(spec=spec, secrets=Secrets("s" * 32, "a" * 32), facts=dict(facts))
    confirm = create_md_confirm(ctx, "node2")
    assert confirm is not None and confirm.token == "node2:/dev/vdb1" and "type ext3 (label 'old'" in confirm.message
    assert create_md_confirm(ctx, "node1") is None  # blank: no question
    assert lab.ssh(2, "blkid -p -o value -s LABEL /dev/vdb1").stdout.strip() == "old"  # untouched

