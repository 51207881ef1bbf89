"""Recipes are data checked on load: every shipped recipe is valid and says what the issue asks, and a broken one
is one clear error naming the file and the field."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from wizard.core.resources import recipe_names
from wizard.services import recipes as recipes_mod
from wizard.services.recipes import catalogue, load_recipes
from wizard.services.schema import RecipeError, recipe_from_dict

GOOD: dict[str, Any] = {"description": "d", "packages": ["apache2"], "unit": "apache2.service",
                        "paths": ["/etc/apache2", "/var/www"], "health": {"port": 80}}

# The recipes the issue names, with what each must move and how its health is proved.
EXPECTED = {
    "sendmail": ("sendmail.service", "sendmail", {"/etc/mail", "/var/mail", "/var/spool/mqueue",
                                                  "/var/spool/mqueue-client"}, "port"),
    "postfix": ("postfix.service", "postfix", {"/etc/postfix", "/var/spool/postfix"}, "port"),
    "apache2": ("apache2.service", "apache2", {"/etc/apache2", "/var/www"}, "port"),
    "nginx": ("nginx.service", "nginx", {"/etc/nginx", "/var/www"}, "port"),
    "postgresql": ("postgresql.service", "postgresql", {"/etc/postgresql/*/main", "/var/lib/postgresql/*/main"},
                   "command"),
    "mariadb": ("mariadb.service", "mariadb", {"/etc/mysql", "/var/lib/mysql"}, "socket"),
    "bind9": ("named.service", "named", {"/etc/bind", "/var/cache/bind"}, "port"),
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_every_shipped_recipe_says_what_it_moves(name: str) -> None:
    r = load_recipes()[name]
    unit, init_script, paths, health = EXPECTED[name]
    assert (r.unit, r.init_script) == (unit, init_script)
    assert paths <= set(r.paths)
    assert getattr(r.health, health)
    assert r.packages and r.description and r.source == f"recipes/{name}.toml"


def test_the_catalogue_is_the_shipped_files_plus_custom() -> None:
    assert set(catalogue()) == set(EXPECTED) | {"custom"} == set(recipe_names())
    assert catalogue()["custom"].recipe is None


def test_sendmail_carries_the_relay_trick() -> None:
    r = load_recipes()["sendmail"]
    assert r.relay is not None and r.relay.binary == "/usr/sbin/sendmail"
    assert r.relay.programs[0] == "msmtp" and r.relay.install == "msmtp"
    assert load_recipes()["postgresql"].versioned and not load_recipes()["apache2"].versioned


@pytest.mark.parametrize(("change", "message"), [
    ({"packages": "apache2"}, "packages = 'apache2': expected a list of strings"),
    ({"unit": "apache2"}, "unit = 'apache2': give the systemd unit, like apache2.service"),
    ({"paths": ["etc/apache2"]}, "paths[0] = 'etc/apache2': must be an absolute path"),
    ({"paths": ["/etc"]}, "paths[0] = '/etc': too wide to move"),
    ({"paths": ["/var/lib"]}, "too wide to move"),
    ({"paths": ["/*/apache2"]}, "too wide to move"),
    ({"paths": ["/etc/apache2/"]}, "no trailing /"),
    ({"paths": ["/etc/../root"]}, "'..' is not allowed"),
    ({"paths": ["/etc/a pache"]}, "is not allowed in a path"),
    ({"paths": ["/etc/apache2", "/etc/apache2/sites"]}, "/etc/apache2/sites lies inside /etc/apache2"),
    ({"paths": ["/etc/x.ha-wizard-orig"]}, "ends like ha-wizard's own backups"),
    ({"health": {"port": 80, "socket": "/run/x"}}, "give exactly one of port, socket or command, to tell the "
                                                   "service answers (found port, socket)"),
    ({"health": {}}, "give exactly one of port, socket or command"),
    ({"health": {"port": 70000}}, "health.port = 70000: use 1-65535"),
    ({"health": {"socket": "run/x"}}, "health.socket = 'run/x': give the socket's absolute path"),
    ({"health": {"url": "http://x"}}, "health.url: unknown field"),
    ({"mask": "yes"}, "mask = 'yes': expected true or false"),
    ({"servce": "x"}, "servce: unknown field"),
    ({"links": [{"path": "/usr/sbin/x"}]}, "links[0]: give both path and target"),
    ({"links": [{"path": "/usr/sbin/x", "target": "x"}]}, "links[0].target = 'x': an absolute path, or {mount}"),
    ({"relay": {"binary": "/usr/sbin/sendmail", "programs": ["postfix"], "install": "msmtp"}},
     "relay.programs = ['postfix']: name relays ha-wizard can configure"),
])
def test_a_broken_field_is_named(change: dict[str, Any], message: str) -> None:
    with pytest.raises(RecipeError) as e:
        recipe_from_dict("apache2", {**GOOD, **change}, "recipes/apache2.toml")
    assert str(e.value).startswith("recipes/apache2.toml: ")
    assert message in str(e.value)


def test_missing_fields_are_all_named_at_once() -> None:
    with pytest.raises(RecipeError) as e:
        recipe_from_dict("x", {"description": "d"}, "recipes/x.toml")
    assert e.value.problems == ["packages is missing", "unit is missing", "paths is missing", "health is missing"]


def test_a_broken_file_stops_loading_with_its_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "good.toml").write_text('description = "d"\npackages = ["a"]\nunit = "a.service"\n'
                                        'paths = ["/etc/a"]\n[health]\nport = 1\n')
    (tmp_path / "bad.toml").write_text('description = "d"\npackages = ["a"]\nunit = "a.service"\n'
                                       'paths = ["/etc"]\n[health]\nport = 1\n')
    (tmp_path / "_schema.md").write_text("not a recipe")
    monkeypatch.setattr(recipes_mod, "recipes_dir", lambda: tmp_path)
    recipes_mod.catalogue.cache_clear()
    try:
        with pytest.raises(RecipeError, match=r"^recipes/bad.toml: paths\[0\] = '/etc': too wide"):
            recipes_mod.catalogue()
        (tmp_path / "bad.toml").write_text("description = [unclosed")
        with pytest.raises(RecipeError, match="^recipes/bad.toml: not valid TOML"):
            recipes_mod.catalogue()
        (tmp_path / "bad.toml").write_text('description = "d"\nfrom_answers = "bad"\nunit = "x.service"\n')
        with pytest.raises(RecipeError, match="unit: not allowed beside from_answers"):
            recipes_mod.catalogue()
    finally:
        recipes_mod.catalogue.cache_clear()


def test_a_broken_recipe_is_one_plain_error_on_the_command_line(tmp_path: Path) -> None:
    import os
    import shutil
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[3]
    tree = tmp_path / "tree"
    for d in ("wizard", "templates", "recipes"):
        shutil.copytree(root / d, tree / d, ignore=shutil.ignore_patterns("__pycache__"))
    (tree / "recipes" / "apache2.toml").write_text((tree / "recipes" / "apache2.toml").read_text()
                                                   .replace('port = 80', 'port = "eighty"'))
    r = subprocess.run([sys.executable, "-m", "wizard", "recipes"], capture_output=True, text=True, cwd=tree,
                       env={**os.environ, "PYTHONPATH": str(tree)}, timeout=60)
    assert r.returncode == 2
    assert r.stderr.strip() == "ha-wizard: recipes/apache2.toml: health.port = 'eighty': expected a whole number"
