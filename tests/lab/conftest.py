"""The ``lab`` test tier: real Debian 12 VMs with kernel DRBD + Heartbeat under qemu (``pytest -m lab``).

Every test under tests/lab is marked ``lab`` here, so the fast default run (``pytest -m "not lab"``) never
boots a VM. The session-scoped ``lab`` fixture builds or reuses the cached image and boots node1 + node2
once per session; whatever happens (failure, Ctrl-C, SIGTERM) the VMs are stopped at the end and no qemu
of ours may survive. Timings go to the terminal summary and to ``<lab dir>/timings.log``; a failing lab
test shows both VMs' console tails.
"""

from __future__ import annotations

import atexit
import signal
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from types import FrameType
from typing import Any

import pytest

from wizard.lab import Lab, LabError
from wizard.lab.common import record_timing
from wizard.lab.owner import LabBusy

from .wizard_on_node import (
    LOG,
    Wheelhouse,
    build_wheelhouse,
    ensure_wizard,
    lab_tests_follow,
    restore_and_forget,
    snapshot,
)

HERE = Path(__file__).resolve().parent

#: Session facts for the hooks below (the fixture object is not reachable from pytest_terminal_summary).
#: "timings" are the lab's own (image, boot, restart); "measured" what the scenarios timed (lab_timing).
_session: dict[str, Any] = {"lab": None, "timings": {}, "measured": {}, "error": None, "leftovers": [],
                            "secs": None}


@pytest.hookimpl(tryfirst=True)  # before -m deselects, so "-m lab" / "-m 'not lab'" see the mark
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    in_lab = [HERE in item.path.resolve().parents for item in items]
    for item, is_lab in zip(items, in_lab, strict=True):
        if is_lab:
            item.add_marker(pytest.mark.lab)
    # The lab's VMs live until the session ends, and even idle an emulated VM takes CPU: run the lab tier
    # last, so the fast tiers (timed TUI tests among them) never share the two cores with it.
    items[:] = [i for i, is_lab in zip(items, in_lab, strict=True) if not is_lab] + \
               [i for i, is_lab in zip(items, in_lab, strict=True) if is_lab]


def _sigterm_as_interrupt(signum: int, frame: FrameType | None) -> None:
    # Default SIGTERM kills Python without unwinding: fixture teardown (and atexit) would not run and the
    # daemonized qemus would live on. As KeyboardInterrupt, pytest tears the session down properly.
    raise KeyboardInterrupt(f"signal {signum}")


def _teardown(the_lab: Lab, previous: Any, t0: float) -> None:
    try:
        the_lab.down()
    finally:
        signal.signal(signal.SIGTERM, previous)
        atexit.unregister(the_lab.down)
        _session["secs"] = time.monotonic() - t0
        record_timing(the_lab.lab_dir, "lab_session_secs", _session["secs"], lab=the_lab.name)
        _session["leftovers"] = the_lab.leftover_processes()


@pytest.fixture(scope="session")
def lab() -> Iterator[Lab]:
    """The booted two-node lab, shared by the whole session. Name "pytest": never touches a CLI lab."""
    # names=(): node1/node2, whatever names an earlier session left in the lab's state (a run that died
    # between the TUI module's rename and its undo would otherwise boot every later session as alpha/bravo)
    the_lab = Lab(name="pytest", names=())
    _session["lab"] = the_lab
    atexit.register(the_lab.down)  # last resort if the process ends without fixture teardown
    previous = signal.signal(signal.SIGTERM, _sigterm_as_interrupt)
    t0 = time.monotonic()
    try:
        the_lab.up(fresh=True)
    except LabBusy as exc:  # another session runs this lab: leave its VMs alone, touch nothing
        signal.signal(signal.SIGTERM, previous)
        atexit.unregister(the_lab.down)
        _session["error"] = str(exc).splitlines()[0]
        _session["lab"] = None
        pytest.fail(f"the lab did not come up: {exc}", pytrace=False)
    except BaseException as exc:
        if isinstance(exc, LabError):
            _session["error"] = str(exc).splitlines()[0]
        _teardown(the_lab, previous, t0)
        if isinstance(exc, LabError):
            pytest.fail(f"the lab did not come up: {exc}", pytrace=False)
        raise
    _session["timings"] = dict(the_lab.timings)
    try:
        yield the_lab
    finally:
        _teardown(the_lab, previous, t0)
    if _session["leftovers"]:
        raise AssertionError(f"qemu processes of the lab survived down(): pids {_session['leftovers']}")


@pytest.fixture(scope="module")
def restored_lab(lab: Lab, request: pytest.FixtureRequest) -> Iterator[Lab]:
    """The shared pair for one module: the image's own files saved first, put back at the end and the
    wizard taken off the nodes, so the next module starts from the image's state (not after the session's
    last module: its VMs and their disks are dropped right after)."""
    snapshot(lab)
    try:
        yield lab
    finally:
        if lab_tests_follow(request):
            restore_and_forget(lab)


