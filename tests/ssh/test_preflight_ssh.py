"""gather_node and preflight over real SSH (the sshd on 127.0.0.1 is this very container).

Both "nodes" are this machine reached over SSH; the peer's replication address is 127.0.0.1, the only
address these tests may probe. Two loop devices stand in for the partitions: one blank, one holding an
ext3 filesystem that fills it (drbdmeta's exit 40 case).
"""

from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from wizard.cli.main import main
from wizard.core.plan import PlanContext
from wizard.core.secrets import Secrets
from wizard.core.spec import Spec, spec_from_dict
from wizard.drbd.createmd import create_md_confirm
from wizard.executors.ssh import SshExecutor
from wizard.nodes.gather import gather_all, gather_node
from wizard.preflight.report import CheckLine, preflight

REAL = subprocess.run(["uname", "-n"], capture_output=True, text=True, check=True).stdout.strip()


def _ex(sshd: Any, node: str) -> SshExecutor:
    return SshExecutor(node, sshd.host, port=sshd.port, identity=str(sshd.identity), known_hosts=str(sshd.known_hosts))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def answers(sshd: Any, *, peer: str = "server2", port: int = 7788, disks: tuple[str, str] = ("/dev/x1", "/dev/x2"),
            master_ssh: str = "") -> dict[str, Any]:
    return {
        "cluster": {"master": REAL},
        "nodes": [
            {"name": REAL, "ssh": master_ssh, "ssh_port": sshd.port, "address": "127.0.0.2", "disk": disks[0]},
            {"name": peer, "ssh": "127.0.0.1", "ssh_port": sshd.port, "address": "127.0.0.1", "disk": disks[1]},
        ],
        "drbd": {"port": port},
        "service": {"hostname": "mail", "vip": "127.0.0.100", "netmask": 8, "interface": "lo"},
        "heartbeat": {"interface": "lo"},
    }


def spec_of(raw: dict[str, Any]) -> Spec:
    return spec_from_dict(raw, source="ssh-test.toml")[0]


def _loop(path: Path, ext3: bool) -> str | None:
    subprocess.run(["truncate", "-s", "64M", str(path)], check=True)
    if ext3:
        subprocess.run(["mkfs.ext3", "-q", "-F", "-L", "data", str(path)], check=True, capture_output=True)
    r = subprocess.run(["losetup", "-f", "--show", str(path)], capture_output=True, text=True)
    return r.stdout.strip() if r.returncode == 0 else None


