"""The SSH executor against a real sshd on 127.0.0.1: commands, files, a pty prompt, kill -9 and resume."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
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


def _run_plan(sshd, root: Path, journal: Path, log: Path, pause: float) -> subprocess.Popen[str]:  # type: ignore[no-untyped-def]
    return subprocess.Popen(
        [sys.executable, str(HERE / "harmless_plan.py"), "--port", str(sshd.port), "--identity",
         str(sshd.identity), "--known-hosts", str(sshd.known_hosts), "--root", str(root), "--journal",
         str(journal), "--pause", str(pause), "--log", str(log)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def _state(root: Path) -> dict[str, str]:
    out = {}
    for p in sorted(root.rglob("*")):
        rel = str(p.relative_to(root))
        if p.is_symlink():
            out[rel] = "-> " + os.readlink(p).replace(str(root), "ROOT")
        elif p.is_file():
            out[rel] = f"{p.stat().st_mode & 0o777:o} " + hashlib.sha256(p.read_bytes()).hexdigest()
        else:
            out[rel] = "dir"
    return out


def test_kill_9_between_steps_then_resume_matches_uninterrupted_run(sshd, tmp_path: Path) -> None:
    ref_root, ref_j = tmp_path / "ref", tmp_path / "ref-journal"
    p = _run_plan(sshd, ref_root, ref_j, tmp_path / "ref.log", pause=0)
    out, _ = p.communicate(timeout=120)
    assert p.returncode == 0, out
    assert "SUMMARY done=8" in out

    root, journal, log = tmp_path / "run", tmp_path / "journal", tmp_path / "run.log"
    p = _run_plan(sshd, root, journal, log, pause=30)
    deadline = time.monotonic() + 60
    jf = journal / "journal.json"
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
    steps = json.loads(jf.read_text())["steps"]
    assert steps["slow@peer"]["status"] == "started"
    assert not (root / "peer" / "slow.done").exists()

    p = _run_plan(sshd, root, journal, log, pause=0)  # resume
    out, _ = p.communicate(timeout=120)
    assert p.returncode == 0, out
    # proven done on the host, so not re-run: the prompt would otherwise be asked again
    assert "StepFinished(step_id='prompt@peer', status='skipped'" in out
    assert "StepFinished(step_id='slow@peer', status='done'" in out
    ref = {k.replace("ref", "ROOT"): v for k, v in _state(ref_root).items()}
    assert _state(root) == ref
    assert (root / "peer" / "etc" / "authkeys").stat().st_mode & 0o777 == 0o600
    for f in (log, jf, tmp_path / "ref.log"):
        text = f.read_text()
        assert harmless_plan.SECRET not in text
        assert harmless_plan.ANSWER not in text
