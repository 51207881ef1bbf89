"""`ha-wizard doctor` on the tutorial's pair built BY HAND on the two lab VMs (tests/lab/handbuilt.py: no wizard
involved in building it), with the installed ha-wizard run on node1:

1. the hand-built pair is clean (exit 0), and doctor changed 0 bytes on either node (sha256 of every file under
   /etc and /var/lib and of /dev/vdb1's first MiB, before and after; ``find /etc /var -newer`` a marker);
2. each of the issue's faults alone (host name typo, wrong address, missing ';', different secrets, a service
   enabled at boot, a missing symlink on the slave, authkeys 644, an `auto` fstab line, a split-brain): found,
   named on the right node, given the right fix; exit 1; then put right;
3. several faults at once: each listed with evidence and fix, exit 1; after the fixes doctor printed, exit 0.

Runs 1 and 3 are the installed `ha-wizard doctor` on node1, reaching node2 over SSH as an admin's would. The
single faults run doctor's own code from the host against the same two guests (``doctor_from_host``): the same
probe in each guest, the same checks, without a Python start in the emulated guest each time, which keeps the
module in its CI budget. The pair built by the wizard itself is test_doctor_wizard_built_lab.py's (it waits for
the wizard to start Heartbeat).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator, Sequence

import pytest

from wizard.doctor.finding import Finding
from wizard.doctor.run import examine
from wizard.executors.base import Executor, Result
from wizard.executors.ssh import SshExecutor
from wizard.lab import Lab

from . import handbuilt as hb
from .wizard_on_node import WIZARD, Wheelhouse, ensure_wizard, on_both, tree_changes, tree_digest

MARK = "/run/doctor-mark"
KNOWN_HOSTS = "sha256sum /root/.ssh/* 2>/dev/null; true"


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
        hb.restore_image_state(lab)


_FINGERPRINTS: dict[int, str] = {}  # node2's host key by SSH port: read once per lab, not once per run


def doctor_on_node1(lab: Lab, args: str = "") -> tuple[int, str, float]:
    """The installed ha-wizard doctor on node1, trusting node2's host key as the admin would after comparing it:
    (exit code, output, seconds)."""
    fp = _FINGERPRINTS.setdefault(lab.ssh_port(2), lab.host_key_fingerprint(2))
    t0 = time.monotonic()
    r = lab.ssh(1, f"COLUMNS=200 {WIZARD} doctor {args} --accept-host-key {fp} 2>&1", check=False, timeout=600)
    return r.returncode, r.stdout, time.monotonic() - t0


def _digest(lab: Lab) -> dict[int, dict[str, str]]:
    """Every file under /etc and /var/lib (type, mode, owner, size, mtime, sha256) and /dev/vdb1's first MiB, on both
    nodes, after a marker for ``find -newer``."""
    on_both(lambda n: lab.ssh(n, f"touch {MARK}; sleep 1"))
    return on_both(lambda n: tree_digest(lab, n, exclude=()))


def _newer(lab: Lab) -> dict[int, list[str]]:
    """Files under /etc and /var written after the marker, less the systemd journal (which logs our SSH logins)."""
    found = on_both(lambda n: lab.ssh(n, f"find /etc /var -xdev -newer {MARK} -print", timeout=120).stdout.split())
    return {n: [p for p in paths if not p.startswith("/var/log/journal/")] for n, paths in found.items()}


def test_the_handbuilt_pair_is_clean_and_doctor_changes_nothing(tutorial_pair: Lab,
                                                                lab_timing: Callable[..., None]) -> None:
    lab = tutorial_pair
    before, known = _digest(lab), lab.ssh(1, KNOWN_HOSTS).stdout
    rc, out, secs = doctor_on_node1(lab, "--json")
    after, known_after = on_both(lambda n: tree_digest(lab, n, exclude=())), lab.ssh(1, KNOWN_HOSTS).stdout
    newer = _newer(lab)
    lab_timing("doctor_run_on_node1_secs", secs, faults=0)
    doc = json.loads(out[out.index("{"):])
    bad = [(f["key"], f["node"], f["title"]) for f in doc["findings"] if f["status"] != "ok"]
    assert (rc, bad) == (0, []), out[-4000:]
    assert doc["changes"] == 0 and doc["pair"]["peer"]["reached"]
    assert {f["family"] for f in doc["findings"]} == {"Pair", "DRBD config", "DRBD state", "Heartbeat", "Services",
                                                      "Boot and mounts"}
    for n in (1, 2):  # 0 bytes changed on either node
        assert tree_changes(before[n], after[n]) == [], n
        assert newer[n] == [], n
    assert known == known_after  # not even root's known_hosts: an accepted host key holds for the run only


class Kept(Executor):
    """One of the module's two SSH connections from the host, lent to a doctor run: its close() keeps it open."""

    def __init__(self, inner: SshExecutor) -> None:
        self.inner, self.node, self.label = inner, inner.node, inner.label

    def _exec(self, argv: Sequence[str], *, input: str | None, timeout: float,
              env: dict[str, str] | None) -> Result:
        return self.inner._exec(argv, input=input, timeout=timeout, env=env)

    def pty_argv(self, argv: Sequence[str]) -> list[str]:
        return self.inner.pty_argv(argv)


