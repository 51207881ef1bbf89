"""Missing packages over real SSH (the sshd on 127.0.0.1 is this very machine, both "nodes"): the dry-run
lists install@NODE first, with the command it would run; a package no repository offers is refused by apply
before anything is changed. Nothing is installed: the dry-run runs nothing, the refusal comes first."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest

from wizard.cli.main import main

REAL = subprocess.run(["uname", "-n"], capture_output=True, text=True, check=True).stdout.strip()


def _answers(sshd: Any, path: Path, package: str, master: str = REAL) -> Path:
    path.write_text(
        f'[cluster]\nmaster = "{master}"\n\n'
        f'[[nodes]]\nname = "{master}"\nssh = ""\naddress = "127.0.0.2"\ndisk = "/dev/x1"\n\n'
        f'[[nodes]]\nname = "server2"\nssh = "127.0.0.1"\nssh_port = {sshd.port}\naddress = "127.0.0.1"\n'
        'disk = "/dev/x2"\n\n[drbd]\nsync_rate = "10M"\n\n'
        '[service]\nhostname = "mail"\nvip = "127.0.0.100"\nnetmask = 8\ninterface = "lo"\n\n'
        '[heartbeat]\ninterface = "lo"\n\n[recipes]\nenabled = ["custom"]\n\n'
        f'[custom]\npackages = ["{package}"]\nunit = "hello.service"\npaths = ["/etc/hello-ha"]\n'
        'health_port = 8080\n')
    return path


def _args(sshd: Any, tmp_path: Path) -> list[str]:
    return ["--identity", str(sshd.identity), "--known-hosts", str(sshd.known_hosts),
            "--journal-dir", str(tmp_path / "journal")]


def _offered_not_installed(pkg: str) -> bool:
    r = subprocess.run(["apt-cache", "policy", pkg], capture_output=True, text=True, env={"LC_ALL": "C"})
    return "Installed: (none)" in r.stdout and "Candidate: (none)" not in r.stdout and "Candidate:" in r.stdout


def test_the_dry_run_lists_the_installs_first(sshd: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    if not _offered_not_installed("hello"):
        pytest.skip("this machine has GNU hello installed, or no apt list offers it")
    # named server1, not this machine: drbdadm here then checks the syntax without looking for 127.0.0.2 on it
    f = _answers(sshd, tmp_path / "a.toml", "hello", master="server1")
    rc = main(["apply", "--dry-run", "--answers", str(f), *_args(sshd, tmp_path)])
    out, err = capsys.readouterr()
    assert rc == 0, err
    steps = [ln for ln in out.splitlines() if ln[:4].strip().rstrip(".").isdigit() and ". [" in ln[:8]]
    assert [ln.split(". ", 1)[1] for ln in steps[:2]] == ["[server1] install hello", "[server2] install hello"]
    assert out.count("run: DEBIAN_FRONTEND=noninteractive apt-get install -y hello") == 2
    assert "installed first: hello on server1; hello on server2 (the checks that need them run after" in out
    assert "not installed: hello: the plan installs them first (install@server2)" in out  # the preflight: a warning
    assert not (tmp_path / "journal" / "journal.json").exists()


def test_a_package_no_repository_offers_is_refused_before_any_change(
        sshd: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = _answers(sshd, tmp_path / "a.toml", "ha-wizard-no-such-package")
    rc = main(["apply", "--yes", "--answers", str(f), *_args(sshd, tmp_path)])
    err = capsys.readouterr().err
    assert rc == 6, err
    assert "no package repository known to server2 offers ha-wizard-no-such-package" in err
    assert "before anything is changed" in err and "Traceback" not in err
    assert not (tmp_path / "journal" / "journal.json").exists()
