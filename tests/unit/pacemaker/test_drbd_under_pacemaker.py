"""DRBD's configuration when Pacemaker runs it: fencing resource-only with drbd-utils' crm-fence-peer handlers
(the pair for the DRBD syntax), handlers that only mail, no dopd, and nothing else changed."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from helpers.golden import context

from wizard.core.plan import PlanContext
from wizard.drbd import render
from wizard.drbd.confcheck import check_drbd_text, local_drbdadm

# (family, fence-peer script, the hook that lifts the constraint, its script)
HANDLERS = [("8.3", "crm-fence-peer.sh", "after-resync-target", "crm-unfence-peer.sh"),
            ("8.4", "crm-fence-peer.sh", "after-resync-target", "crm-unfence-peer.sh"),
            ("9", "crm-fence-peer.9.sh", "unfence-peer", "crm-unfence-peer.9.sh")]


def on(stack: str, family: str, answers: str = "lab-dopd") -> PlanContext:
    return dataclasses.replace(context(answers, family), stack=stack)


def lines(text: str) -> list[str]:
    return [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.strip().startswith("#")]


@pytest.mark.parametrize(("family", "fence", "hook", "unfence"), HANDLERS)
def test_fencing_through_the_cib_with_the_handlers_of_the_syntax(family: str, fence: str, hook: str,
                                                                 unfence: str) -> None:
    text = render.drbd_text(on("pacemaker", family, "lab" if family == "9" else "lab-dopd"))
    got = lines(text)
    assert "fencing resource-only;" in got
    assert f'fence-peer "/usr/lib/drbd/{fence}";' in got
    assert f'{hook} "/usr/lib/drbd/{unfence}";' in got
    assert not any("drbd-peer-outdater" in ln or "heartbeat stop" in ln for ln in got), "Heartbeat's, not Pacemaker's"
    if local_drbdadm(family) is not None:
        assert check_drbd_text(text, family, target=render.resource_path(on("pacemaker", family))) == []


@pytest.mark.parametrize("family", ["8.3", "8.4"])
def test_the_handlers_scripts_are_those_of_the_installed_drbd_utils(family: str) -> None:
    crm = render.crm_fencing(on("pacemaker", family))
    assert crm is not None
    for script in (crm["fence"], crm["unfence"]):
        if Path("/usr/lib/drbd").is_dir():  # drbd-utils here (scripts/setup --test): the files it ships
            assert Path(script).is_file(), script


@pytest.mark.parametrize("family", ["8.3", "8.4", "9"])
def test_only_the_fencing_handlers_and_comments_differ_from_heartbeat(family: str) -> None:
    answers = "lab" if family == "9" else "lab-dopd"
    hb, pm = (set(lines(render.drbd_text(on(s, family, answers)))) for s in ("heartbeat", "pacemaker"))
    changed = {ln.split()[0] for ln in hb ^ pm}
    assert changed <= {"fencing", "fence-peer", "after-resync-target", "unfence-peer", "pri-on-incon-degr",
                       "pri-lost-after-sb"}, hb ^ pm


def test_heartbeat_keeps_its_handlers() -> None:
    assert render.crm_fencing(on("heartbeat", "8.4")) is None
    got = lines(render.drbd_text(on("heartbeat", "8.4")))
    assert 'fence-peer "/usr/libexec/heartbeat/drbd-peer-outdater -t 5";' in got
    assert not any("crm-fence-peer" in ln for ln in got)
