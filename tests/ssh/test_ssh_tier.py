"""The SSH executor against a real sshd on 127.0.0.1: commands, files, a pty prompt, kill -9 and resume."""

from __future__ import annotations

import json
import os
import re
import signal
import sys
import time
from pathlib import Path

import pytest

from wizard.core.actions import Prompt
from wizard.errors import UnreachableError, WizardError
from wizard.executors.ssh import SshExecutor

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import harmless_plan  # noqa: E402
import plan_runs  # noqa: E402


def _ex(sshd, **kw) -> SshExecutor:  # type: ignore[no-untyped-def]
    return SshExecutor("peer", sshd.host, port=sshd.port, identity=str(sshd.identity),
                       known_hosts=str(kw.pop("known_hosts", sshd.known_hosts)), **kw)


def test_run_files_and_one_connection(sshd, tmp_path: Path) -> None:
    before = sshd.accepted_logins()
    ex = _ex(sshd)
    try:
        assert ex.probe(["uname", "-n"]).out.strip()
        r = ex.run(["sh", "-c", "echo out; echo err >&2; exit 3"])
        assert (r.rc, r.out, r.err) == (3, "out\n", "err\n")
        target = str(tmp_path / "dir" / "f.conf")
        ex.make_dir(str(tmp_path / "dir"))
        ex.write_file(target, "a = 'quoted' $HOME\n", mode=0o600)
        assert ex.read_file(target) == "a = 'quoted' $HOME\n"
        assert ex.file_mode(target) == 0o600
        ex.symlink(str(tmp_path / "link"), target)
        assert ex.readlink(str(tmp_path / "link")) == target
        assert ex.read_file(str(tmp_path / "missing")) is None
        for _ in range(20):
            ex.probe(["true"])
        r = ex.run_prompted(["sh", "-c", "printf 'Name? '; read -r n; echo hello $n"],
                            [Prompt("Name? ", "world")], answer=lambda p: p.answer, timeout=30)
        assert r.rc == 0 and "hello world" in r.out
    finally:
        ex.close()
    # every command above, the pty one included, rode a single authenticated connection
    assert sshd.accepted_logins() - before == 1


def test_unknown_host_key_needs_the_fingerprint(sshd, tmp_path: Path) -> None:
    empty = tmp_path / "known_hosts"
    with pytest.raises(WizardError) as e:
        _ex(sshd, known_hosts=empty)
    assert sshd.fingerprint in str(e.value) and "--accept-host-key" in str(e.value)
    assert not empty.exists() or "127.0.0.1" not in empty.read_text()
    with pytest.raises(WizardError):
        _ex(sshd, known_hosts=empty, decide_host_key=lambda label, prints: False)
    ex = _ex(sshd, known_hosts=empty, decide_host_key=lambda label, prints: any(
        p.split()[0] == sshd.fingerprint for p in prints))
    try:
        assert ex.probe(["true"]).ok
    finally:
        ex.close()
    assert f"[127.0.0.1]:{sshd.port}" in empty.read_text()


def test_unreachable_peer_is_one_plain_sentence(sshd, tmp_path: Path) -> None:
    with pytest.raises(UnreachableError) as e:
        SshExecutor("server2", "127.0.0.1", port=1, known_hosts=str(tmp_path / "kh"))
    msg = str(e.value)
    assert "server2" in msg and "\n" not in msg and "Traceback" not in msg


def test_kill_9_between_steps_then_resume_matches_uninterrupted_run(sshd, tmp_path: Path) -> None:
    ref = plan_runs.Target(tmp_path / "ref")
    rc, out, err = plan_runs.finish(plan_runs.start(sshd, ref))
    assert rc == 0, out + err
    done, skipped = map(int, re.search(r"SUMMARY done=(\d+) skipped=(\d+)", out).groups())  # type: ignore[union-attr]
    # the wait may find its mark already there (the job sleeps 0 s): then it is proven done, and skipped
    assert done + skipped == len(harmless_plan.plan("x", 0)) and skipped <= 1

    run = plan_runs.Target(tmp_path / "run")
    p = plan_runs.start(sshd, run, pause=30)
    jf = run.journal / "journal.json"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:  # kill once the prompt step is done and the slow one has started
        if jf.exists():
            steps = json.loads(jf.read_text())["steps"]
            if steps.get("prompt@peer", {}).get("status") == "done" and "slow@peer" in steps:
                break
        time.sleep(0.05)
    else:
        p.kill()
        pytest.fail("the run never reached the slow step")
    os.kill(p.pid, signal.SIGKILL)
    p.wait(timeout=10)
    plan_runs.stop_leftover_masters(run)
    steps = json.loads(jf.read_text())["steps"]
    assert steps["slow@peer"]["status"] == "started"
    assert not (run.root / "peer" / "slow.done").exists()

    rc, out, err = plan_runs.finish(plan_runs.start(sshd, run))  # resume
    assert rc == 0, out + err
    # proven done on the host, so not re-run: the prompt would otherwise be asked again
    assert "StepFinished(step_id='prompt@peer', status='skipped'" in out
    assert "StepFinished(step_id='slow@peer', status='done'" in out
    assert plan_runs.state(run.root) == plan_runs.state(ref.root)
    assert (run.root / "peer" / "etc" / "authkeys").stat().st_mode & 0o777 == 0o600
    for f in (run.log, jf, ref.log):
        text = f.read_text()
        assert harmless_plan.SECRET not in text
        assert harmless_plan.ANSWER not in text