@pytest.fixture(scope="module")
def loops(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    d = tmp_path_factory.mktemp("loops")
    full, blank = _loop(d / "ext3.img", True), _loop(d / "blank.img", False)
    try:
        if not full or not blank:
            pytest.skip("losetup is not allowed here: no loop devices to stand in for partitions")
        yield full, blank
    finally:
        for dev in (full, blank):
            if dev:
                subprocess.run(["losetup", "-d", dev], check=False)


def key(lines: list[CheckLine], k: str, node: str = "") -> CheckLine:
    (line,) = [ln for ln in lines if ln.key == k and (not node or ln.node == node)]
    return line


def test_gather_node_over_ssh_is_one_round_trip(sshd: Any, loops: tuple[str, str]) -> None:
    full, blank = loops
    ex = _ex(sshd, REAL)
    calls = []
    real_probe = ex.probe
    ex.probe = lambda argv, **kw: calls.append(argv) or real_probe(argv, **kw)  # type: ignore[method-assign]
    try:
        t0 = time.monotonic()
        f = gather_node(ex, devices=[full, blank])
        secs = time.monotonic() - t0
    finally:
        ex.close()
    assert len(calls) == 1, calls
    print(f"gather_node over ssh: {secs * 1000:.0f} ms")
    assert f.reached and f.hostname == REAL and f.interface_with("127.0.0.1") == "lo"
    assert f.machine_id == Path("/etc/machine-id").read_text().strip()
    size = int(subprocess.run(["blockdev", "--getsize64", full], capture_output=True, text=True).stdout)
    assert f.size_of(full) == size == 64 << 20
    sig = f.signatures[full]
    assert sig.kinds == ("ext3",) and sig.label == "data" and sig.fs_bytes == size
    assert f.signatures[blank].kinds == () and f.signatures[blank].known
    dpkg = subprocess.run(["dpkg-query", "-W", "-f", "${Version}", "heartbeat"], capture_output=True, text=True)
    assert f.packages.get("heartbeat") == (dpkg.stdout or None)
    assert f.package_manager == "apt-get"


def test_preflight_wrong_hostname_and_the_full_disk(sshd: Any, loops: tuple[str, str]) -> None:
    full, blank = loops
    spec = spec_of(answers(sshd, port=_free_port(), disks=(full, blank)))
    executors = {REAL: _ex(sshd, REAL), "server2": _ex(sshd, "server2")}
    try:
        facts = gather_all(spec, executors)
        lines = preflight((spec, executors), facts)
    finally:
        for ex in executors.values():
            ex.close()
    host = key(lines, "hostname", "server2")
    assert host.status == "fail"
    assert host.what == f"server2: `uname -n` says '{REAL}' but the answers call it 'server2'"
    assert f'change nodes[2].name to "{REAL}"' in host.fix and "hostnamectl set-hostname server2" in host.fix
    assert key(lines, "hostname", REAL).status == "pass"
    port = key(lines, "drbd-port")
    assert port.status == "pass" and "nothing listens yet" in port.what
    assert key(lines, "heartbeat-udp").status in ("pass", "warn")
    disk = key(lines, "disk", REAL)
    assert disk.status == "fail" and "exit code 40" in disk.what and "external meta-data" in disk.fix
    assert key(lines, "disk", "server2").status == "pass"
    assert key(lines, "same-machine").status == "fail"  # both "nodes" are this container: said plainly
    ctx = PlanContext(spec=spec, secrets=Secrets("s" * 32, "a" * 32), facts=dict(facts))
    confirm = create_md_confirm(ctx, REAL)
    assert confirm is not None and confirm.token == f"{REAL}:{full}"
    assert create_md_confirm(ctx, "server2") is None


def test_something_listening_on_the_drbd_port(sshd: Any) -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        spec = spec_of(answers(sshd, port=listener.getsockname()[1]))
        master = _ex(sshd, REAL)
        try:
            lines = preflight((spec, {REAL: master}))
        finally:
            master.close()
    assert "already listens" in key(lines, "drbd-port").what
    assert key(lines, "contact", "server2").status == "fail"  # no executor for it


def test_preflight_cli_headless_with_host_key_fingerprint(sshd: Any, tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    raw = answers(sshd, port=_free_port())
    f = tmp_path / "answers.toml"
    n1, n2 = raw["nodes"]
    f.write_text(
        f'[cluster]\nmaster = "{REAL}"\n\n'
        f'[[nodes]]\nname = "{REAL}"\nssh = ""\naddress = "{n1["address"]}"\ndisk = "/dev/x1"\n\n'
        f'[[nodes]]\nname = "server2"\nssh = "127.0.0.1"\nssh_port = {sshd.port}\naddress = "127.0.0.1"\n'
        f'disk = "/dev/x2"\n\n[drbd]\nport = {raw["drbd"]["port"]}\n\n'
        '[service]\nhostname = "mail"\nvip = "127.0.0.100"\nnetmask = 8\ninterface = "lo"\n\n'
        '[heartbeat]\ninterface = "lo"\n')
    known = tmp_path / "known_hosts"
    rc = main(["preflight", "--answers", str(f), "--identity", str(sshd.identity), "--known-hosts", str(known),
               "--accept-host-key", sshd.fingerprint, "--journal-dir", str(tmp_path / "j")])
    out = capsys.readouterr().out
    assert rc == 1
    assert f"✗ server2: `uname -n` says '{REAL}' but the answers call it 'server2'" in out
    assert "fix: either change nodes[2].name" in out
    assert "nothing listens yet" in out
    assert known.read_text().strip()  # the fingerprint given was trusted into the given file only