@pytest.fixture
def blank_disks(lab: Lab) -> Lab:
    """The lab with both data partitions (/dev/vdb1) blank again: DRBD down, signatures wiped, zeroed."""
    for n in (1, 2):
        lab.reset_data_disk(n)
    return lab


@pytest.fixture(scope="session")
def lab_timing(lab: Lab) -> Callable[..., None]:
    """``lab_timing(name, secs, **extra)``: a scenario's measurement, for the terminal summary and timings.log."""

    def record(name: str, secs: float, **extra: object) -> None:
        _session["measured"].setdefault(name, []).append(secs)
        record_timing(lab.lab_dir, name, secs, lab=lab.name, **extra)

    return record


@pytest.fixture(scope="session")
def wheelhouse(lab: Lab, lab_timing: Callable[..., None]) -> Wheelhouse:
    """The project's wheel + its runtime deps (``pip wheel``), built on the host once per source digest and
    cached under ``<lab dir>/wheelhouse/<digest>/``."""
    wh = build_wheelhouse(lab.lab_dir / "wheelhouse")
    lab_timing("wheelhouse_cache_hit_secs" if wh.cached else "wheelhouse_build_secs", wh.secs, digest=wh.digest)
    return wh


@pytest.fixture
def wizard_node1(lab: Lab, wheelhouse: Wheelhouse, lab_timing: Callable[..., None]) -> Lab:
    """The lab with this checkout's ha-wizard installed offline on node1 in /opt/ha-wizard (a venv).

    Installed (the documented way: ``python3 -m venv`` + ``pip install --no-index --find-links``) once per
    session; checked before every test, and if another lab module replaced /opt/ha-wizard in between, the
    saved copy of that same install is put back (seconds) rather than installing again (minutes).
    """
    how, secs = ensure_wizard(lab, wheelhouse)
    if how != "present":
        lab_timing(f"wizard_{'install' if how == 'installed' else 'restore'}_secs", secs)
    return lab


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    the_lab: Lab | None = _session["lab"]
    if report.failed and the_lab is not None and item.get_closest_marker("lab") and call.when != "setup":
        report.sections.append(("lab consoles (last 30 lines each)", the_lab.consoles(30)))
        for n in (1, 2):  # Heartbeat's own account: which resource script ran, failed or hung
            if the_lab.is_running(n):
                try:
                    said = the_lab.ssh(n, "tail -40 /var/log/ha-log 2>/dev/null; cl_status rscstatus 2>&1; "
                                          "ps -eo pid,etime,args | grep -E '[r]esource.d|[R]esourceManager'",
                                       check=False, timeout=30).stdout
                except LabError as exc:
                    said = f"(could not read it: {exc})"
                report.sections.append((f"node{n}:/var/log/ha-log (last 40 lines), rscstatus, resource scripts running",
                                        said or "(none)"))
        if "wizard_node1" in getattr(item, "fixturenames", ()) and the_lab.is_running(1):
            try:  # the installed wizard's own log on node1 (the journal dir), when there is one
                log = the_lab.ssh(1, f"tail -60 {LOG} 2>/dev/null", check=False, timeout=30).stdout
            except LabError as exc:
                log = f"(could not read it: {exc})"
            report.sections.append((f"node1:{LOG} (last 60 lines)", log or "(none)"))
    return report


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    the_lab: Lab | None = _session["lab"]
    tr = terminalreporter
    if the_lab is None:
        if _session["error"]:  # refused: another session owns the lab
            tr.section("ha-wizard lab")
            tr.write_line(f"lab failed to start: {_session['error']}")
        return
    tr.section("ha-wizard lab")
    if _session["error"]:
        tr.write_line(f"lab failed to start: {_session['error']}")
    for name, secs in {**_session["timings"], **the_lab.timings}.items():
        tr.write_line(f"{name:<28} {secs:6.1f} s")
    for name, values in _session["measured"].items():
        tr.write_line(f"{name:<28} " + ", ".join(f"{v:6.1f}" for v in values) + " s")
    if _session["secs"] is not None:
        tr.write_line(f"{'lab_session_secs':<28} {_session['secs']:6.1f} s")
    if the_lab.image is not None:
        tr.write_line(f"image {the_lab.image.key} ({'cache hit' if the_lab.image.cached else 'built'}), "
                      f"lab dir {the_lab.lab_dir}, timings appended to {the_lab.lab_dir / 'timings.log'}")
    tr.write_line("qemu processes left: " + (str(_session["leftovers"]) if _session["leftovers"] else "none"))
