"""The healthy hand-built pair: every family speaks, and nothing but ✓ comes out."""

from __future__ import annotations

from doctor_helpers import pair, problems

from wizard.doctor.checks import run_checks
from wizard.doctor.finding import FAMILIES, exit_code


def test_the_healthy_pair_is_clean_in_every_family() -> None:
    found = run_checks(pair())
    assert problems(found) == []
    assert exit_code(found) == 0
    assert {f.family for f in found} == set(FAMILIES) - {"Pacemaker"}  # a Heartbeat pair: the other stack's not
    keys = {f.key for f in found}
    for key in ("drbd.parse", "drbd.hostname", "drbd.address", "drbd.identical", "drbd.secret", "drbd.connection",
                "drbd.roles", "drbd.adjust", "heartbeat.node-names", "heartbeat.media", "heartbeat.authkeys",
                "heartbeat.haresources", "heartbeat.timing", "heartbeat.running", "services.boot",
                "services.symlink", "services.version", "boot.units", "boot.fstab", "boot.holder", "pair.reached"):
        assert key in keys, key


def test_findings_come_grouped_in_family_order() -> None:
    found = run_checks(pair())
    order = [FAMILIES.index(f.family) for f in found]
    assert order == sorted(order)
