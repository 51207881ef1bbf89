"""Pacemaker's steps (facts in, commands out), and their shell scripts run for real on this machine with fake
tools in PATH where the real ones would touch a cluster: corosync -t on the node's own check, Debian's default
CIB cleared only when this pair's cluster does not run, the CIB refused while NOT READY."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from helpers.golden import context

from wizard.core.actions import Run, Step, WaitFor, WriteFile
from wizard.core.secrets import Redactor
from wizard.errors import WizardError
from wizard.output.describe import describe_plan
from wizard.pacemaker import steps
from wizard.pacemaker.confcheck import corosync_tool
from wizard.pacemaker.render import AUTHKEY, COROSYNC_CONF

LAB = context("lab-pacemaker", "8.4")


def runs(step: Step) -> list[Run]:
    return [a for a in step.actions if isinstance(a, Run)]


def test_files_step_checks_with_the_nodes_corosync_before_writing_and_keeps_the_key_secret() -> None:
    for node in ("node1", "node2"):
        step = steps.files_step(LAB, node)
        first = step.actions[0]
        assert isinstance(first, Run) and first.argv[:2] == ("sh", "-c") and "corosync -c" in first.argv[2]
        assert first.input is not None and first.input.startswith(LAB.secrets.corosync_key + "\n")
        assert LAB.secrets.corosync_key not in " ".join(first.argv)  # the key never on a command line
        writes = {a.path: a for a in step.actions if isinstance(a, WriteFile)}
        assert writes[AUTHKEY].mode == 0o400 and writes[AUTHKEY].secret
        assert writes[COROSYNC_CONF].mode == 0o644
        assert ("/var/lib/ha-wizard/cib.crm" in writes) is (node == "node1")
        assert step.checks and all(c.until == "sha256" for c in step.checks)
    shown = describe_plan([steps.files_step(LAB, "node1")], None, Redactor(LAB.secrets.values()), "")
    assert LAB.secrets.corosync_key not in shown and "shown as ********" in shown


@pytest.mark.skipif(corosync_tool() is None or shutil.which("unshare") is None, reason="needs corosync")
@pytest.mark.parametrize(("broken", "rc"), [(False, 0), (True, 8)])
def test_the_nodes_corosync_check_runs(broken: bool, rc: int) -> None:
    """The script as node1 would run it: its addresses on a private loopback, corosync -t on the planned text."""
    run = steps.corosync_check_run(LAB)
    text = run.input or ""
    if broken:
        text = text.replace("transport: knet", "transport: kent")
    user = [] if os.geteuid() == 0 else ["-r"]
    wrapped = ["unshare", *user, "-n", "sh", "-c", 'ip link set lo up && ip addr add 10.99.0.1 dev lo && exec "$@"',
               "sh", *run.argv]
    r = subprocess.run(wrapped, input=text, capture_output=True, text=True, timeout=60, check=False)
    if r.returncode != 0 and "Operation not permitted" in r.stderr:
        pytest.skip("no private network namespace here")
    assert r.returncode == rc, r.stdout + r.stderr
    assert dict(run.explain)[8].startswith("this node's corosync rejects")
    if broken:
        assert "Invalid transport type" in r.stdout + r.stderr


def test_boot_step_turns_drbd_off_and_the_cluster_on() -> None:
    step = steps.boot_step(LAB, "node2")
    assert [r.argv for r in runs(step)] == [("sh", "-c", steps.DRBD_OFF_AT_BOOT),
                                           ("systemctl", "enable", "corosync.service", "pacemaker.service")]
    assert [c.probe for c in step.checks] == [("sh", "-c", "! systemctl is-enabled --quiet drbd.service 2>/dev/null"),
                                             ("systemctl", "is-enabled", "--quiet", "corosync.service",
                                              "pacemaker.service")]


@pytest.mark.parametrize(("state", "disabled"), [("enabled", True), ("disabled", False), ("missing", False)])
def test_drbd_is_disabled_only_when_enabled(tmp_path: Path, state: str, disabled: bool) -> None:
    """A disable with nothing to change still runs update-rc.d and a reload: it is left out then."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    rc = {"enabled": 0, "disabled": 1, "missing": 4}[state]
    (bin_dir / "systemctl").write_text(f"#!/bin/sh\necho \"$@\" >> {tmp_path}/calls\n"
                                       f"[ \"$1\" = is-enabled ] && exit {rc}; exit 0\n")
    (bin_dir / "systemctl").chmod(0o755)
    r = subprocess.run(["sh", "-c", steps.DRBD_OFF_AT_BOOT], env={"PATH": f"{bin_dir}:/usr/bin:/bin"},
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    calls = (tmp_path / "calls").read_text().splitlines()
    assert calls[0] == "is-enabled --quiet drbd.service"
    assert (calls[1:] == ["disable drbd.service"]) is disabled, calls


def _fake_bin(tmp: Path, members: str) -> Path:
    """crm_node -l printing ``members``; systemctl recording its arguments."""
    bin_dir = tmp / "bin"
    bin_dir.mkdir()
    (bin_dir / "crm_node").write_text(f"#!/bin/sh\nprintf '{members}'\n")
    (bin_dir / "systemctl").write_text(f"#!/bin/sh\necho \"$@\" >> {tmp}/systemctl.log\n")
    (bin_dir / "cibadmin").write_text("#!/bin/sh\nexit 1\n")
    for f in bin_dir.iterdir():
        f.chmod(0o755)
    return bin_dir


@pytest.mark.parametrize(("members", "cleared"), [
    ("", True),  # nothing runs (fresh install, daemons stopped)
    ("1 node1 member\\n", True),  # Debian's default one-node cluster (its node is called node1 too)
    ("1 node1 member\\n2 node2 member\\n", False),  # this pair's cluster runs: a resume keeps its CIB
])
def test_default_cib_cleared_only_when_this_pair_does_not_run(tmp_path: Path, members: str, cleared: bool) -> None:
    step = steps.fresh_cib_step(LAB, "node1")
    (run,) = runs(step)
    cib = tmp_path / "cib"
    cib.mkdir()
    (cib / "cib.xml").write_text("<cib/>")
    mark = tmp_path / "state" / "fresh"
    argv = [*run.argv[:4], str(mark), str(cib), *run.argv[6:]]
    env = {**os.environ, "PATH": f"{_fake_bin(tmp_path, members)}:{os.environ['PATH']}"}
    r = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=30, check=False)
    assert r.returncode == 0, r.stderr
    assert mark.exists()  # the step's proof on resume
    log = tmp_path / "systemctl.log"
    assert (log.exists() and "stop pacemaker.service corosync.service" in log.read_text()) is cleared
    assert (cib / "cib.xml").exists() is not cleared
    assert step.checks[0].probe == ("test", "-e", steps.FRESH_MARK)


