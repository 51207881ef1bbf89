"""The wizard/ helpers the screens call: answers_io, peer_check, disk_table, node_facts.

Only 127.0.0.1 is ever contacted (a closed port); ssh-copy-id is a local stand-in script on a real pty.
"""

from __future__ import annotations

import os
import socket
import stat
import tomllib
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import pytest

from wizard.core import answers as answers_io
from wizard.core.answers import load_answers
from wizard.core.spec import SecretsInAnswers, spec_from_dict
from wizard.disks.table import DiskTable, NodeDisks, PartitionRow, assess, gather, human, usable_bytes
from wizard.executors.base import Executor, Result
from wizard.executors.dryrun import DryRunExecutor
from wizard.nodes import login as peer_check
from wizard.nodes.discover import link_speed, node_name, suggest_rate

ROOT = Path(__file__).resolve().parents[2]
TUTORIAL = ROOT / "examples" / "tutorial.toml"


# --- answers_io -------------------------------------------------------------------------------------
def test_saved_answers_load_back_to_the_same_spec(tmp_path: Path) -> None:
    spec, _ = load_answers(TUTORIAL)
    # quotes and backslashes survive the writer (a free-form path is the one key that allows them)
    spec = replace(spec, service=replace(spec.service, hostname="mail"),
                   wizard=replace(spec.wizard, journal_dir='/srv/we"ird\\path'))
    p = answers_io.save_answers(spec, tmp_path / "sub" / "a.toml")
    again, secrets = load_answers(p)
    assert again == spec and again.wizard.journal_dir == '/srv/we"ird\\path'
    tab = "tab\there"
    assert tomllib.loads("x = " + answers_io.toml_value(tab))["x"] == tab
    assert secrets == SecretsInAnswers()
    text = p.read_text()
    assert "shared_secret" not in text and "authkey" not in text
    assert "keep_secrets_in_answers = false" in text
    assert f"ha-wizard apply --answers {p}" in text


def test_secrets_only_when_asked_and_then_private(tmp_path: Path) -> None:
    spec, _ = load_answers(TUTORIAL)
    given = SecretsInAnswers("a" * 24, "b" * 24)
    p = answers_io.save_answers(spec, tmp_path / "a.toml", given)
    again, secrets = load_answers(p)
    assert secrets == given and again.wizard.keep_secrets_in_answers
    assert stat.S_IMODE(os.stat(p).st_mode) == 0o600


def test_default_spec_starts_from_this_machine() -> None:
    spec = answers_io.default_spec()
    assert spec.master == os.uname().nodename.split(".")[0] == spec.nodes[0].name
    assert spec.nodes[1].name == "" and spec.service.vip == ""
    raw = answers_io.complete(answers_io.spec_to_dict(spec))
    with pytest.raises(Exception) as e:  # blanks are reported like any answers file
        spec_from_dict(raw)
    assert "service.vip = '': not a valid IP address" in str(e.value)


def test_complete_and_draft_spec_tolerate_half_written_drafts() -> None:
    raw = answers_io.complete({"drbd": {"port": "x"}, "nodes": [{"name": "a"}]})
    assert len(raw["nodes"]) == 2 and raw["drbd"]["port"] == "x" and raw["heartbeat"]["keepalive"] == 1
    spec = answers_io.draft_spec(raw)
    assert spec.drbd.port == 7788 and spec.master == "a" and spec.nodes[1].name != "a"
    out, given = answers_io.split_secrets({"drbd": {"shared_secret": "s" * 20}, "heartbeat": {"authkey": "k"}})
    assert given == SecretsInAnswers("s" * 20, "k") and out == {"drbd": {}, "heartbeat": {}}


def test_toml_values() -> None:
    assert answers_io.toml_value(["a", "b"]) == '["a", "b"]'
    assert answers_io.toml_value(True) == "true" and answers_io.toml_value(7) == "7"
    assert answers_io.toml_value("\x01") == '"\\u0001"'
    with pytest.raises(TypeError):
        answers_io.toml_value(1.5)


# --- peer_check ----------------------------------------------------------------------------------------
def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_address_sentences() -> None:
    assert peer_check.address_problem("") .startswith("give the peer's address")
    assert "is not an address" in peer_check.address_problem("-oProxyCommand=x")
    assert "port out of range" in peer_check.address_problem("127.0.0.1", 0)
    assert peer_check.address_problem("127.0.0.1", 22) == ""


