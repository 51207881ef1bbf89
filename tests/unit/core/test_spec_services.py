"""The answers' services keys: [recipes] relay_host and the [custom] recipe, validated with the rest and
written back unchanged."""

from __future__ import annotations

import tomllib
from typing import Any

import pytest
from helpers.nodes import LAB

from wizard.core.answers import dumps, load_answers, spec_to_dict
from wizard.core.spec import Custom, spec_from_dict
from wizard.errors import AnswersError
from wizard.services.recipes import custom_recipe
from wizard.services.schema import RecipeError

CUSTOM = {"description": "the shop", "packages": ["myshop"], "unit": "myshop.service",
          "paths": ["/etc/myshop", "/var/lib/myshop"], "health_port": 8080}


def raw(enabled: list[str], custom: dict[str, Any] | None = None, **recipes: Any) -> dict[str, Any]:
    data = tomllib.loads(LAB.read_text())
    data["recipes"] = {"enabled": enabled, **recipes}
    if custom is not None:
        data["custom"] = custom
    return data


def problems(data: dict[str, Any]) -> list[str]:
    with pytest.raises(AnswersError) as e:
        spec_from_dict(data, source="a.toml")
    return e.value.problems


def test_the_custom_recipe_round_trips() -> None:
    spec, _ = spec_from_dict(raw(["custom", "apache2"], CUSTOM, relay_host="mail.example:587"))
    assert spec.custom == Custom("the shop", ("myshop",), "myshop.service", "", ("/etc/myshop", "/var/lib/myshop"),
                                 8080, "", ())
    assert spec.relay_host == "mail.example:587"
    again, _ = spec_from_dict(tomllib.loads(dumps(spec_to_dict(spec))))
    assert again == spec and again.custom == spec.custom
    r = custom_recipe(spec)
    assert (r.name, r.unit, r.init_script, r.health.port) == ("custom", "myshop.service", "myshop", 8080)


def test_answers_without_services_keys_stay_as_they_were() -> None:
    spec, _ = spec_from_dict(raw(["apache2"]))
    assert spec.custom == Custom() and spec.relay_host == ""
    written = spec_to_dict(spec)
    assert "custom" not in written and written["recipes"] == {"enabled": ["apache2"], "relay_host": ""}


@pytest.mark.parametrize(("data", "message"), [
    (raw(["custom"]), "custom.unit is missing: the custom recipe needs the service's systemd unit"),
    (raw(["custom"]), "custom.paths is missing"),
    (raw(["custom"]), "custom: give exactly one of health_port, health_socket or health_command"),
    (raw(["custom"], {**CUSTOM, "paths": ["etc/x"]}), "custom.paths = ['etc/x']: one absolute path like /replicated"),
    (raw(["custom"], {**CUSTOM, "health_socket": "/run/x.sock"}), "custom: give exactly one of health_port"),
    (raw(["custom"], {**CUSTOM, "health": 80}), "custom.health: unknown key (did you mean 'health_port'?)"),
    (raw(["custom"], {**CUSTOM, "health_port": "80"}), "custom.health_port = '80': expected a whole number"),
    (raw(["apache2", "apache2"]), "recipes.enabled: apache2 listed twice"),
    (raw([], relay_host="smtp://x"), "recipes.relay_host = 'smtp://x': a host or address, optionally with :port"),
])
def test_wrong_services_keys_are_named(data: dict[str, Any], message: str) -> None:
    found = problems(data)
    assert any(message in p for p in found), found


def test_custom_keys_unused_are_not_an_error() -> None:
    spec, _ = spec_from_dict(raw(["apache2"], {"unit": "x.service"}))
    assert spec.custom.unit == "x.service"


def test_deeper_custom_mistakes_come_from_the_recipe_schema() -> None:
    spec, _ = spec_from_dict(raw(["custom"], {**CUSTOM, "paths": ["/etc"]}), source="a.toml")
    with pytest.raises(RecipeError) as e:
        custom_recipe(spec)
    assert str(e.value) == "a.toml [custom]: custom.paths[0] = '/etc': too wide to move (it holds more than this " \
                           "service); name the service's own folder, like /etc/mail"


def test_the_example_with_a_custom_service_is_valid() -> None:
    from pathlib import Path

    example = Path(__file__).resolve().parents[3] / "examples" / "custom.toml"
    spec, _ = load_answers(example)
    assert "custom" in spec.recipes and custom_recipe(spec).paths
