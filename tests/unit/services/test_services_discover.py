"""Discovery: the real probe run on this machine over a made-up recipe, and the parser on captured text."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from wizard.executors.local import LocalExecutor
from wizard.services.discover import NodeServices, PathFact, discover_node, items, parse
from wizard.services.schema import Health, Recipe, Relay


def recipe(tmp: Path) -> Recipe:
    return Recipe(name="demo", description="d", packages=("dpkg", "no-such-package-here", "apache2"),
                  unit="demo.service",
                  init_script="demo", paths=(f"{tmp}/etc/*/main", f"{tmp}/var/spool/q", f"{tmp}/var/gone"),
                  health=Health(port=1), relay=Relay("/bin/sh", ("sh", "no-such-relay"), "msmtp"))


def test_the_probe_finds_versioned_paths_links_sizes_and_earlier_moves(tmp_path: Path) -> None:
    for version in ("15", "16"):
        (tmp_path / "etc" / version / "main").mkdir(parents=True)
    (tmp_path / "etc" / "16" / "main" / "postgresql.conf").write_bytes(b"x" * 9000)
    (tmp_path / "etc" / "15" / "main.ha-wizard-orig").mkdir()  # an earlier move's original: not a match
    (tmp_path / "var" / "spool").mkdir(parents=True)
    os.symlink(f"{tmp_path}/replicated/var/spool/q", tmp_path / "var" / "spool" / "q")
    (tmp_path / "var" / "gone.ha-wizard-orig").mkdir()
    state = tmp_path / "state"
    state.mkdir()
    (state / "demo.service.boot").write_text("enabled\n")
    facts = discover_node(LocalExecutor("here"), [recipe(tmp_path)], str(tmp_path / "replicated"), str(state))
    assert facts.reached and not facts.mounted
    assert facts.packages.get("dpkg") and "no-such-package-here" not in facts.packages
    found = facts.found(f"{tmp_path}/etc/*/main")
    assert [f.path for f in found] == [f"{tmp_path}/etc/15/main", f"{tmp_path}/etc/16/main"]
    assert found[0].orig and not found[1].orig and found[1].kib is not None and found[1].kib >= 9
    q = facts.found(f"{tmp_path}/var/spool/q")[0]
    assert (q.kind, q.target) == ("link", f"{tmp_path}/replicated/var/spool/q")
    assert facts.found(f"{tmp_path}/var/gone") == (PathFact(f"{tmp_path}/var/gone", "missing", orig=True),)
    assert facts.units["demo.service"].recorded == "enabled"
    assert facts.programs.get("sh") and "no-such-relay" not in facts.programs
    assert facts.real["/bin/sh"].startswith("/")
    assert not facts.installed(recipe(tmp_path))
    # not installed: the version this machine's repositories offer, as apt-cache itself says (none at all
    # for a package no repository has: the plan cannot install that one)
    assert "no-such-package-here" not in facts.offered and "dpkg" not in facts.offered
    policy = subprocess.run(["apt-cache", "policy", "apache2"], capture_output=True, text=True).stdout
    candidate = next((ln.split(":", 1)[1].strip() for ln in policy.splitlines() if "Candidate:" in ln), "(none)")
    if "apache2" in facts.packages:
        assert "apache2" not in facts.offered
    else:
        assert facts.offered.get("apache2", "(none)") == candidate
    assert facts.to_install(recipe(tmp_path)) is None  # no-such-package-here: nothing offers it


CAPTURED = """\
@@ha-wizard-svc mount yes 96612
@@ha-wizard-svc pkg sendmail 8.17.1.9-2+deb12u2
@@ha-wizard-svc cand apache2 2.4.71-1~deb12u1
@@ha-wizard-svc path /etc/mail\t/etc/mail\tlink\t/replicated/etc/mail\t236\tyes
@@ha-wizard-svc path /var/lib/postgresql/*/main\t/var/lib/postgresql/15/main\tdir\t-\t27600\tno
@@ha-wizard-svc unit sendmail.service\tdisabled\tactive\tenabled
@@ha-wizard-svc unit apache2.service\tenabled\tinactive\t-
@@ha-wizard-svc prog msmtp /usr/bin/msmtp
@@ha-wizard-svc real /usr/sbin/sendmail /usr/libexec/sendmail/sendmail
some noise the shell printed
"""


def test_the_parser_reads_every_kind_of_line() -> None:
    f = parse("node1", CAPTURED)
    assert isinstance(f, NodeServices) and (f.mounted, f.avail_kib) == (True, 96612)
    assert f.packages == {"sendmail": "8.17.1.9-2+deb12u2"}
    assert f.offered == {"apache2": "2.4.71-1~deb12u1"}
    assert f.found("/etc/mail") == (PathFact("/etc/mail", "link", "/replicated/etc/mail", 236, True),)
    assert f.found("/var/lib/postgresql/*/main")[0].kib == 27600
    assert (f.units["sendmail.service"].enabled, f.units["sendmail.service"].recorded) == ("disabled", "enabled")
    assert f.units["apache2.service"].recorded == ""
    assert f.programs == {"msmtp": "/usr/bin/msmtp"}
    assert f.real == {"/usr/sbin/sendmail": "/usr/libexec/sendmail/sendmail"}


def test_items_ask_once_for_what_two_recipes_share(tmp_path: Path) -> None:
    r = recipe(tmp_path)
    asked = items([r, r])
    assert len(asked) == len(set(asked)) and "unit:demo.service" in asked and "real:/bin/sh" in asked
