"""Service facts and plan contexts shared by the services' table tests (lab-like answers, both nodes probed)."""

from __future__ import annotations

from typing import Any

from helpers.nodes import lab_spec
from wizard.core.actions import Run, Step
from wizard.core.plan import PlanContext
from wizard.core.secrets import Secrets
from wizard.services.discover import FACTS_KEY, NodeServices, PathFact, UnitFact

SECRETS = Secrets("s" * 32, "a" * 32)
PG = "15+248+deb12u2"
SENDMAIL = "8.17.1.9-2+deb12u2"


def node(name: str, *, pg: str = PG, programs: dict[str, str] | None = None, **extra: Any) -> NodeServices:
    return NodeServices(
        name, packages={"sendmail": SENDMAIL, "apache2": "2.4.71-1~deb12u1", "postgresql": pg},
        paths={"/etc/postgresql/*/main": (PathFact("/etc/postgresql/15/main", "dir", kib=60),),
               "/var/lib/postgresql/*/main": (PathFact("/var/lib/postgresql/15/main", "dir", kib=39_000),),
               "/etc/mail": (PathFact("/etc/mail", "dir", kib=400),),
               "/etc/apache2": (PathFact("/etc/apache2", "dir", kib=676),),
               "/var/www": (PathFact("/var/www", "dir", kib=20),)},
        units={"sendmail.service": UnitFact("enabled", "active"), "apache2.service": UnitFact("enabled", "active")},
        programs={"msmtp": "/usr/bin/msmtp"} if programs is None else programs, **extra)


def ctx(enabled: list[str], m: NodeServices | None = None, p: NodeServices | None = None,
        **recipes: Any) -> PlanContext:
    spec = lab_spec(lambda raw: raw["recipes"].update(enabled=enabled, **recipes))
    facts: dict[str, object] = {FACTS_KEY: {"node1": m or node("node1"), "node2": p or node("node2")}}
    return PlanContext(spec=spec, secrets=SECRETS, facts=facts)


def runs(step: Step) -> list[tuple[str, ...]]:
    return [a.argv for a in step.actions if isinstance(a, Run)]


def by_id(steps: list[Step]) -> dict[str, Step]:
    return {s.id: s for s in steps}


