"""The files the services steps write on the nodes, rendered from ``templates/services/``: the helper that
moves folders, each recipe's resource script for Heartbeat, and the sendmail relay with its configuration."""

from __future__ import annotations

from dataclasses import dataclass

from wizard.core.actions import WriteFile
from wizard.core.plan import PlanContext
from wizard.core.resources import render, templates_dir
from wizard.services.recipes import Recipe
from wizard.services.schema import RELAY_PROGRAMS

HELPER = "/usr/local/sbin/ha-wizard-services"
RESOURCE_DIR = "/etc/ha.d/resource.d"  # where Heartbeat v1 looks first for a haresources name
RELAY_WRAPPER = "/usr/local/sbin/ha-wizard-relay"
RELAY_CONF = "/etc/ha-wizard/relay.conf"
SMTP_PORT = 25


def helper_file() -> WriteFile:
    # Read as it is (not a jinja template): shell's ${#...} would open a jinja comment.
    text = (templates_dir() / "services" / "ha-wizard-services").read_text(encoding="utf-8")
    return WriteFile(HELPER, text, mode=0o755)


def resource_path(recipe: Recipe) -> str:
    return f"{RESOURCE_DIR}/{recipe.init_script}"


def resource_file(recipe: Recipe) -> WriteFile:
    text = render("services/resource.sh.j2", recipe=recipe.name, init_script=recipe.init_script, unit=recipe.unit,
                  mask=recipe.mask, reload=recipe.reload)
    return WriteFile(resource_path(recipe), text, mode=0o755)


@dataclass(frozen=True)
class RelayChoice:
    program: str  # msmtp | ssmtp
    path: str  # where it is (or will be, once installed)
    installed: bool  # False: the step installs it


def relay_target(ctx: PlanContext) -> tuple[str, int]:
    """(host, port) the relay hands mail to: [recipes] relay_host, else the service address on port 25."""
    given = ctx.spec.relay_host
    if not given:
        return ctx.spec.service.vip, SMTP_PORT
    host, sep, port = given.rpartition(":")
    if sep and port.isdigit() and host and ":" not in host:
        return host, int(port)
    return given, SMTP_PORT


def relay_files(ctx: PlanContext, recipe: Recipe, node: str, choice: RelayChoice) -> list[WriteFile]:
    assert recipe.relay is not None
    host, port = relay_target(ctx)
    shown = f"{host}:{port}" + (" (the service address)" if not ctx.spec.relay_host else "")
    wrapper = render("services/relay.sh.j2", node=node, binary=recipe.relay.binary, mount=ctx.spec.storage.mount_point,
                     relay=shown, program=choice.program, program_path=choice.path, config=RELAY_CONF)
    conf = render(f"services/relay-{choice.program}.conf.j2", node=node, host=host, port=port, wrapper=RELAY_WRAPPER)
    return [WriteFile(RELAY_WRAPPER, wrapper, mode=0o755), WriteFile(RELAY_CONF, conf, mode=0o644)]


def default_relay_path(program: str) -> str:
    return RELAY_PROGRAMS[program]
