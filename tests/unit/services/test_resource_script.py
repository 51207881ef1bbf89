"""The resource script Heartbeat runs, executed with a stand-in systemctl (systemd does not run here): its LSB
status reads as Heartbeat reads it, start and stop go through systemd, a masked unit is unmasked only to run."""

from __future__ import annotations

import dataclasses
import fnmatch
import os
import subprocess
from pathlib import Path

import pytest

from wizard.services.files import resource_file
from wizard.services.recipes import load_recipes

SYSTEMCTL = """#!/bin/sh
echo "$*" >> "$CALLS"
[ "$1" = --quiet ] && shift
[ "$1" = is-active ] && exit "${ACTIVE_RC:-3}"
exit 0
"""


def heartbeat_owns(output: str) -> bool:
    """Heartbeat v1 (ResourceManager's we_own_resource) decides by the words of `status`, not its exit code:
    "... not running" is stopped, anything else with "running" or "OK" is running."""
    if fnmatch.fnmatchcase(output, "*[Nn][Oo][Tt] *[Rr]unning*"):
        return False
    return fnmatch.fnmatchcase(output, "*[Rr]unning*") or "OK" in output


@pytest.fixture
def run(tmp_path: Path):  # type: ignore[no-untyped-def]
    (tmp_path / "bin").mkdir()
    (tmp_path / "bin" / "systemctl").write_text(SYSTEMCTL)
    (tmp_path / "bin" / "systemctl").chmod(0o755)

    def go(recipe_name: str, arg: str, *, active: bool = False, mask: bool = False) -> tuple[int, str, list[str]]:
        recipe = load_recipes()[recipe_name]
        script = tmp_path / "resource"
        script.write_text(resource_file(dataclasses.replace(recipe, mask=mask)).content)
        calls = tmp_path / "calls"
        calls.write_text("")
        env = {**os.environ, "PATH": f"{tmp_path / 'bin'}:{os.environ['PATH']}", "CALLS": str(calls),
               "ACTIVE_RC": "0" if active else "3"}
        r = subprocess.run(["sh", str(script), arg], capture_output=True, text=True, env=env, timeout=30)
        return r.returncode, r.stdout, calls.read_text().splitlines()

    return go


def test_status_reads_as_heartbeat_reads_it(run) -> None:  # type: ignore[no-untyped-def]
    rc, out, _ = run("apache2", "status", active=True)
    assert (rc, out) == (0, "apache2.service is running\n") and heartbeat_owns(out)
    rc, out, _ = run("apache2", "status", active=False)
    assert (rc, out) == (3, "apache2.service is stopped\n") and not heartbeat_owns(out)


def test_start_and_stop_go_through_systemd(run) -> None:  # type: ignore[no-untyped-def]
    assert run("postgresql", "start")[2] == ["daemon-reload", "start postgresql.service"]
    # no generator reads apache2's moved config: no reload, which costs seconds of a takeover under emulation
    assert run("apache2", "start")[2] == ["start apache2.service"]
    assert run("postgresql", "stop")[2] == ["stop postgresql.service"]
    rc, _, calls = run("sendmail", "restart")
    assert rc == 0 and calls == ["restart sendmail.service"]
    assert run("sendmail", "bogus")[0] == 2


def test_a_masked_unit_is_unmasked_only_while_heartbeat_runs_it(run) -> None:  # type: ignore[no-untyped-def]
    assert run("apache2", "start", mask=True)[2] == ["unmask --quiet apache2.service", "start apache2.service"]
    assert run("apache2", "stop", mask=True)[2] == ["stop apache2.service", "mask --quiet apache2.service"]
