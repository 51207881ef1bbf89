"""doctor on the Pacemaker stack (table): the healthy tutorial pair moved to Pacemaker (corosync.conf, no ha.cf;
crm_mon, crm_verify -L and the constraints as Pacemaker 2.1.5 prints them, tests/data/crm_mon/), bent in one place
per case. Heartbeat's family is not checked there, and Pacemaker's not on a Heartbeat pair."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from doctor_helpers import node, one, pair, problems, sec

from wizard.doctor.checks import run_checks
from wizard.doctor.pair import COROSYNC_CONF

CRM = Path(__file__).resolve().parents[2] / "data" / "crm_mon"
GONE: dict[str, Any] = {"/etc/ha.d/ha.cf": None, "/etc/ha.d/haresources": None, "/etc/ha.d/authkeys": None,
                        COROSYNC_CONF: "totem {\n    cluster_name: ha-mail\n}\n"}


def pcmk(n: int, **out: Any) -> Any:
    sections: dict[str, Any] = {
        "enabled drbd": sec("disabled", 1), "enabled corosync": sec("enabled"), "enabled pacemaker": sec("enabled"),
        "enabled heartbeat": None, "active heartbeat": None, "heartbeat-resources": None,
        "crm-mon": sec((CRM / "promoted-node1.xml").read_text()), "crm-verify": sec(""),
        "cib-constraints": sec((CRM / "constraints.xml").read_text())}
    sections.update(out)
    return node(n, files_=GONE, out=sections)


def family(found: list[Any], name: str) -> list[Any]:
    return [f for f in found if f.family == name]


def test_a_healthy_pacemaker_pair() -> None:
    found = run_checks(pair(pcmk(1), pcmk(2)))
    mine = family(found, "Pacemaker")
    assert {f.key for f in mine if f.status == "ok"} == {"pacemaker.running", "pacemaker.verify",
                                                         "pacemaker.constraints", "pacemaker.boot"}
    st = one(found, "pacemaker.stonith")  # the lab's none-confirmed: named as such, a warning
    assert st.status == "warn" and st.title == "STONITH is disabled (stonith-enabled=false)"
    assert not family(found, "Heartbeat")
    assert not [f for f in found if f.key.startswith("boot.") and f.key in ("boot.drbd", "boot.heartbeat")]


def test_a_heartbeat_pair_gets_no_pacemaker_findings() -> None:
    assert not family(run_checks(pair()), "Pacemaker")


@pytest.mark.parametrize(("out", "key", "status"), [
    ({"crm-mon": sec((CRM / "not-running.xml").read_text(), 102)}, "pacemaker.running", "fail"),
    ({"crm-verify": sec((CRM / "crm-verify-no-stonith.txt").read_text(), 78)}, "pacemaker.verify", "fail"),
    ({"cib-constraints": sec("<constraints/>")}, "pacemaker.colocation", "fail"),
    ({"enabled drbd": sec("enabled")}, "pacemaker.drbd-boot", "fail"),
    ({"enabled pacemaker": sec("disabled", 1)}, "pacemaker.boot", "warn"),
])
def test_each_problem_is_named(out: dict[str, Any], key: str, status: str) -> None:
    found = run_checks(pair(pcmk(1, **out), pcmk(2, **out)))
    f = [x for x in found if x.key == key and x.status != "ok"]
    assert f and f[0].status == status, problems(found)
    if key == "pacemaker.verify":
        assert "Resource start-up disabled since no STONITH resources have been defined" in "".join(f[0].evidence)
    if key == "pacemaker.colocation":
        assert one(found, "pacemaker.order").status == "fail"


def test_stonith_on_is_fine() -> None:
    on = sec((CRM / "stonith-enabled.xml").read_text())
    found = run_checks(pair(pcmk(1, **{"crm-mon": on}), pcmk(2, **{"crm-mon": on})))
    assert [f.status for f in found if f.key == "pacemaker.stonith"] == ["ok"]
