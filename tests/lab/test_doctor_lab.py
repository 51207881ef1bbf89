"""`ha-wizard doctor` on the tutorial's pair built BY HAND on the two lab VMs (tests/lab/handbuilt.py: no wizard
involved in building it), with the installed ha-wizard run on node1:

1. the hand-built pair is clean (exit 0), and doctor changed 0 bytes on either node (sha256 of every file under
   /etc and /var/lib and of /dev/vdb1's first MiB, before and after; ``find /etc /var -newer`` a marker);
2. each of the issue's faults alone (host name typo, wrong address, missing ';', different secrets, a service
   enabled at boot, a missing symlink on the slave, authkeys 644, an `auto` fstab line, a split-brain): found,
   named on the right node, given the right fix; exit 1; then put right;
3. several faults at once: each listed with evidence and fix, exit 1; after the fixes doctor printed, exit 0.

The single faults are read by doctor's own code driven from the host over the lab's SSH (the same probe script,
the same checks; two SSH round trips instead of a Python start in the emulated guest), so the module stays in
its CI budget; the acceptance runs (1 and 3) are the installed `ha-wizard doctor` on node1. The pair built by
the wizard itself needs Heartbeat started by the wizard (issue 13): ``test_wizard_built_pair_is_clean`` waits
for it.
"""

from __future__ import annotations

import json
import re
import shlex
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from wizard.doctor.finding import Finding
from wizard.doctor.run import examine
from wizard.executors.ssh import SshExecutor
from wizard.lab import Lab

from . import handbuilt as hb
from .wizard_on_node import WIZARD, Wheelhouse, ensure_wizard, on_both, tree_changes, tree_digest

MARK = "/run/doctor-mark"


@pytest.fixture(scope="module")
def tutorial_pair(lab: Lab, wheelhouse: Wheelhouse, lab_timing: Callable[..., None]) -> Iterator[Lab]:
    """The hand-built pair, shared by the module; every touched file is put back at the end."""
    how, secs = ensure_wizard(lab, wheelhouse)  # only to run doctor on node1: the wizard builds nothing here
    if how != "present":
        lab_timing(f"wizard_{'install' if how == 'installed' else 'restore'}_secs", secs)
    hb.save_image_state(lab)
    try:
        t0 = time.monotonic()
        phases = hb.build(lab)
        lab_timing("doctor_handbuilt_pair_secs", time.monotonic() - t0, **{k: round(v, 1) for k, v in phases.items()})
        yield lab
    finally:
        lab.ssh(1, "rm -f /root/.ssh/known_hosts", check=False)
        hb.restore_image_state(lab)


def doctor_on_node1(lab: Lab, args: str = "") -> tuple[int, str, float]:
    """The installed ha-wizard doctor on node1: (exit code, output, seconds)."""
    t0 = time.monotonic()
    r = lab.ssh(1, f"COLUMNS=200 {WIZARD} doctor {args} --accept-host-key {lab.host_key_fingerprint(2)} 2>&1",
                check=False, timeout=600)
    return r.returncode, r.stdout, time.monotonic() - t0


def doctor_from_host(lab: Lab, tmp_path: Path) -> list[Finding]:
    """doctor's code from the host: node1 as 'this node', node2 reached as the peer, both over the lab's SSH."""
    kh = tmp_path / "known_hosts"
    kh.write_text("".join(lab.known_hosts_line(n) + "\n" for n in (1, 2)))

    def ssh(n: int) -> SshExecutor:
        return SshExecutor(f"node{n}", "127.0.0.1", port=lab.ssh_port(n), known_hosts=kh, identity=str(lab.ssh_key))

    def connect(name: str, host: str, user: str, port: int) -> SshExecutor:
        assert (name, host) == ("node2", "10.99.0.2"), (name, host)  # what node1's files say, redirected here
        return ssh(2)

    node1 = ssh(1)
    try:
        ex = examine(node1, connect)
    finally:
        node1.close()
    assert ex.readable and ex.changes == 0
    return ex.findings


def _digest(lab: Lab) -> dict[int, dict[str, str]]:
    on_both(lambda n: lab.ssh(n, f"touch {MARK}; sleep 1"))
    return on_both(lambda n: tree_digest(lab, n, exclude=()))


def _newer(lab: Lab) -> dict[int, list[str]]:
    return on_both(lambda n: lab.ssh(n, f"find /etc /var -xdev -newer {MARK} -print", timeout=120).stdout.split())


def _background(lab: Lab, seconds: float) -> tuple[dict[int, dict[str, str]], dict[int, list[str]]]:
    """What changes on the nodes by itself (Heartbeat, apache2, the kernel) in a window as long as a doctor run."""
    before = _digest(lab)
    time.sleep(seconds)
    after = on_both(lambda n: tree_digest(lab, n, exclude=()))
    return {n: tree_changes(before[n], after[n]) for n in (1, 2)}, _newer(lab)  # type: ignore[return-value]


