"""Issue 16 on the two lab VMs: the lab answers with ``stack = "pacemaker"`` (tests/data/answers/lab-pacemaker.toml:
Pacemaker + Corosync instead of Heartbeat, apache2, STONITH off by the typed "none-confirmed") give a working
pair, as a new user would try it. One cluster for the whole module, each scenario starting where the previous
one left it (a second cluster would cost an apply, four minutes under emulation):

1. a headless apply, SIGKILLed once Corosync and Pacemaker run on node1 only, then ``resume``: crm_mon shows
   DRBD Promoted on node1 with the group (Filesystem, IPaddr2, apache2) there and node2 Unpromoted; the
   nodes' own state agrees (Primary, mounted, the VIP, apache2 answering on it); Corosync and Pacemaker start
   at boot, DRBD's own unit does not;
2. ``status`` shows Pacemaker's view from both nodes with STONITH off named; ``doctor`` finds no problem and
   warns only of STONITH off;
3. a hard drill: the harness cuts node1's power under ``failover-test --hard`` (its writer on); node2 takes
   everything with every acknowledged write, the report has its phases; node1 boots, rejoins, resyncs and
   stands by Unpromoted.

The drill's RTO goes to timings.log as ``hard_failover_rto_secs`` with ``stack=pacemaker``, beside the
Heartbeat module's in the same session; benchmarks/failover_rto.py --stacks compares the two with three cuts
each on one pair of VMs.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable

import pytest

from wizard.lab import Lab

from .drills import VIP, rto, serves, start_drill_in_background, wait_until
from .wizard_on_node import (
    ANSWERS,
    ROOT,
    Wheelhouse,
    clean_pair,
    confirm_args,
    drbd_line,
    ensure_wizard,
    journal,
    kill_when,
    mounts,
    plan_json,
    run_wizard,
    start_wizard,
)

GROUP = ("p_fs", "p_ip", "p_svc_apache2")


def crm_mon(lab: Lab, n: int) -> str:
    """``crm_mon -1`` on node n, whitespace collapsed (Pacemaker 2.1's text: "Promoted: [ node1 ]", ...)."""
    return " ".join(lab.ssh(n, "crm_mon -1 2>&1", check=False, timeout=120).stdout.split())


def pacemaker_runs_on(lab: Lab, serving: int) -> str:
    """'' when crm_mon on the serving node shows DRBD Promoted there, Unpromoted on the other, the group's
    three resources started there; else what it shows."""
    other = 3 - serving
    text = crm_mon(lab, serving)
    want = ["Online: [ node1 node2 ]", f"Promoted: [ node{serving} ]", f"Unpromoted: [ node{other} ]",
            *(f"{r} " for r in GROUP)]
    missing = [w for w in want if w not in text]
    missing += [r for r in GROUP if not re.search(rf"{r}\s+\(\S+\):\s+Started node{serving}\b", text)]
    return f"crm_mon lacks {missing}: {text[-1500:]}" if missing else ""


def stands_by(lab: Lab, n: int) -> str:
    """'' when node n is Pacemaker's standby: DRBD Secondary, connected and UpToDate, nothing mounted, no VIP."""
    line = drbd_line(lab, n)
    missing = []
    if not re.search(r"cs:Connected ro:Secondary/Primary ds:UpToDate/UpToDate", line):
        missing.append(f"DRBD {line}")
    if any(m[1] == "/replicated" for m in mounts(lab, n)):
        missing.append("/replicated mounted")
    if f"inet {VIP}/" in lab.ssh(n, "ip -o addr", timeout=60).stdout:
        missing.append(f"{VIP} present")
    return "; ".join(missing)


@pytest.fixture(scope="module")
def pcmk(restored_lab: Lab, wheelhouse: Wheelhouse, lab_timing: Callable[..., None]) -> Lab:
    """Scenario 1: blank disks, a headless apply killed once the cluster runs on node1 only, then resume."""
    lab = restored_lab
    ensure_wizard(lab, wheelhouse)
    clean_pair(lab)
    lab.ssh(1, f"cat > {ANSWERS}", input=(ROOT / "tests" / "data" / "answers" / "lab-pacemaker.toml").read_text())
    fp = lab.host_key_fingerprint(2)
    plan = plan_json(lab, fp)
    assert plan["stack"] == "pacemaker", plan.get("stack")
    assert not [s["id"] for s in plan["steps"] if not s["implemented"]]
    lab.fingerprint = fp  # type: ignore[attr-defined]
    t0 = time.monotonic()
    pid = start_wizard(lab, f"apply --answers {ANSWERS} --yes {confirm_args(plan)}", fp, "/root/apply-pcmk.log")
    kill_when(lab, pid, step="pacemaker-start@node1", timeout=900, log="/root/apply-pcmk.log")
    assert journal(lab)["steps"].get("cib-load@node1", {}).get("status") != "done"
    rc, out = run_wizard(lab, f"resume --answers {ANSWERS} --yes {confirm_args(plan)}", fp, timeout=1200)
    assert rc == 0, out[-5000:]
    assert "Resuming: the last run stopped at" in " ".join(out.split()), out[-3000:]
    lab_timing("apply_with_pacemaker_secs", time.monotonic() - t0, killed="pacemaker-start@node1")
    return lab  # put back by restored_lab (clean_pair), when another module follows


def test_apply_then_resume_ends_with_drbd_promoted_on_node1_and_the_group_there(pcmk: Lab) -> None:
    lab = pcmk
    wait_until("crm_mon showing node1 serving", lambda: pacemaker_runs_on(lab, 1), 120)
    assert "Promoted: [ node1 ]" in crm_mon(lab, 2)  # node2's own view agrees
    assert serves(lab, 1) == ""
    assert stands_by(lab, 2) == ""
    for n in (1, 2):
        states = lab.ssh(n, "systemctl is-enabled corosync pacemaker drbd heartbeat", check=False,
                         timeout=60).stdout.split()
        assert states == ["enabled", "enabled", "disabled", "disabled"], (n, states)
        assert lab.ssh(n, "stat -c %a /etc/corosync/authkey", timeout=60).stdout.strip() == "400"


def test_status_and_doctor_tell_the_pacemaker_pair(pcmk: Lab) -> None:
    lab = pcmk
    rc, out = run_wizard(lab, f"status --answers {ANSWERS}", lab.fingerprint)  # type: ignore[attr-defined]
    flat = " ".join(out.split())
    assert rc == 0, out[-3000:]
    for n in (1, 2):
        assert (f"Pacemaker, as node{n} sees it: online: node1, node2; DRBD Promoted on node1; the group on node1; "
                "STONITH DISABLED") in flat, out[-3000:]
    rc, out = run_wizard(lab, f"doctor --answers {ANSWERS}", lab.fingerprint)  # type: ignore[attr-defined]
    last = out.rstrip().splitlines()[-1]
    assert rc == 1 and last.startswith("0 problems (✗), 1 warnings (!)"), out[-6000:]
    warnings = [ln.strip() for ln in out.splitlines() if ln.lstrip().startswith("!")]
    assert warnings == ["! STONITH is disabled (stonith-enabled=false)"], warnings
    assert "✓ crm_verify -L finds no error in the CIB" in out, out[-6000:]


def test_a_power_cut_of_node1_moves_everything_to_node2_with_every_write_kept(
        pcmk: Lab, lab_timing: Callable[..., None]) -> None:
    lab = pcmk
    host_key = lab.host_key_fingerprint(1)
    start_drill_in_background(lab, "/root/hard-pcmk.log", 1, lab.fingerprint)  # type: ignore[attr-defined]
    lab.kill_hard(1)
    wait_until("node2 taking over", lambda: serves(lab, 2), 300)
    lab.restart(1)  # the wizard died with node1: its measurement is read back from node2 once it is up
    rc, out = run_wizard(lab, f"failover-test --result --answers {ANSWERS}", lab.fingerprint)  # type: ignore[attr-defined]
    assert rc == 0, out[-5000:]
    assert "hard failover node1 -> node2: RTO" in out, out[-3000:]
    for phase in ("detection", "DRBD Primary", "mounted", "service address up", "apache2 answering"):
        assert re.search(rf"^\s+{phase}\s+[\d.]+ s$", out, re.M), (phase, out[-3000:])
    assert re.search(r"writes in flight: \d+ acknowledged writes, every one present", out), out[-3000:]
    lab_timing("hard_failover_rto_secs", rto(out), stack="pacemaker")
    assert lab.host_key_fingerprint(1) == host_key
    # node1 boots, Corosync and Pacemaker bring it back as the standby; stickiness keeps the services on node2
    wait_until("node1 standing by", lambda: stands_by(lab, 1), 300)
    assert pacemaker_runs_on(lab, 2) == ""
    assert serves(lab, 2) == ""
