"""undo-services as a table: the enabled recipes and what the nodes recorded in, the undo plan out."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from pathlib import Path

import pytest
from helpers.services import by_id, ctx, node, runs

from wizard.core.actions import Run, WaitFor
from wizard.errors import WizardError
from wizard.services.discover import UnitFact
from wizard.services.files import HELPER
from wizard.services.undo import undo_steps

ROOT = Path(__file__).resolve().parents[3]


def recorded(name: str, state: str) -> object:
    n = node(name)
    return dataclasses.replace(n, units={**n.units, "sendmail.service": UnitFact("disabled", "inactive", state)})


def test_undo_on_the_master_copies_back_checks_then_swaps_and_starts() -> None:
    steps = undo_steps(ctx(["sendmail"], m=recorded("node1", "enabled"), p=recorded("node2", "enabled")))
    assert [(s.id, s.host) for s in steps] == [("undo-sendmail@node1", "node1"), ("undo-sendmail@node2", "node2")]
    master = steps[0]
    calls = runs(master)
    assert calls[0] == ("systemctl", "stop", "sendmail.service")
    assert calls[1:5] == [(HELPER, "copy-back", "/replicated", p) for p in
                          ("/etc/mail", "/var/mail", "/var/spool/mqueue", "/var/spool/mqueue-client")]
    assert calls[5][1] == "verify-back" and calls[9][1] == "unlink"
    assert calls[13:] == [(HELPER, "put-back", "/usr/sbin/sendmail"),
                          (HELPER, "under-unlink", "/replicated", "/usr/sbin/sendmail"),
                          ("systemctl", "enable", "sendmail.service"), ("systemctl", "start", "sendmail.service")]
    first = next(a for a in master.actions if isinstance(a, Run))
    assert first.confirm is not None and first.confirm.token == "sendmail" and "back on the local disks" in \
        first.confirm.message
    assert isinstance(master.actions[-1], WaitFor) and master.actions[-1].until == "service-answers"
    assert [c.until for c in master.checks] == ["services-local", "unit-boot-state", "service-answers"]
    assert master.checks[0].args[0] == "exists"


def test_the_slave_gets_its_own_folders_back_and_is_not_started() -> None:
    peer = by_id(undo_steps(ctx(["apache2"])))["undo-apache2@node2"]
    assert runs(peer) == [("systemctl", "stop", "apache2.service"), (HELPER, "put-back", "/etc/apache2"),
                          (HELPER, "put-back", "/var/www")]
    assert "no record of its setting before the move" in peer.why
    assert [c.until for c in peer.checks] == ["services-local"] and peer.checks[0].args[0] == "any"


def test_only_enabled_recipes_can_be_undone() -> None:
    c = ctx(["sendmail", "apache2"])
    assert [s.id for s in undo_steps(c, ["apache2"])] == ["undo-apache2@node1", "undo-apache2@node2"]
    with pytest.raises(WizardError, match="postgresql: not among \\[recipes\\] enabled"):
        undo_steps(c, ["postgresql"])


def test_undo_services_dry_run_from_the_command_line(tmp_path: Path) -> None:
    answers = tmp_path / "a.toml"
    answers.write_text((ROOT / "examples" / "tutorial.toml").read_text())
    r = subprocess.run([sys.executable, "-m", "wizard", "undo-services", "--dry-run", "--answers", str(answers),
                        "--journal-dir", str(tmp_path / "j"), "sendmail"], capture_output=True, text=True,
                       cwd=ROOT, timeout=120)
    assert r.returncode == 0, r.stderr
    assert "DRY RUN" in r.stdout and f"run: {HELPER} copy-back /replicated /etc/mail" in r.stdout
    assert "[server2] give sendmail its own folders back on server2" in r.stdout
    r = subprocess.run([sys.executable, "-m", "wizard", "undo-services", "--dry-run", "--answers", str(answers),
                        "--journal-dir", str(tmp_path / "j"), "bind9"], capture_output=True, text=True,
                       cwd=ROOT, timeout=120)
    assert r.returncode == 1 and r.stderr.startswith("ha-wizard: bind9: not among [recipes] enabled")
    assert "Traceback" not in r.stderr


def test_undo_takes_the_services_out_of_haresources_on_both_nodes() -> None:
    """After an undo Heartbeat must not start the service on a takeover: haresources is rewritten without it."""
    from wizard.flow.undo import haresources_without
    from wizard.heartbeat.render import HARESOURCES

    c = ctx(["sendmail", "apache2"])
    steps = haresources_without(c, {"apache2"})
    assert [s.id for s in steps] == ["haresources-after-undo@node1", "haresources-after-undo@node2"]
    for step in steps:
        text = next(a.content for a in step.actions if getattr(a, "path", "") == HARESOURCES)
        line = next(ln for ln in text.splitlines() if ln and not ln.startswith("#"))
        assert line.split()[-1] == "sendmail" and "apache2" not in line.split(), line


def test_undo_under_pacemaker_masks_again_a_unit_found_masked(monkeypatch: pytest.MonkeyPatch) -> None:
    """The move unmasked it (Pacemaker could not start it masked), even for a recipe with mask = true; undo
    gives the recorded "masked" back."""
    from wizard.services import recipes as recipes_mod

    masked = dataclasses.replace(recipes_mod.load_recipes()["sendmail"], mask=True)
    monkeypatch.setattr("wizard.services.undo.enabled_recipes", lambda spec: [masked])
    pcmk = dataclasses.replace(ctx(["sendmail"], m=recorded("node1", "masked"), p=recorded("node2", "masked")),
                               stack="pacemaker")
    master = undo_steps(pcmk)[0]
    assert ("systemctl", "mask", "sendmail.service") in runs(master)
    assert ("systemctl", "unmask", "sendmail.service") not in runs(master)
    assert next(c for c in master.checks if c.until == "unit-boot-state").args == ("masked",)
    heartbeat = undo_steps(dataclasses.replace(pcmk, stack="heartbeat"))[0]  # it stayed masked: nothing to do
    assert not [r for r in runs(heartbeat) if r[1:2] in (("mask",), ("unmask",))]
