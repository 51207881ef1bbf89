"""undo-services on a Pacemaker pair: the undone services leave the CIB before they move back (a table of the
plan), and the removal script against stand-in crm, crm_resource and cibadmin."""

from __future__ import annotations

import dataclasses
import subprocess
from pathlib import Path

import pytest
from helpers.services import ctx, runs

from wizard.flow.undo import undo_steps_for
from wizard.pacemaker.undo import ABSENT, REMOVE, primitive_ids


def test_on_pacemaker_the_services_leave_the_cib_first_and_haresources_is_not_written() -> None:
    pcmk = dataclasses.replace(ctx(["sendmail", "apache2"]), stack="pacemaker")
    steps = undo_steps_for(pcmk, ["apache2"])
    assert [(s.id, s.host) for s in steps] == [("cib-without-services", "node1"), ("undo-apache2@node1", "node1"),
                                              ("undo-apache2@node2", "node2")]
    assert runs(steps[0]) == [("sh", "-c", REMOVE, "sh", "p_svc_apache2")]
    assert [c.probe for c in steps[0].checks] == [("sh", "-c", ABSENT, "sh", "p_svc_apache2")]
    heartbeat = undo_steps_for(dataclasses.replace(pcmk, stack="heartbeat"), ["apache2"])
    assert [s.id for s in heartbeat][-2:] == ["haresources-after-undo@node1", "haresources-after-undo@node2"]
    assert "cib-without-services" not in [s.id for s in heartbeat]


def test_the_ids_are_the_cibs_own() -> None:
    assert primitive_ids(["apache2", "bind9"]) == ("p_svc_apache2", "p_svc_bind9")


def _tools(tmp: Path, present: set[str]) -> dict[str, str]:
    """cibadmin finding only ``present`` (the xpath's id), crm and crm_resource logging their arguments."""
    bin_dir = tmp / "bin"
    bin_dir.mkdir()
    ids = " ".join(sorted(present))
    scripts = {
        "cibadmin": f'for id in {ids}; do case "$3" in *"\'$id\'"*) exit 0;; esac; done; exit 105',
        "crm": f'echo "crm $*" >> {tmp}/calls',
        "crm_resource": f'echo "crm_resource $*" >> {tmp}/calls',
    }
    for name, body in scripts.items():
        (bin_dir / name).write_text(f"#!/bin/sh\n{body}\n")
        (bin_dir / name).chmod(0o755)
    return {"PATH": f"{bin_dir}:/usr/bin:/bin"}


@pytest.mark.parametrize(("present", "calls"), [
    ({"p_svc_apache2", "p_svc_sendmail"}, ["crm resource stop p_svc_apache2", "crm resource stop p_svc_sendmail",
                                           "crm_resource --wait --timeout=300s", "crm configure delete p_svc_apache2",
                                           "crm configure delete p_svc_sendmail"]),
    ({"p_svc_sendmail"}, ["crm resource stop p_svc_sendmail", "crm_resource --wait --timeout=300s",
                          "crm configure delete p_svc_sendmail"]),
    (set(), []),
])
def test_the_removal_stops_waits_then_deletes_only_what_the_cib_still_has(tmp_path: Path, present: set[str],
                                                                         calls: list[str]) -> None:
    env = _tools(tmp_path, present)
    ids = ("p_svc_apache2", "p_svc_sendmail")
    r = subprocess.run(["sh", "-c", REMOVE, "sh", *ids], env=env, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    log = tmp_path / "calls"
    assert (log.read_text().splitlines() if log.exists() else []) == calls
    done = subprocess.run(["sh", "-c", ABSENT, "sh", *ids], env=env, capture_output=True, text=True)
    assert done.returncode == (1 if present else 0)
