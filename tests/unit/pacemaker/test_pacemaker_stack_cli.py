"""As a new user would: with `stack = "pacemaker"`, `plan`, `plan --format json` and `apply --dry-run` show the
whole Pacemaker plan, and
`ha-wizard render` writes the Pacemaker files, checked, with the secrets only in the files themselves."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from helpers.golden import KNOWN, context

from wizard.core.answers import dumps
from wizard.core.secrets import Secrets
from wizard.errors import ConfigCheckFailed
from wizard.flow.tutorial import build_plan
from wizard.pacemaker.confcheck import corosync_tool

ROOT = Path(__file__).resolve().parents[3]
LAB = ROOT / "tests" / "data" / "answers" / "lab-pacemaker.toml"
SHARED = "KnownShared-Secret-7f3a9c1e5b"
AUTHKEY = "KnownAuthKey-2d8e6b4a0c91"


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "wizard", *args], capture_output=True, text=True, cwd=ROOT,
                          timeout=120, check=False)


def test_the_planner_builds_the_whole_pacemaker_plan_in_place_of_heartbeats() -> None:
    steps = build_plan(context("lab-pacemaker", "8.4"))
    ids = [s.id for s in steps]
    assert all(s.implemented for s in steps)
    assert not [i for i in ids if i.startswith("heartbeat")]
    tail = ids[ids.index("pacemaker-files@node1"):]
    assert tail == ["pacemaker-files@node1", "pacemaker-files@node2", "drbd-boot@node1", "drbd-boot@node2",
                    "pacemaker-fresh@node1", "pacemaker-fresh@node2", "pacemaker-start@node1",
                    "pacemaker-start@node2", "pacemaker-online", "cib-load@node1", "pacemaker-active@node1",
                    "pacemaker-standby@node2"]
    assert ids.index("mount") < ids.index("pacemaker-files@node1")  # after DRBD and the services, as Heartbeat
    assert build_plan(context("lab", "8.4"))  # the same lab on Heartbeat plans as before


@pytest.mark.parametrize("command", [["plan", "--offline"], ["apply", "--dry-run", "--offline"]])
def test_plan_and_dry_run_show_the_pacemaker_steps(command: list[str], tmp_path: Path) -> None:
    r = _cli(*command, "--answers", str(LAB), "--journal-dir", str(tmp_path / "j"))
    assert r.returncode == 0, r.stdout + r.stderr
    assert "cluster stack: pacemaker (cluster.stack in the answers)" in r.stdout
    for words in ("Corosync files: corosync.conf, authkey, and the CIB script", "|| systemctl disable drbd.service",
                  "clear Debian's default one-node CIB", "crm configure load update /var/lib/ha-wizard/cib.crm",
                  "wait until node1 and node2 are both online", "node2 stands by (Unpromoted, nothing held)"):
        assert words in r.stdout, words
    assert "write: /etc/ha.d" not in r.stdout and "not implemented" not in r.stdout
    assert "run: systemctl start apache2.service" in r.stdout  # the service tried once by its unit, not a script
    # the authkey is shown masked only
    assert "write: /etc/corosync/authkey (mode 400): holds a secret, shown as ********" in r.stdout


def test_plan_json_lists_the_pacemaker_steps(tmp_path: Path) -> None:
    import json

    r = _cli("plan", "--offline", "--format", "json", "--answers", str(LAB), "--journal-dir", str(tmp_path / "j"))
    assert r.returncode == 0, r.stderr
    plan = json.loads(r.stdout)
    assert plan["stack"] == "pacemaker" and plan["stack_source"] == "cluster.stack in the answers"
    text = json.dumps(plan)
    assert "cib-load@node1" in text and "pacemaker-active@node1" in text and "heartbeat-start" not in text


def test_auto_offline_stays_on_heartbeat(tmp_path: Path) -> None:
    raw = tomllib.loads(LAB.read_text())
    raw["cluster"]["stack"] = "auto"
    f = tmp_path / "auto.toml"
    f.write_text(dumps(raw))
    r = _cli("plan", "--offline", "--answers", str(f), "--journal-dir", str(tmp_path / "j"))
    assert r.returncode == 0, r.stderr
    assert "cluster stack: heartbeat (auto: assumed, node1 and node2 not probed" in r.stdout
    assert "/etc/ha.d/haresources" in r.stdout


def test_render_writes_the_pacemaker_files_checked(tmp_path: Path) -> None:
    raw = tomllib.loads(LAB.read_text())
    raw["drbd"]["shared_secret"], raw["heartbeat"]["authkey"] = SHARED, AUTHKEY
    answers = tmp_path / "lab.toml"
    answers.write_text(dumps(raw))
    out = tmp_path / "out"
    r = _cli("render", "--answers", str(answers), "--out", str(out), "--journal-dir", str(tmp_path / "j"))
    assert r.returncode == 0, r.stderr
    assert "not yet set up" not in r.stdout and "files written under" in r.stdout
    n1, n2 = out / "node1", out / "node2"
    for rel in ("etc/drbd.d/r0.res", "etc/corosync/corosync.conf", "etc/corosync/authkey"):
        assert (n1 / rel).read_bytes() == (n2 / rel).read_bytes(), rel
    assert not (n1 / "etc/ha.d").exists()
    key = n1 / "etc/corosync/authkey"
    assert oct(os.stat(key).st_mode & 0o777) == "0o400"
    assert key.read_text() == Secrets(SHARED, AUTHKEY).corosync_key
    cib = (n1 / "var/lib/ha-wizard/cib.crm").read_text()
    assert "clone cl_drbd_r0 p_drbd_r0" in cib and not (n2 / "var/lib/ha-wizard/cib.crm").exists()
    res = (n1 / "etc/drbd.d/r0.res").read_text()
    assert 'fence-peer "/usr/lib/drbd/crm-fence-peer.sh";' in res and "heartbeat stop" not in res
    # the secrets are in the files, never in what is printed
    for secret in (SHARED, AUTHKEY, Secrets(SHARED, AUTHKEY).corosync_key):
        assert secret not in r.stdout + r.stderr
    # rendering again replaces the 0400 key
    again = _cli("render", "--answers", str(answers), "--out", str(out), "--journal-dir", str(tmp_path / "j"))
    assert again.returncode == 0, again.stderr


def test_render_refuses_wrong_pacemaker_files_and_writes_nothing(tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """A corosync.conf Corosync refuses (here: a transport it does not know) is named, and nothing written."""
    from wizard.output import render_dir
    from wizard.pacemaker import render

    good = render.corosync_conf
    monkeypatch.setattr(render, "corosync_conf", lambda ctx: good(ctx).replace("transport: knet", "transport: tcp"))
    out = tmp_path / "out"
    with pytest.raises(ConfigCheckFailed) as e:
        render_dir.render_to_dir(str(LAB), str(out), journal_dir=str(tmp_path / "j"))
    said = str(e.value)
    assert "totem.transport is tcp, expected knet" in said
    if corosync_tool() is not None:
        assert "corosync: Invalid transport type" in said
    assert not out.exists()


def test_known_secrets_render_the_known_key() -> None:
    assert KNOWN.corosync_key == Secrets(KNOWN.shared_secret, KNOWN.authkey).corosync_key
