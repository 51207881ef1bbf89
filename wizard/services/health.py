"""Does the service answer? One read-only check per enabled recipe, from the recipe's ``[health]``.

``health_checks(ctx)`` is what the Heartbeat work uses after a start or a failover: (recipe name, Check).
A port is proved by a TCP connection to 127.0.0.1 (bash's /dev/tcp: no extra tool on the node), a socket by
``ss`` listing a listener on it, a command by its exit code (bounded by ``timeout``).
"""

from __future__ import annotations

from wizard.core.actions import Check, WaitFor
from wizard.core.plan import PlanContext
from wizard.services.recipes import Recipe, enabled_recipes

CONNECT = 'exec 3<>"/dev/tcp/127.0.0.1/$1"'
START_TIMEOUT_S = 180.0  # sendmail waits for its host name, PostgreSQL replays its log: minutes under emulation


def health_check(recipe: Recipe) -> Check:
    h = recipe.health
    if h.port:
        return Check(("timeout", "5", "bash", "-c", CONNECT, "health", str(h.port)), "service-answers",
                     (h.describe(),))
    if h.socket:
        return Check(("ss", "-xl"), "unix-listening", (h.socket,))
    return Check(("timeout", "10", *h.command), "service-answers", (h.describe(),))


def health_checks(ctx: PlanContext) -> list[tuple[str, Check]]:
    """(recipe name, a read-only Check that passes when the service answers) for each enabled recipe."""
    return [(r.name, health_check(r)) for r in enabled_recipes(ctx.spec)]


def wait_healthy(recipe: Recipe, timeout: float = START_TIMEOUT_S) -> WaitFor:
    c = health_check(recipe)
    return WaitFor(c.probe, c.until, c.args, timeout=timeout, interval=2.0,
                   what=f"{recipe.name} {recipe.health.describe()}")
