"""The Services screen's table and `ha-wizard recipes`: facts in, rows and words out."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from pathlib import Path

from helpers.services import ctx, node

from wizard.services.discover import NodeServices, PathFact, UnitFact
from wizard.services.show import describe_recipe, list_recipes
from wizard.services.table import build, human, room_kib

ROOT = Path(__file__).resolve().parents[3]


def table(m: NodeServices, p: NodeServices, room: int | None = None):  # type: ignore[no-untyped-def]
    return build(ctx([]).spec, {"node1": m, "node2": p}, room)


def test_rows_say_which_recipes_both_nodes_have_and_what_they_move() -> None:
    t = table(node("node1"), node("node2", pg="16+257"), room=30_000)
    assert [r.name for r in t.rows if r.available] == ["apache2", "postgresql", "sendmail"]
    pg = t.row("postgresql")
    assert pg is not None and pg.moves == ("/etc/postgresql/15/main", "/var/lib/postgresql/15/main")
    assert pg.kib == 39_060 and pg.state == "on both nodes"
    assert "postgresql 15+248+deb12u2 on node1 but 16+257 on node2: install the same version on both" in pg.warnings
    assert t.row("bind9").state == "not on node1 and node2"  # type: ignore[union-attr]
    sendmail = t.row("sendmail")
    assert sendmail is not None and "sendmail is running on node1: it is stopped for the move" in sendmail.warnings
    assert "relay for mail while the disk is elsewhere: msmtp" in sendmail.warnings
    assert not [w for w in t.warnings_for(["apache2"]) if "space" in w]
    assert t.warnings_for(["postgresql"])[-1] == ("too little space: the chosen services hold 38.1 MiB, the "
                                                  "replicated disk has about 29.3 MiB")


def test_moved_already_mounted_room_and_unreached_nodes() -> None:
    m = node("node1", mounted=True, avail_kib=90_000)
    moved = {p: (PathFact(p, "link", f"/replicated{p}", 10, True),) for p in ("/etc/apache2", "/var/www")}
    m = dataclasses.replace(m, paths={**m.paths, **moved})
    t = table(m, node("node2"))
    assert t.room_kib == 90_000 and t.row("apache2").state == "already moved"  # type: ignore[union-attr]
    away = table(node("node1"), NodeServices("node2", reached=False, why_not="no route"))
    assert away.problem == "node2: not contacted (no route)"
    assert {r.state for r in away.rows if r.name != "bind9"} >= {"not checked"}
    assert not any(r.available for r in away.rows)


def test_a_recipe_the_repositories_offer_is_offered_and_installed_by_the_plan() -> None:
    """apache2 installed on neither node but offered by both nodes' repositories: it can be ticked, the plan
    installs it first; bind9 offered on one node only stays out."""
    bare = {"apache2": "2.4.71-1~deb12u1"}

    def without(n: str, offered: dict[str, str]) -> NodeServices:
        f = node(n)
        packages = {k: v for k, v in f.packages.items() if k not in ("apache2", "bind9")}
        return dataclasses.replace(f, packages=packages, offered=offered,
                                   paths={k: v for k, v in f.paths.items() if "apache2" not in k and "www" not in k},
                                   units={k: v for k, v in f.units.items() if k != "apache2.service"})

    t = table(without("node1", {**bare, "bind9": "1:9.18"}), without("node2", bare))
    row = t.row("apache2")
    assert row is not None and row.available and row.state == "installed by the plan on node1 and node2"
    assert row.warnings[0] == ("not installed on node1: the plan installs apache2 first (install@node1); not "
                               "installed on node2: the plan installs apache2 first (install@node2)")
    assert not [w for w in row.warnings if "nothing at" in w]  # its folders come with the package
    assert row.moves == ("/etc/apache2", "/var/www") and row.kib is None
    bind9 = t.row("bind9")
    assert bind9 is not None and not bind9.available and bind9.state == "not on node1 and node2"


def test_an_earlier_move_left_behind_is_a_warning() -> None:
    p = node("node2")
    p = dataclasses.replace(p, paths={**p.paths, "/etc/mail": (PathFact("/etc/mail", "dir", kib=4, orig=True),)},
                            units={"sendmail.service": UnitFact("enabled", "inactive")})
    row = table(node("node1"), p).row("sendmail")
    assert row is not None and "/etc/mail.ha-wizard-orig exists on node2 (an earlier move?): move it away first" \
        in row.warnings


def test_sizes_in_words_and_room_from_the_partition() -> None:
    assert [human(k) for k in (12, 2048, 3 << 20)] == ["12 KiB", "2.0 MiB", "3.0 GiB"]
    assert room_kib(None) is None
    assert 115_000 < room_kib(127 << 20) < 127 << 10  # type: ignore[operator]


def test_recipes_in_words() -> None:
    text = list_recipes()
    assert text.splitlines()[1].split()[0] == "apache2" and "custom" in text
    sendmail = describe_recipe("sendmail")
    assert "/var/spool/mqueue-client -> /replicated/var/spool/mqueue-client" in sendmail
    assert "msmtp or ssmtp" in sendmail and "answers on TCP port 25" in sendmail
    assert "(the * is found on the node)" in describe_recipe("postgresql")


def test_a_recipe_on_pacemaker_says_pacemaker_starts_it_and_never_masks() -> None:
    from wizard.core.answers import load_answers

    spec, _ = load_answers(Path(__file__).resolve().parents[2] / "data" / "answers" / "pacemaker-ipmi.toml")
    text = describe_recipe("apache2", spec)
    assert "(systemctl unmask and disable, never mask); Pacemaker starts it (systemd:apache2 in the CIB)" in text
    assert "Heartbeat" not in text and "haresources" not in text
    assert "Heartbeat starts it" in describe_recipe("apache2")


def test_the_recipes_command(tmp_path: Path) -> None:
    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "wizard", "recipes", *args], capture_output=True, text=True,
                              cwd=ROOT, timeout=60)

    r = cli()
    assert r.returncode == 0 and len(r.stdout.splitlines()) == 10  # a header, 8 recipes, a hint
    r = cli("apache2")
    assert r.returncode == 0 and "/var/www" in r.stdout and "/etc/ha.d/resource.d/apache2" in r.stdout
    r = cli("apache")
    assert r.returncode == 1 and r.stderr == ("ha-wizard: no recipe called 'apache' (did you mean 'apache2'?); "
                                              "`ha-wizard recipes` lists them\n")
    r = cli("custom", "--answers", str(ROOT / "examples" / "custom.toml"))
    assert r.returncode == 0 and "/var/lib/shop -> /replicated/var/lib/shop" in r.stdout
    assert "answers on TCP port 8080" in r.stdout
    assert "[custom] section" in cli("custom").stdout


def test_a_wrong_custom_recipe_is_named_and_the_rest_still_listed() -> None:
    from helpers.nodes import lab_spec

    spec = lab_spec(lambda raw: raw.update(custom={"unit": "shop.service", "paths": ["/etc"], "health_port": 1}))
    t = build(spec, {"node1": node("node1"), "node2": node("node2")})
    assert "custom.paths[0] = '/etc': too wide to move" in t.problem
    assert t.row("custom") is None and t.row("apache2") is not None
