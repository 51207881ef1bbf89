"""The services' health checks, handed to the Heartbeat verification and to the failover drill.

STAND-IN until the services part provides ``wizard.services.health.health_checks(ctx)`` (same shape:
``[(recipe name, read-only Check that proves the service answers)]``): at merge, ``service_checks`` returns
that instead. Here only apache2 is known: an HTTP GET of the service address (bash's /dev/tcp, so the node
needs no curl).
"""

from __future__ import annotations

from wizard.core.actions import Check
from wizard.core.plan import PlanContext

HTTP_GET = ('exec 3<>"/dev/tcp/$1/80" || exit 1; printf "GET / HTTP/1.0\\r\\nHost: %s\\r\\n\\r\\n" "$1" >&3; '
            "timeout 5 head -c 200 <&3")


def service_checks(ctx: PlanContext) -> list[tuple[str, Check]]:
    vip = ctx.spec.service.vip
    return [("apache2", Check(("bash", "-c", HTTP_GET, "bash", vip), "output-contains", ("HTTP/1.",)))
            for r in ctx.spec.recipes if r == "apache2"]
