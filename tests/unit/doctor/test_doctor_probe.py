"""The probe's output as the lab's hand-built pair really printed it (tests/data/doctor/handbuilt-*.txt, captured
from node1 and node2 on 2026-11-30 with the probe script of wizard/doctor/probe.py): parsed into snapshots, the
clean pair gives only ✓, the split-brain capture names node2 (not serving) as the victim."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from doctor_helpers import problems
from helpers.tutorial_pair import AUTHKEYS_TEXT, HA_CF, R0_RES

from wizard.doctor import probe
from wizard.doctor.checks import run_checks
from wizard.doctor.pair import Intent, Pair
from wizard.doctor.probe import PathState, read_node, snapshot_from_text
from wizard.executors.base import Executor, Result
from wizard.executors.local import LocalExecutor
from wizard.services.recipes import load_recipes

DATA = Path(__file__).resolve().parents[2] / "data" / "doctor"
PACKAGES = ["drbd-utils", "heartbeat", "apache2", "bind9", "postgresql", "sendmail"]


def captured(state: str) -> Pair:
    n1, n2 = (snapshot_from_text(f"node{n}", (DATA / f"handbuilt-{state}-node{n}.txt").read_text(), PACKAGES)
              for n in (1, 2))
    return Pair(n1, n2, Intent("captured"), load_recipes())


def test_a_real_capture_reads_into_a_snapshot() -> None:
    p = captured("clean")
    n1 = p.local
    assert (n1.name, n1.facts.drbd.kernel_module, n1.facts.drbd.utils) == ("node1", "8.4.11", "9.22.0")
    assert sorted(n1.files) == ["/etc/drbd.conf", "/etc/drbd.d/global_common.conf", "/etc/drbd.d/r0.res",
                                "/etc/fstab", "/etc/ha.d/authkeys", "/etc/ha.d/ha.cf", "/etc/ha.d/haresources"]
    assert n1.modes["/etc/ha.d/authkeys"] == 0o600 and n1.modes["/etc/fstab"] == 0o644
    assert n1.paths == {"/etc/apache2": PathState("link", "/replicated/etc/apache2"),
                        "/var/www": PathState("link", "/replicated/var/www")}
    assert (n1.unit("enabled", "apache2"), n1.unit("active", "apache2")) == ("disabled", "active")
    assert (p.peer.unit("active", "apache2"), p.peer.unit("enabled", "drbd")) == ("inactive", "enabled")
    assert n1.script_paths("drbddisk") == ("/etc/ha.d/resource.d/drbddisk",)
    assert n1.script_paths("apache2") == ("/etc/init.d/apache2",)
    assert n1.under_mount("/replicated") is None and p.peer.under_mount("/replicated") == ()
    assert n1.link_speed_mbit("eth1") is None  # virtio reports -1
    assert p.vip == "10.99.0.100" and p.mount == ("/dev/drbd0", "/replicated", "ext3")


def test_the_captured_clean_pair_is_clean() -> None:
    assert problems(run_checks(captured("clean"))) == []


def test_the_captured_split_brain() -> None:
    found = run_checks(captured("split-brain"))
    assert ("fail", "drbd.split-brain", "") in problems(found)
    f = next(f for f in found if f.key == "drbd.split-brain")
    assert "On node2: `drbdadm secondary r0; drbdadm connect --discard-my-data r0`" in f.fix
    assert any("Split-Brain detected but unresolved, dropping connection!" in e for e in f.evidence)


class Canned(Executor):
    """An executor whose one probe answers with a capture: what read_node sends, and what it makes of the answer."""

    def __init__(self, text: str) -> None:
        self.node, self.label, self.text, self.argv = "node1", "canned", text, []

    def _exec(self, argv, *, input, timeout, env):  # type: ignore[no-untyped-def]
        self.argv.append(list(argv))
        return Result(0, self.text)

    def pty_argv(self, argv):  # type: ignore[no-untyped-def]
        return list(argv)


def test_read_node_is_one_round_trip_with_checked_arguments() -> None:
    ex = Canned((DATA / "handbuilt-clean-node1.txt").read_text())
    snap = read_node(ex, packages=["apache2"], service_paths={"apache2": ["/etc/apache2", "/var/www"],
                                                             "bad;rm": ["/x"], "named": ["/etc/bind", "/a,b"]},
                     mount_points=["/replicated"])
    assert len(ex.argv) == 1 and ex.argv[0][:2] == ["sh", "-c"]
    assert ex.argv[0][-2:] == ["apache2=/etc/apache2,/var/www named=/etc/bind", "/replicated"]
    assert snap.reached and snap.name == "node1"


def test_the_probe_script_itself_on_a_fake_etc(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The real shell script, run here against a tree under tmp_path in place of /etc: files and modes, the
    resource scripts, the services' paths (a link, a missing one, a copy left beside), the mount point's leftovers."""
    etc, svc, rep = tmp_path / "etc", tmp_path / "svc", tmp_path / "replicated"
    for d in (etc / "drbd.d", etc / "ha.d" / "resource.d", etc / "init.d", svc, rep / "etc" / "apache2"):
        d.mkdir(parents=True)
    (etc / "drbd.conf").write_text('include "drbd.d/*.res";\n')
    (etc / "drbd.d" / "r0.res").write_text(R0_RES)
    (etc / "ha.d" / "ha.cf").write_text(HA_CF)
    (etc / "ha.d" / "haresources").write_text(f"node1 IPaddr::10.99.0.100/24/eth1 drbddisk::r0 "
                                              f"Filesystem::/dev/drbd0::{rep}::ext3 apache2 # the service\n")
    (etc / "ha.d" / "authkeys").write_text(AUTHKEYS_TEXT)
    (etc / "ha.d" / "authkeys").chmod(0o600)
    (etc / "fstab").write_text(f"/dev/drbd0 {rep} ext3 noauto 0 0\n")
    for script in (etc / "ha.d" / "resource.d" / "IPaddr", etc / "ha.d" / "resource.d" / "drbddisk",
                   etc / "init.d" / "apache2"):
        script.write_text("#!/bin/sh\n")
        script.chmod(0o755)
    os.symlink(rep / "etc" / "apache2", svc / "apache2")
    (svc / "apache2.orig").mkdir()
    (rep / "stray.txt").write_text("written while unmounted\n")
    monkeypatch.setattr(probe, "SCRIPT", probe.SCRIPT.replace("/etc/", f"{etc}/"))
    snap = read_node(LocalExecutor("here"), packages=["apache2"],
                     service_paths={"apache2": [str(svc / "apache2"), str(svc / "www")], "named": [str(svc)]})
    assert sorted(snap.files) == sorted(str(p) for p in (etc / "drbd.conf", etc / "drbd.d" / "r0.res",
                                                         etc / "ha.d" / "ha.cf", etc / "ha.d" / "haresources",
                                                         etc / "ha.d" / "authkeys", etc / "fstab"))
    assert snap.modes[str(etc / "ha.d" / "authkeys")] == 0o600
    assert snap.script_paths("drbddisk") == (f"{etc}/ha.d/resource.d/drbddisk",)
    assert snap.script_paths("Filesystem") == ()
    assert snap.script_paths("apache2") == (f"{etc}/init.d/apache2",)
    assert snap.paths == {str(svc / "apache2"): PathState("link", str(rep / "etc" / "apache2"),
                                                          (str(svc / "apache2.orig"),)),
                          str(svc / "www"): PathState("missing")}  # named is not in haresources: not looked at
    assert snap.under_mount(str(rep)) == ("etc", "stray.txt")
