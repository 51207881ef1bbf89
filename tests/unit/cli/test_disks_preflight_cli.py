"""`ha-wizard disks --from-fdisk` on the tutorial's line and every capture; `preflight` on the demo answers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers.nodes import DATA, ROOT

from wizard.cli.main import main
from wizard.nodes.blockdevs import parse_fdisk

TUTORIAL_LINE = "/dev/sda5      7916    8853   7534453+  83  Linux\n"


def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    rc = main(list(argv))
    out, err = capsys.readouterr()
    return rc, out, err


def test_tutorial_line_is_sda5_with_its_exact_bytes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = tmp_path / "fdisk.txt"
    f.write_text(TUTORIAL_LINE)
    rc, out, _ = cli(capsys, "disks", "--from-fdisk", str(f), "--json")
    assert rc == 0
    doc = json.loads(out)
    assert set(doc) == {"disks", "partitions"}
    (p,) = doc["partitions"]
    assert (p["device"], p["size_bytes"], p["type"], p["blocks"]) == ("/dev/sda5", 7_715_280_384, "Linux", 7534453)
    rc, out, _ = cli(capsys, "disks", "--from-fdisk", str(f))
    assert rc == 0 and "/dev/sda5" in out and "7,715,280,384" in out


@pytest.mark.parametrize("name", sorted(p.name for p in DATA.glob("fdisk-*.txt")))
def test_every_capture_parses_to_the_json_shape(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    rc, out, _ = cli(capsys, "disks", "--from-fdisk", str(DATA / name), "--json")
    assert rc == 0
    doc = json.loads(out)
    assert doc == json.loads(json.dumps(parse_fdisk((DATA / name).read_text()).to_json()))
    assert doc["disks"] or doc["partitions"]
    for d in doc["disks"]:
        assert (d["device"].startswith("/dev/") or d["device"].endswith(".img")) and d["size_bytes"] > 0
    for p in doc["partitions"]:
        assert isinstance(p["size_bytes"], int) and p["size_bytes"] > 0 and p["type"]


def test_lab_capture_shows_vdb1_exactly(capsys: pytest.CaptureFixture[str]) -> None:
    rc, out, _ = cli(capsys, "disks", "--from-fdisk", str(DATA / "fdisk-2.38-lab-vdb.txt"))
    assert rc == 0 and "/dev/vdb1" in out and f"{260096 * 512:,}" in out


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["disks", "--from-fdisk", "/nonexistent/fdisk.txt"], "cannot read /nonexistent/fdisk.txt"),
        (["disks", "--node", "server2"], "--node needs --answers FILE"),
        (["disks", "--from-fdisk", "-", "--node", "x"], "leave out --node"),
        (["preflight", "--answers", "/nonexistent.toml"], "file not found"),
    ],
)
def test_errors_are_one_sentence(argv: list[str], words: str, capsys: pytest.CaptureFixture[str]) -> None:
    rc, _, err = cli(capsys, *argv)
    assert rc != 0 and words in err and "Traceback" not in err
    assert err.startswith("ha-wizard: ")


def test_empty_listing_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = tmp_path / "empty.txt"
    f.write_text("fdisk: cannot open /dev/sda: Permission denied\n")
    rc, _, err = cli(capsys, "disks", "--from-fdisk", str(f))
    assert rc == 1 and "lists no disk and no partition" in err


def test_disks_of_an_uncontacted_demo_node(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rc, _, err = cli(capsys, "disks", "--answers", str(ROOT / "examples" / "tutorial.toml"), "--node", "server2",
                     "--journal-dir", str(tmp_path))
    assert rc == 1 and "server2 was not contacted" in err and "Traceback" not in err


def test_preflight_on_the_demo_answers(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    answers = str(ROOT / "examples" / "tutorial.toml")
    rc, out, _ = cli(capsys, "preflight", "--answers", answers, "--journal-dir", str(tmp_path))
    assert rc == 1  # this machine is not server1
    assert "✗ server1: `uname -n` says" in out and "    fix: either change nodes[1].name" in out
    assert "! TCP 7788 (DRBD) on server2 at 192.168.1.2: not checked" in out
    rc, out, _ = cli(capsys, "preflight", "--answers", answers, "--journal-dir", str(tmp_path), "--json")
    doc = json.loads(out)
    assert rc == 1 and doc["ok"] is False
    demo = [ln for ln in doc["lines"] if ln["key"] in ("drbd-port", "heartbeat-udp")]
    assert [ln["status"] for ln in demo] == ["warn", "warn"]
    assert all(ln["what"].endswith("not checked (demo answers)") for ln in demo)
    assert not list(tmp_path.iterdir())  # read-only: not even the secrets state file was written


def test_install_shows_or_runs_the_package_manager() -> None:
    from types import SimpleNamespace

    from helpers.nodes import FakeExecutor, both, lab_spec

    from wizard.cli.commands.preflight import _install

    spec = lab_spec(lambda raw: raw["recipes"].update(enabled=["bind9"]))
    executors = {"node1": FakeExecutor("node1"), "node2": FakeExecutor("node2")}
    session = SimpleNamespace(spec=spec, executors=executors)
    said: list[str] = []
    assert _install(session, both(), dry_run=True, say=said.append)
    assert said[-1] == "[node2] would run: DEBIAN_FRONTEND=noninteractive apt-get install -y bind9"
    assert all(ex.calls == [] for ex in executors.values())  # dry-run: shown, not run
    assert _install(session, both(), dry_run=False, say=said.append)
    assert executors["node1"].calls == [["apt-get", "update"], ["apt-get", "install", "-y", "bind9"]]
    nothing = lab_spec()
    assert not _install(SimpleNamespace(spec=nothing, executors=executors), both(), dry_run=False, say=said.append)
    assert said[-1].startswith("Nothing to install")