@pytest.fixture(scope="module")
def host_ssh(tutorial_pair: Lab, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[int, SshExecutor]]:
    """The host's own SSH connection to each node (ha-wizard's executor), kept for the module's doctor runs."""
    kh = tmp_path_factory.mktemp("doctor") / "known_hosts"
    kh.write_text("".join(tutorial_pair.known_hosts_line(n) + "\n" for n in (1, 2)))
    conns = {n: SshExecutor(f"node{n}", "127.0.0.1", port=tutorial_pair.ssh_port(n), known_hosts=kh,
                            identity=str(tutorial_pair.ssh_key)) for n in (1, 2)}
    yield conns
    for c in conns.values():
        c.close()


def doctor_from_host(conns: dict[int, SshExecutor]) -> list[Finding]:
    """doctor's own code run from the host: node1 is "this node", node2 the peer it works out from node1's files;
    the same probe runs in each guest through the lab's SSH, the same checks run here. Seconds faster than a
    Python start in the emulated guest, which is what keeps nine single-fault runs in the CI budget."""

    def connect(name: str, host: str, user: str, port: int) -> Executor:
        assert (name, host) == ("node2", "10.99.0.2"), (name, host)  # what node1's files say; reached from here
        return Kept(conns[2])

    ex = examine(Kept(conns[1]), connect)
    assert ex.readable and ex.changes == 0
    return ex.findings


@pytest.mark.parametrize("fault", hb.FAULTS, ids=[f.name for f in hb.FAULTS])
def test_each_fault_alone_is_found_named_and_fixed(tutorial_pair: Lab, host_ssh: dict[int, SshExecutor],
                                                   fault: hb.Fault, lab_timing: Callable[..., None]) -> None:
    lab = tutorial_pair
    fault.inject(lab)
    try:
        t0 = time.monotonic()
        found = [f for f in doctor_from_host(host_ssh) if f.status != "ok"]
        lab_timing("doctor_examine_from_host_secs", time.monotonic() - t0, faults=1)
    finally:
        fault.revert(lab)
    listed = "\n".join(f"{f.status} {f.key} [{f.node}] {f.title} | fix: {f.fix}" for f in found)
    hits = [f for f in found if f.key == fault.key]
    assert hits, f"{fault.name}: no {fault.key} finding among:\n{listed}"
    f = hits[0]
    assert f.node == fault.node and fault.fix in f.fix, listed
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
        fix = " ".join(f.fix.split())
        assert any(fix in b and "evidence:" in b and "why:" in b for b in blocks), f"{f.name}:\n{out[-6000:]}"
    assert "vmrigsecret" not in out and "othersecret" not in out and "vmrig-ha-secret" not in out
    rc, out, secs = doctor_on_node1(lab)
    lab_timing("doctor_run_on_node1_secs", secs, faults=0)
    assert rc == 0, out[-4000:]
    assert out.rstrip().splitlines()[-1].startswith("0 problems (✗), 0 warnings (!), ")


def _blocks(text: str) -> list[str]:
    """Each ✗/! finding of the text report with its evidence, why and fix lines, whitespace collapsed."""
    blocks: list[str] = []
    for line in text.splitlines():
        if line.startswith(("  ✗ ", "  ! ")):
            blocks.append(line)
        elif line.startswith("      ") and blocks and not blocks[-1].startswith("  ✓"):
            blocks[-1] += " " + line.strip()
        elif line.startswith("  ✓ "):
            blocks.append(line)
    return [" ".join(b.split()) for b in blocks if not b.startswith("  ✓")]