def test_scan_and_login_against_a_closed_loopback_port(tmp_path: Path) -> None:
    port = _closed_port()
    keys = peer_check.scan_peer("127.0.0.1", port, tmp_path / "known_hosts", timeout=2)
    assert not keys.known and keys.problem.startswith(f"no SSH server answered at 127.0.0.1:{port}")
    r = peer_check.check_login("127.0.0.1", port, "root", known_hosts=tmp_path / "known_hosts", timeout=3)
    assert not r.ok and "127.0.0.1" in r.message


def test_trust_appends_to_the_given_known_hosts(tmp_path: Path) -> None:
    kh = tmp_path / "ssh" / "known_hosts"
    keys = peer_check.HostKeys("127.0.0.1", 22, ("127.0.0.1 ssh-ed25519 AAAA",), ("SHA256:x (ED25519)",), False)
    peer_check.trust_host_keys(keys, kh)
    assert kh.read_text() == "127.0.0.1 ssh-ed25519 AAAA\n"


STAND_IN = """#!/bin/sh
# ssh-copy-id stand-in: asks for the password on its tty like ssh does, then says whether it matched
printf "root@127.0.0.1's password: "
stty -echo 2>/dev/null; read -r pw; stty echo 2>/dev/null; echo
echo "$pw" >> "$(dirname "$0")/typed"
if [ "$pw" = "right-pw" ]; then echo "Number of key(s) added: 1"; exit 0; fi
echo "Permission denied, please try again."
printf "root@127.0.0.1's password: "
read -r pw2; echo "$pw2" >> "$(dirname "$0")/typed"; exit 1
"""


