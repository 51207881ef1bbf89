"""`ha-wizard lab`: names and messages checked before any VM boots; help and errors speak as `ha-wizard lab`."""

from __future__ import annotations

from pathlib import Path

import pytest

from wizard.cli.main import main
from wizard.lab.common import LabError
from wizard.lab.vms import check_names


@pytest.mark.parametrize(("names", "why"), [
    (["alpha"], "give 2 host names"),
    (["alpha", "alpha"], "different names"),
    (["Alpha", "bravo"], "not a host name: 'Alpha'"),
    (["alpha", "br avo"], "not a host name"),
    (["alpha", "bravo;reboot"], "not a host name"),
])
def test_bad_names_are_refused(names: list[str], why: str) -> None:
    with pytest.raises(LabError, match=why):
        check_names(names)


def test_good_names() -> None:
    assert check_names([" alpha", "bravo-2 "]) == ("alpha", "bravo-2")


def test_up_with_bad_names_boots_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rc = main(["lab", "--lab-dir", str(tmp_path), "up", "--names", "alpha,alpha"])
    err = capsys.readouterr().err
    assert rc == 1 and err.startswith("ha-wizard lab: the two VMs need different names")
    assert not (tmp_path / "run").exists() and not (tmp_path / "images").exists()


def test_wizard_needs_a_lab_that_is_up(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lab", "--lab-dir", str(tmp_path), "wizard"]) == 1
    assert "the lab is not up: start it with ha-wizard lab up" in capsys.readouterr().err


def test_help_names_the_real_command(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["lab", "up", "--help"])
    out = capsys.readouterr().out
    assert out.startswith("usage: ha-wizard lab up") and "--names A,B" in out and "python -m" not in out
