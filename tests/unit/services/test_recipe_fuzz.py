"""Recipes (and [custom]) are written by people: whatever they hold, loading gives a Recipe or one RecipeError,
never another exception, and no accepted path can climb out of its folder or name a whole system tree."""

from __future__ import annotations

import random
from typing import Any

from wizard.services.schema import TOO_WIDE, RecipeError, recipe_from_dict

VALUES: list[Any] = ["", "/", "/etc", "/etc/mail", "/etc/../root", "/var/lib/*/main", "a b", "/x/./y", "*", "/*/x",
                     "x.service", "apache2.service", 0, -1, 80, 70000, True, None, 1.5, [], ["/etc/mail"],
                     ["/etc", "/etc/mail"], [1, 2], {}, {"port": 25}, {"socket": "/run/x"}, {"command": ["true"]},
                     {"port": "25"}, [{"path": "/usr/sbin/x", "target": "{mount}/usr/sbin/x"}], ["msmtp"]]
KEYS = ["description", "packages", "unit", "init_script", "paths", "health", "links", "mask", "relay", "note",
        "servce", "from_answers"]


def test_any_recipe_loads_or_fails_with_one_named_error() -> None:
    rng = random.Random(12)
    accepted = 0
    for _ in range(3000):
        raw = {k: rng.choice(VALUES) for k in rng.sample(KEYS, rng.randint(0, len(KEYS)))}
        if rng.random() < 0.5:  # often a nearly good recipe, so the deeper checks are reached
            raw = {"description": "d", "packages": ["p"], "unit": "p.service", "paths": ["/etc/p"],
                   "health": {"port": 1}, **{k: v for k, v in raw.items() if rng.random() < 0.3}}
        try:
            r = recipe_from_dict("fuzz", raw, "recipes/fuzz.toml")
        except RecipeError as e:
            assert str(e).startswith("recipes/fuzz.toml: ") and e.problems
            continue
        accepted += 1
        for p in r.paths:
            parts = p.split("/")
            assert p.startswith("/") and ".." not in parts and "." not in parts and p not in TOO_WIDE, p
            assert len(parts) >= 3 and parts[1] != "*", p
        assert sum(bool(x) for x in (r.health.port, r.health.socket, r.health.command)) == 1
    assert accepted > 100  # the good ones do get through
