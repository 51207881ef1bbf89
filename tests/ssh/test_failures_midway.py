"""Failures in the middle of a step, against a real sshd on 127.0.0.1.

- The peer's link is cut (a proxy drops the TCP connection) or its sshd is killed (SIGKILL of the listener
  and every session process) in the middle of a file upload, of a prompt on a pty, and of a wait. Each
  gives one error naming the peer and the step, a non-zero exit, nothing half-written on either side
  (a file is the old one or the new one), and a resume that finishes the plan.
- The wizard itself is killed with -9 at every step boundary of the harmless plan and inside each kind of
  action; every resumed run must end in the state of an uninterrupted one. The number of runs is printed.
"""

from __future__ import annotations

import json
import os
import signal
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import harmless_plan  # noqa: E402
import plan_runs  # noqa: E402
from netfault import Proxy  # noqa: E402

STEP_IDS = [s.id for s in harmless_plan.plan("x", 0)]


def _reference(sshd, base: Path) -> dict[str, str]:  # type: ignore[no-untyped-def]
    ref = plan_runs.Target(base)
    rc, out, err = plan_runs.finish(plan_runs.start(sshd, ref))
    assert rc == 0, out + err
    return plan_runs.state(ref.root)


@pytest.fixture(scope="module")
def reference(sshd, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """The state an uninterrupted run leaves (paths relative to the run's root)."""
    return _reference(sshd, tmp_path_factory.mktemp("reference"))


@pytest.fixture
def small_reference(sshd, tmp_path_factory: pytest.TempPathFactory,  # type: ignore[no-untyped-def]
                    monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """The same with a smaller "large file" (the kill runs need no slow upload), for this test's runs."""
    monkeypatch.setenv("HARMLESS_BIG_LINES", "5000")
    return _reference(sshd, tmp_path_factory.mktemp("small-reference"))


@pytest.fixture
def proxy(own_sshd) -> Iterator[Proxy]:  # type: ignore[no-untyped-def]
    p = Proxy(own_sshd.port, rate=1_500_000)  # 1.5 MB/s up: the 2.6 MB file takes about 2 s to send
    yield p
    p.close()


# what to wait for in the run's output before breaking the link, and the step it breaks
MIDWAY = {
    "write": ("StepStarted(step_id='big@peer'", "big@peer", "a large file on peer"),
    "prompt": ("ASKING peer:/dev/fake", "prompt@peer", "a command that asks through its tty on peer"),
    "wait": ("WaitProgress(step_id='wait@peer'", "wait@peer", "waiting for the job on peer"),
}


@pytest.mark.parametrize("how", ["link dropped", "sshd killed"])
@pytest.mark.parametrize("where", list(MIDWAY))
def test_peer_lost_midway_then_resume(own_sshd, proxy: Proxy, tmp_path: Path, reference: dict[str, str],  # type: ignore[no-untyped-def]
                                      where: str, how: str) -> None:
    marker, step_id, names = MIDWAY[where]
    run = plan_runs.Target(tmp_path)
    kh = own_sshd.known_hosts_for(proxy.port, tmp_path / "known_hosts")
    p = plan_runs.start(own_sshd, run, port=proxy.port, known_hosts=kh, pause=2, confirm_delay=2)
    plan_runs.wait_for_line(p, marker)
    if where == "write":  # the upload is under way: some of it has gone through, not all
        before = proxy.uploaded
        while proxy.uploaded < before + 400_000:
            pass
    if how == "link dropped":
        proxy.drop()
    else:
        own_sshd.kill()
    rc, out, err = plan_runs.finish(p)
    plan_runs.stop_leftover_masters(run)

    assert rc == 3, out + err  # UnreachableError
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1 and "Traceback" not in err, err
    assert lines[0].startswith(f"ha-wizard: {names}: ") and "peer" in lines[0] and "resume" in lines[0], lines[0]
    journal = json.loads((run.journal / "journal.json").read_text())["steps"]
    assert journal[step_id]["status"] == "failed"
    assert plan_runs.half_written(run.root, reference) == []
    if where == "write":
        assert not (run.root / "peer" / "etc" / "big.txt").exists()  # the old state: no file yet
    if where == "prompt":
        assert not (run.root / "peer" / "answered").exists()  # the question was never answered

    if how == "sshd killed":
        own_sshd.start()
    rc, out, err = plan_runs.finish(plan_runs.start(own_sshd, run, port=proxy.port, known_hosts=kh))  # resume
    plan_runs.stop_leftover_masters(run)
    assert rc == 0, out + err
    assert plan_runs.state(run.root) == reference  # no temp file left either: it would be a difference


def _kill_points() -> list[str]:
    boundaries = [f"before:{STEP_IDS[0]}"] + [f"after:{sid}" for sid in STEP_IDS]
    inside = ["in:mkdir", "in:write:app.conf", "in:write:big.txt", "in:write:hosts", "in:write:fstab",
              "in:prompt", "in:run", "in:wait", "in:symlink"]
    return boundaries + inside


def _kill_and_resume(sshd, base: Path, point: str, reference: dict[str, str]) -> str:  # type: ignore[no-untyped-def]
    """One run killed with -9 at ``point``, then resumed; "" when it reached the reference state."""
    run = plan_runs.Target(base)
    p = plan_runs.start(sshd, run, pause={"in:run": 20, "in:wait": 4}.get(point, 0), hold=point)
    plan_runs.wait_for_line(p, "HOLD")
    os.kill(p.pid, signal.SIGKILL)
    p.wait(timeout=10)
    half = plan_runs.half_written(run.root, reference)
    plan_runs.stop_leftover_masters(run)
    rc, out, err = plan_runs.finish(plan_runs.start(sshd, run))  # resume, uninterrupted
    plan_runs.stop_leftover_masters(run)
    if half:
        return f"{point}: half-written after the kill: {half}"
    if rc != 0:
        return f"{point}: resume exited {rc}:\n{out}{err}"
    now = plan_runs.state(run.root)
    return "" if now == reference else f"{point}: differs from the uninterrupted run: " + \
        str({k: (now.get(k), reference.get(k)) for k in set(now) | set(reference) if now.get(k) != reference.get(k)})


def test_kill_9_everywhere_then_resume(sshd, tmp_path: Path, small_reference: dict[str, str],  # type: ignore[no-untyped-def]
                                       fuzz_report: dict[str, Any]) -> None:
    points = _kill_points()
    # independent runs (own root, journal and TMPDIR each): three at a time, as they mostly wait on ssh
    with ThreadPoolExecutor(max_workers=3) as pool:
        verdicts = list(pool.map(lambda ip: _kill_and_resume(sshd, tmp_path / f"k{ip[0]}", ip[1], small_reference),
                                 enumerate(points)))
    failed = [v for v in verdicts if v]
    inside = len(points) - len(STEP_IDS) - 1
    fuzz_report["kill -9 then resume"] = (f"{len(points) - len(failed)}/{len(points)} runs reached the "
                                          f"uninterrupted state ({len(STEP_IDS) + 1} step boundaries, {inside} "
                                          "points inside actions)")
    assert not failed, "\n".join(failed)


def test_connection_may_change_between_steps_never_within(own_sshd, proxy: Proxy, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Within a step the connection is pinned; between steps (and outside any, as the screens probe while
    the admin reads) a dropped connection is simply opened again, since each step starts by proving on
    the host what is done."""
    import time

    from wizard.errors import UnreachableError
    from wizard.executors.ssh import SshExecutor

    kh = own_sshd.known_hosts_for(proxy.port, tmp_path / "known_hosts")
    ex = SshExecutor("peer", "127.0.0.1", port=proxy.port, identity=str(own_sshd.identity), known_hosts=str(kh))

    def drop_and_wait() -> None:
        master = ex._master
        proxy.drop()
        deadline = time.monotonic() + 10
        while ex._alive(master) and time.monotonic() < deadline:
            time.sleep(0.05)

    try:
        ex.begin_step()
        assert ex.probe(["true"]).ok
        drop_and_wait()
        with pytest.raises(UnreachableError) as e:
            ex.probe(["true"])
        assert "lost the SSH connection to peer" in str(e.value)
        ex.end_step()
        ex.begin_step()  # the next step: a new connection is fine
        assert ex.probe(["true"]).ok
        ex.end_step()
        drop_and_wait()
        assert ex.probe(["true"]).ok  # outside a step too
    finally:
        ex.close()
