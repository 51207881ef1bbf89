"""[heartbeat] profiles and rules: tutorial and recommended fill the timing; custom is checked against
Heartbeat's own warnings; the udpport is derived from the node names."""

from __future__ import annotations

import copy
import itertools
import tomllib
from pathlib import Path
from typing import Any

import pytest

from wizard.core.spec import PROFILES, derived_udpport, spec_from_dict
from wizard.errors import AnswersError

LAB = tomllib.loads((Path(__file__).resolve().parents[3] / "examples" / "lab.toml").read_text())


def with_hb(**hb: Any) -> dict[str, Any]:
    raw = copy.deepcopy(LAB)
    raw["heartbeat"] = {k: v for k, v in raw["heartbeat"].items() if k not in ("profile",)} | hb
    return raw


def problems(raw: dict[str, Any]) -> list[str]:
    with pytest.raises(AnswersError) as e:
        spec_from_dict(raw)
    return e.value.problems


@pytest.mark.parametrize("profile", sorted(PROFILES))
def test_profiles_fill_the_timing(profile: str) -> None:
    spec, _ = spec_from_dict(with_hb(profile=profile))
    hb = spec.heartbeat
    assert (hb.keepalive, hb.warntime, hb.deadtime, hb.initdead) == PROFILES[profile]


def test_no_profile_and_no_timing_is_recommended() -> None:
    spec, _ = spec_from_dict(with_hb())
    assert spec.heartbeat.profile == "recommended"


@pytest.mark.parametrize(("timing", "says"), [
    ({"keepalive": 1, "warntime": 8, "deadtime": 8, "initdead": 30}, "heartbeat.warntime = 8: must be below deadtime"),
    ({"keepalive": 1, "warntime": 4, "deadtime": 8, "initdead": 15}, "heartbeat.initdead = 15: at least twice"),
    ({"keepalive": 3, "warntime": 4, "deadtime": 8, "initdead": 30}, "heartbeat.keepalive = 3: at most deadtime / 4"),
])
def test_custom_is_checked(timing: dict[str, int], says: str) -> None:
    assert any(says in p for p in problems(with_hb(**timing))), problems(with_hb(**timing))


def test_a_profile_with_other_timing_is_refused() -> None:
    assert any("the recommended profile sets 8" in p for p in problems(with_hb(profile="recommended", deadtime=5)))
    assert any("choose one of tutorial, recommended, custom" in p for p in problems(with_hb(profile="fast")))


def test_custom_timing_is_accepted_exactly_when_heartbeat_would_not_warn() -> None:
    for k, w, d, i in itertools.product((1, 2, 3), (2, 4, 9), (4, 8, 9, 12), (8, 16, 17, 24)):
        fine = k < w < d and 4 * k <= d and i >= 2 * d
        try:
            spec_from_dict(with_hb(keepalive=k, warntime=w, deadtime=d, initdead=i))
            assert fine, (k, w, d, i)
        except AnswersError:
            assert not fine, (k, w, d, i)


def test_udpport_is_derived_and_stable() -> None:
    spec, _ = spec_from_dict(with_hb())
    assert spec.heartbeat.udpport == derived_udpport(["node2", "node1"]) != derived_udpport(["a", "b"])
    assert 20694 <= spec.heartbeat.udpport < 20694 + 256