def test_start_and_online_steps() -> None:
    start = steps.start_step(LAB, "node1")
    assert [r.argv for r in runs(start)] == [("systemctl", "start", "corosync.service"),
                                            ("systemctl", "start", "pacemaker.service")]
    online = steps.online_step(LAB)
    (wait,) = online.actions
    assert isinstance(wait, WaitFor) and wait.until == "pcmk-online" and wait.args == ("cl_drbd_r0", "node1", "node2")
    assert wait.timeout >= 300 and online.host == "node1"


def test_cib_is_loaded_once_on_the_master_after_the_release() -> None:
    step = steps.cib_step(LAB)
    assert step.host == "node1"
    guard, release, load = runs(step)
    assert load.argv == ("crm", "configure", "load", "update", "/var/lib/ha-wizard/cib.crm")
    assert load.timeout >= 120  # crmsh took 9-16 s per call under emulation
    assert release.argv[-3:] == ("/replicated", "r0", "apache2")  # the unit the CIB runs
    assert step.checks[0].until == "pcmk-cib-loaded" and step.checks[0].args == ("cl_drbd_r0", "g_service")
    assert guard.argv[-1] == "/var/lib/ha-wizard/cib.crm"


def test_a_not_ready_cib_is_refused(tmp_path: Path) -> None:
    tutorial = context("tutorial-pacemaker", "8.4")  # STONITH answers missing: placeholders
    with pytest.raises(WizardError) as e:
        steps.require_cib_ready(tutorial)
    assert "NOT READY" in str(e.value) and "nodes[1].fence_target" in str(e.value) and "\n" not in str(e.value)
    steps.require_cib_ready(LAB)  # none-confirmed: nothing missing, nothing refused
    guard = runs(steps.cib_step(tutorial))[0]
    script = tmp_path / "cib.crm"
    for text, rc in (("# NOT READY: fill in ...\n", 3), ("primitive p_x ocf:heartbeat:Dummy\n", 0)):
        script.write_text(text)
        r = subprocess.run([*guard.argv[:-1], str(script)], capture_output=True, timeout=10, check=False)
        assert r.returncode == rc


def test_the_release_is_skipped_once_the_cib_holds_the_clone(tmp_path: Path) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "cibadmin").write_text("#!/bin/sh\necho '<clone id=\"cl_drbd_r0\">'\n")
    (bin_dir / "systemctl").write_text(f"#!/bin/sh\necho \"$@\" >> {tmp_path}/systemctl.log\n")
    for f in bin_dir.iterdir():
        f.chmod(0o755)
    release = runs(steps.cib_step(LAB))[1]
    env = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}"}
    r = subprocess.run(release.argv, capture_output=True, text=True, env=env, timeout=30, check=False)
    assert r.returncode == 0 and not (tmp_path / "systemctl.log").exists()


def test_verify_steps_read_the_node_and_crm_mon() -> None:
    active = steps.verify_active_step(LAB)
    (wait,) = active.actions
    assert isinstance(wait, WaitFor) and wait.until == "pcmk-active"
    assert wait.args == ("cl_drbd_r0", "0", "/dev/drbd0", "/replicated", "10.99.0.100")
    assert "crm_mon -1 --output-as=xml" in wait.probe[2] and "cat /proc/mounts" in wait.probe[2]
    assert wait.probe[2].startswith("echo @@ha-wizard:node; uname -n; ")  # crm_mon names nodes: which one is this
    standby = steps.verify_standby_step(LAB)
    assert standby.host == "node2" and standby.checks[0].until == "pcmk-standby"
    assert standby.checks[0].args == ("cl_drbd_r0", "0", "/replicated", "10.99.0.100")


def test_every_wait_and_check_of_the_plan_names_a_registered_condition() -> None:
    from wizard.flow.registry import conditions
    from wizard.flow.tutorial import build_plan

    known = set(conditions().names())
    used = {a.until for s in build_plan(LAB) for a in s.actions if isinstance(a, WaitFor)}
    used |= {c.until for s in build_plan(LAB) for c in s.checks}
    assert {"pcmk-online", "pcmk-cib-loaded", "pcmk-active", "pcmk-standby"} <= used
    assert used <= known, used - known