def test_the_handbuilt_pair_is_clean_and_doctor_changes_nothing(tutorial_pair: Lab,
                                                                lab_timing: Callable[..., None]) -> None:
    lab = tutorial_pair
    before = _digest(lab)
    rc, out, secs = doctor_on_node1(lab, "--json")
    after = on_both(lambda n: tree_digest(lab, n, exclude=()))
    newer = _newer(lab)
    lab_timing("doctor_run_on_node1_secs", secs, faults=0)
    doc = json.loads(out[out.index("{"):])
    bad = [(f["key"], f["node"], f["title"]) for f in doc["findings"] if f["status"] != "ok"]
    assert (rc, bad) == (0, []), out[-4000:]
    assert doc["changes"] == 0 and doc["pair"]["peer"]["reached"]
    assert {f["family"] for f in doc["findings"]} == {"Pair", "DRBD config", "DRBD state", "Heartbeat", "Services",
                                                      "Boot and mounts"}
    # 0 bytes: what changed during the run is only what changes by itself in the same time (the daemons' own)
    changed = {n: tree_changes(before[n], after[n]) for n in (1, 2)}
    idle_changed, idle_newer = _background(lab, secs)
    for n in (1, 2):
        assert set(changed[n]) <= _paths_of(idle_changed[n]) | set(), (n, changed[n], idle_changed[n])
        ours = [p for p in newer[n] if p not in idle_newer[n] and not p.startswith("/var/log/")]
        assert ours == [], (n, ours)


def _paths_of(changes: list[str]) -> set[str]:
    return set(changes)


@pytest.mark.parametrize("fault", hb.FAULTS, ids=[f.name for f in hb.FAULTS])
def test_each_fault_alone_is_found_named_and_fixed(tutorial_pair: Lab, fault: hb.Fault, tmp_path: Path,
                                                   lab_timing: Callable[..., None]) -> None:
    lab = tutorial_pair
    fault.inject(lab)
    try:
        t0 = time.monotonic()
        found = doctor_from_host(lab, tmp_path)
        lab_timing("doctor_examine_from_host_secs", time.monotonic() - t0, fault=fault.name)
    finally:
        fault.revert(lab)
    hits = [f for f in found if f.key == fault.key and f.status != "ok"]
    listed = "\n".join(f"{f.status} {f.key} [{f.node}] {f.title} | fix: {f.fix}" for f in found if f.status != "ok")
    assert hits, f"{fault.name}: no {fault.key} finding among:\n{listed}"
    f = hits[0]
    assert f.node == fault.node, listed
    assert fault.fix in f.fix, listed
    assert f.evidence and f.why, listed


COMBINED = ("host name typo", "different secrets", "service enabled at boot", "missing symlink on the slave",
            "authkeys mode 644", "an auto fstab line")


def test_several_faults_at_once_then_the_fixes(tutorial_pair: Lab, lab_timing: Callable[..., None]) -> None:
    lab = tutorial_pair
    faults = [f for f in hb.FAULTS if f.name in COMBINED]
    for f in faults:
        f.inject(lab)
    try:
        rc, out, secs = doctor_on_node1(lab)
        lab_timing("doctor_run_on_node1_secs", secs, faults=len(faults))
    finally:
        for f in faults:
            f.revert(lab)  # what each finding's fix says (the test asserts the fix is the one printed)
    assert rc == 1, out[-4000:]
    blocks = _blocks(out)
    for f in faults:
        fix = re.sub(r"\s+", " ", f.fix)
        assert any(fix in b and "evidence:" in b and "why:" in b for b in blocks), f"{f.name}:\n{out[-6000:]}"
    assert "vmrigsecret" not in out and "othersecret" not in out and "vmrig-ha-secret" not in out
    rc, out, secs = doctor_on_node1(lab)
    lab_timing("doctor_run_on_node1_secs", secs, faults=0)
    assert rc == 0, out[-4000:]
    assert out.rstrip().splitlines()[-1].startswith("0 problems (✗), 0 warnings (!), ")


def _blocks(text: str) -> list[str]:
    """Each ✗/! line with its evidence, why and fix, as one string (whitespace collapsed)."""
    out: list[str] = []
    for line in text.splitlines():
        if line.startswith(("  ✗ ", "  ! ")):
            out.append(line)
        elif out and line.startswith("      "):
            out[-1] += " " + line.strip()
        elif not line.startswith("      "):
            out.append("") if out and out[-1] else None
    return [re.sub(r"\s+", " ", b) for b in out if b]


def test_wizard_built_pair_is_clean(tutorial_pair: Lab) -> None:
    """The same run on a pair the wizard built reports clean. Needs the wizard to start Heartbeat (issue 13)."""
    from wizard.core.actions import NotImplementedYet
    from wizard.core.answers import load_answers
    from wizard.core.plan import PlanContext
    from wizard.core.secrets import Secrets
    from wizard.heartbeat.steps import heartbeat_start_step

    spec, _ = load_answers(Path(__file__).resolve().parents[2] / "examples" / "lab.toml")
    step = heartbeat_start_step(PlanContext(spec=spec, secrets=Secrets("s", "k"), drbd_family="8.4"), "node1")
    if any(isinstance(a, NotImplementedYet) for a in step.actions):
        pytest.skip("the wizard does not start Heartbeat yet (issue 13): wire this scenario when it does: "
                    "clean_pair, apply examples/lab.toml with recipes = [\"apache2\"], then `ha-wizard doctor "
                    "--answers /root/lab.toml` must exit 0")
    raise AssertionError(f"Heartbeat start is built: wire this scenario ({shlex.quote(WIZARD)} doctor on the "
                         "wizard-built pair must exit 0)")