@pytest.fixture
def stand_in(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    tool = tmp_path / "ssh-copy-id"
    tool.write_text(STAND_IN)
    tool.chmod(0o755)
    monkeypatch.setattr(peer_check, "SSH_COPY_ID", str(tool))
    pub = tmp_path / "id_ed25519.pub"
    pub.write_text("ssh-ed25519 AAAA test\n")
    return tmp_path


def test_install_key_types_the_password_once(stand_in: Path) -> None:
    r = peer_check.install_key("127.0.0.1", 22, "root", "right-pw", public_key=stand_in / "id_ed25519.pub",
                               timeout=20)
    assert r.ok and "not kept" in r.message and "right-pw" not in r.message
    assert (stand_in / "typed").read_text() == "right-pw\n"


def test_wrong_password_is_not_typed_twice(stand_in: Path) -> None:
    r = peer_check.install_key("127.0.0.1", 22, "root", "wrong-pw", public_key=stand_in / "id_ed25519.pub",
                               timeout=20)
    assert not r.ok and "did not accept the password" in r.message and "wrong-pw" not in r.message
    assert (stand_in / "typed").read_text().count("wrong-pw") == 1


# --- disk_table and node_facts ---------------------------------------------------------------------------
class Canned(Executor):
    """An executor answering probes from a dict (argv joined by spaces -> Result)."""

    def __init__(self, node: str, answers: dict[str, Result]) -> None:
        self.node, self.label, self.answers = node, "canned", answers

    def _exec(self, argv: Sequence[str], *, input: str | None, timeout: float,
              env: dict[str, str] | None) -> Result:
        return self.answers.get(" ".join(argv), Result(1, "", "no such canned answer"))

    def pty_argv(self, argv: Sequence[str]) -> list[str]:
        return list(argv)


class Part:
    def __init__(self, device: str, size_bytes: int, type: str = "Linux") -> None:
        self.device, self.size_bytes, self.type = device, size_bytes, type


class Report:
    def __init__(self, parts: list[Part]) -> None:
        self.disks, self.partitions = (), tuple(parts)


GIB = 1024**3


def test_gather_reads_partitions_use_and_filesystems() -> None:
    m = Canned("server1", {"fdisk -l": Result(0, "A"), "cat /proc/mounts": Result(0, "/dev/sda1 / ext4 rw 0 0\n"),
                           "cat /proc/swaps": Result(0, "Filename Type\n/dev/sda2 partition 1 0 -2\n"),
                           "blkid -o value -s TYPE /dev/sda5": Result(0, "ext3\n")})
    peer = DryRunExecutor("server2", None, "demo")
    parse = {"A": Report([Part("/dev/sda1", 20 * GIB), Part("/dev/sda2", GIB), Part("/dev/sda5", 8 * GIB)])}
    table = gather({"server1": m, "server2": peer}, ("server1", "server2"), parse=parse.__getitem__)
    rows = {r.device: r for r in table.of("server1").rows}
    assert rows["/dev/sda1"].in_use == "mounted on /" and rows["/dev/sda2"].in_use == "swap"
    assert rows["/dev/sda5"].filesystem == "ext3" and rows["/dev/sda5"].size_bytes == 8 * GIB
    assert table.of("server2").problem.startswith("server2: not contacted (demo)")


def test_gather_says_why_when_facts_are_missing() -> None:
    m = Canned("server1", {"fdisk -l": Result(1, "", "fdisk: cannot open /dev/sda: Permission denied")})
    t = gather({"server1": m}, ("server1", "server2"), parse=lambda text: Report([]))
    assert "Permission denied" in t.of("server1").problem and "run ha-wizard as root" in t.of("server1").problem
    assert t.of("server2").problem.startswith("server2: no connection")
    boom = gather({"server1": Canned("server1", {"fdisk -l": Result(0, "x")})}, ("server1", "p"),
                  parse=lambda text: 1 / 0)
    assert "could not read `fdisk -l`" in boom.of("server1").problem


def test_pairs_warnings_and_usable_size() -> None:
    a = NodeDisks("s1", (PartitionRow("s1", "/dev/sda5", 8 * GIB, "Linux"),
                         PartitionRow("s1", "/dev/sdb1", 4 * GIB, "Linux", "ext4"),
                         PartitionRow("s1", "/dev/sda1", 8 * GIB, "Linux", "ext4", "mounted on /")))
    b = NodeDisks("s2", (PartitionRow("s2", "/dev/vdb1", 8 * GIB, "Linux"),
                         PartitionRow("s2", "/dev/vdb2", 2 * GIB, "Linux")))
    t = DiskTable((a, b))
    assert [(x.device, y.device) for x, y in t.pairs()] == [("/dev/sda5", "/dev/vdb1")]
    ok = assess(t, {"s1": "/dev/sda5", "s2": "/dev/vdb1"})
    assert ok.warnings == () and ok.usable_bytes == usable_bytes(8 * GIB) < 8 * GIB
    assert ok.summary.startswith("usable size: 8.0 GiB")
    bad = assess(t, {"s1": "/dev/sda1", "s2": "/dev/vdb2"})
    assert any("in use (mounted on /)" in w for w in bad.warnings)
    assert any("differ in size (8.0 GiB and 2.0 GiB)" in w for w in bad.warnings)
    gone = assess(t, {"s1": "/dev/sdz9", "s2": ""})
    assert gone.warnings == ("s1: /dev/sdz9 is not in its `fdisk -l` list: check the name",)
    tiny = DiskTable((NodeDisks("s1", (PartitionRow("s1", "/dev/sda6", 65536, "Linux"),)), b))
    assert assess(tiny, {"s1": "/dev/sda6"}).warnings == (
        "s1: /dev/sda6 has only 65536 bytes: DRBD needs at least 69632; pick a larger partition",)
    assert usable_bytes(65536) == 0
    assert human(None) == "?" and human(512) == "512 B" and human(3 * 1024**4) == "3.0 TiB"


def test_node_name_and_link_speed() -> None:
    ex = Canned("s1", {"uname -n": Result(0, "server1\n"),
                       "ip -o addr show": Result(0, "2: eth1    inet 10.0.0.1/24 brd 10.0.0.255 scope global\n"),
                       "cat /sys/class/net/eth1/speed": Result(0, "1000\n")})
    assert node_name(ex) == "server1" and node_name(DryRunExecutor("p", None, "x")) is None
    link = link_speed(ex, "10.0.0.1")
    assert (link.interface, link.mbit, link.suggested_rate) == ("eth1", 1000, "37M")
    assert "no interface holds 10.0.0.9" in link_speed(ex, "10.0.0.9").note
    assert suggest_rate(100) == "3M"
