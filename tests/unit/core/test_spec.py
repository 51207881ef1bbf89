"""Validation of the answers file: every mistake at once, one plain line each, naming key and value."""

from __future__ import annotations

import copy
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest

from wizard.core.answers import load_answers
from wizard.core.spec import spec_from_dict
from wizard.errors import AnswersError

ROOT = Path(__file__).resolve().parents[3]
TUTORIAL = ROOT / "examples" / "tutorial.toml"


def base() -> dict[str, Any]:
    return tomllib.loads(TUTORIAL.read_text())


def problems(raw: dict[str, Any]) -> list[str]:
    with pytest.raises(AnswersError) as e:
        spec_from_dict(raw)
    return e.value.problems


def test_tutorial_example_is_valid() -> None:
    spec, secrets = load_answers(TUTORIAL)
    assert [n.name for n in spec.nodes] == ["server1", "server2"]
    assert spec.master_node.address == "192.168.1.1"
    assert spec.peer_node.ssh == "192.168.1.2"
    assert (spec.service.hostname, spec.service.vip, spec.service.netmask) == ("mail", "192.168.1.5", 24)
    assert spec.storage.mount_point == "/replicated" and spec.storage.filesystem == "ext3"
    assert spec.recipes == ("sendmail",) and spec.demo is True
    assert secrets.shared_secret == "" and secrets.authkey == ""


def _set(raw: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    raw = copy.deepcopy(raw)
    cur: Any = raw
    keys = path.split(".")
    for k in keys[:-1]:
        cur = cur[int(k)] if k.isdigit() else cur[k]
    last = keys[-1]
    if value is KeyError:
        del cur[last]
    else:
        cur[int(last) if last.isdigit() else last] = value
    return raw


CASES = [
    ("nodes.0.address", "192.168.1.300", "nodes[1].address = '192.168.1.300': not a valid IP address"),
    ("service.vip", "10.0.0.5", "service.vip = 10.0.0.5: outside server1's subnet"),
    ("service.vip", "192.168.1.2", "service.vip = 192.168.1.2: equals server2's address"),
    ("nodes.1.name", "server1", "the name 'server1' is used twice"),
    ("drbd.port", 70000, "drbd.port = 70000: port out of range"),
    ("heartbeat.udpport", 70000, "heartbeat.udpport = 70000: port out of range"),
    ("recipes.enabled", ["sendmial"], "unknown recipe 'sendmial' (did you mean 'sendmail'?)"),
    ("drbd.protocl", "C", "drbd.protocl: unknown key (did you mean 'protocol'?)"),
    ("heartbeat.deadtim", 30, "heartbeat.deadtim: unknown key (did you mean 'deadtime'?)"),
    ("storage.filesystem", "ntfs", "storage.filesystem = 'ntfs': choose one of ext3, ext4, xfs"),
    ("drbd.port", "7788", "drbd.port = '7788': expected a whole number"),
    ("cluster.master", "server3", "cluster.master = 'server3': not one of the nodes"),
    ("nodes.0.disk", "sda5", "nodes[1].disk = 'sda5': must be a partition path"),
    ("service.netmask", 33, "service.netmask = 33: give the prefix length"),
    ("nodes.0.disk", KeyError, "nodes[1].disk is missing"),
    ("heartbeat.deadtime", 3, "heartbeat.deadtime = 3: the tutorial profile sets 120"),
]


@pytest.mark.parametrize("path,value,expected", CASES, ids=[c[0] + "=" + repr(c[1]) for c in CASES])
def test_each_mistake_is_named(path: str, value: Any, expected: str) -> None:
    found = problems(_set(base(), path, value))
    assert any(expected in p for p in found), found


def test_unknown_section_suggests() -> None:
    raw = base()
    raw["hearbeat"] = raw.pop("heartbeat")
    found = problems(raw)
    assert any("[hearbeat]: unknown section (did you mean 'heartbeat'?)" in p for p in found)


def test_all_mistakes_reported_at_once() -> None:
    raw = _set(base(), "drbd.port", 0)
    raw = _set(raw, "service.vip", "not-an-ip")
    raw = _set(raw, "recipes.enabled", ["nope"])
    found = problems(raw)
    assert len(found) == 3, found


def test_cli_prints_problems_without_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(TUTORIAL.read_text().replace('vip = "192.168.1.5"', 'vip = "192.168.1.500"')
                   .replace("port = 7788", "port = 77888"))
    r = subprocess.run([sys.executable, "-m", "wizard", "plan", "--answers", str(bad), "--offline"],
                       capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 2
    assert "Traceback" not in r.stderr + r.stdout
    assert "service.vip = '192.168.1.500': not a valid IP address" in r.stderr
    assert "drbd.port = 77888: port out of range" in r.stderr


@pytest.mark.parametrize("content,expected", [
    ("[cluster\nmaster=1", "not valid TOML"),
    (None, "file not found"),
])
def test_unreadable_file(tmp_path: Path, content: str | None, expected: str) -> None:
    f = tmp_path / "a.toml"
    if content is not None:
        f.write_text(content)
    with pytest.raises(AnswersError) as e:
        load_answers(f)
    assert expected in str(e.value)
