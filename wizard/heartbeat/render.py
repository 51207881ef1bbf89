"""Heartbeat's three files, rendered from ``templates/heartbeat/``: ha.cf, haresources and authkeys.

Pure functions of the PlanContext. The files are identical on both nodes (Heartbeat requires it).
"""

from __future__ import annotations

from wizard.core.actions import WriteFile
from wizard.core.plan import PlanContext
from wizard.core.resources import render, templates_dir
from wizard.core.spec import derived_udpport
from wizard.heartbeat.agents import RESOURCE_D, WRITTEN, chain_agents
from wizard.services.recipes import enabled_recipes

HA_CF = "/etc/ha.d/ha.cf"
HARESOURCES = "/etc/ha.d/haresources"
AUTHKEYS = "/etc/ha.d/authkeys"
# Debian 12's heartbeat 3.0.6 installs dopd and drbd-peer-outdater here (older releases used
# /usr/lib/heartbeat); a gathered fact "heartbeat_libexec" overrides it.
HEARTBEAT_LIBEXEC = "/usr/libexec/heartbeat"


def heartbeat_libexec(ctx: PlanContext) -> str:
    value = ctx.facts.get("heartbeat_libexec")
    return value if isinstance(value, str) and value.startswith("/") else HEARTBEAT_LIBEXEC


def services(ctx: PlanContext) -> list[str]:
    """The init scripts Heartbeat starts, from the enabled recipes, in the answers' order."""
    return [r.init_script for r in enabled_recipes(ctx.spec)]


def chain(ctx: PlanContext) -> list[str]:
    """The resources in start order: DRBD Primary, the mount, the address, then the services.

    drbddisk (drbd-utils) replaces the tutorial's datadisk and comes first: nothing can use the disk before
    it is Primary. The address comes after the mount, so clients reach it only once the data is there; it
    is set with `ip` (ha-wizard-ip or IPaddr2; never IPaddr, which needs ifconfig, absent from a modern
    Debian, and is slower). Which agents: wizard.heartbeat.agents.
    """
    s = ctx.spec
    promote, mount, address = chain_agents(s)
    return [f"{promote}::{s.drbd.resource}",
            f"{mount}::{s.drbd.device}::{s.storage.mount_point}::{s.storage.filesystem}",
            f"{address}::{s.service.vip}/{s.service.netmask}/{s.service.interface}", *services(ctx)]


def haresources_line(ctx: PlanContext) -> str:
    return " ".join([ctx.spec.master, *chain(ctx)])


def profile_why(profile: str) -> str:
    return {"tutorial": "the tutorial's Listing 3 (two minutes of silence before a takeover).",
            "recommended": "measured in the ha-wizard lab: beats arrive well within warntime, and a dead "
                           "peer is taken over within seconds (docs/heartbeat.md).",
            }.get(profile, "chosen in the answers (checked against Heartbeat's own rules).")


def ha_cf(ctx: PlanContext) -> str:
    hb = ctx.spec.heartbeat
    values = {
        "keepalive": hb.keepalive, "warntime": hb.warntime, "deadtime": hb.deadtime, "initdead": hb.initdead,
        "udpport": hb.udpport, "baud": hb.baud, "serial": hb.serial, "media": hb.media,
        "interface": hb.interface, "second_interface": hb.second_interface, "auto_failback": hb.auto_failback,
        "profile": hb.profile, "profile_why": profile_why(hb.profile),
        "udpport_why": "UDP port of these heartbeats, " + (
            "derived from the node names" if hb.udpport == derived_udpport([n.name for n in ctx.spec.nodes])
            else "from the answers") + ": unique per cluster on a network",
        "dopd": ctx.spec.drbd.fencing == "dopd", "dopd_path": f"{heartbeat_libexec(ctx)}/dopd",
        "nodes": [{"name": n.name, "address": n.address} for n in ctx.spec.nodes],
    }
    return render("heartbeat/ha.cf.j2", h=values)


def haresources(ctx: PlanContext) -> str:
    return render("heartbeat/haresources.j2", line=haresources_line(ctx))


def authkeys(ctx: PlanContext) -> str:
    return render("heartbeat/authkeys.j2", authkey=ctx.secrets.authkey)


def agent_files(ctx: PlanContext) -> list[WriteFile]:
    """ha-wizard's own mount and address scripts (agents = "lean"), read as they are (plain sh, no template
    values: haresources gives them their arguments)."""
    return [WriteFile(f"{RESOURCE_D}/{name}",
                      (templates_dir() / "heartbeat" / "resource.d" / name).read_text(encoding="utf-8"), mode=0o755)
            for name in chain_agents(ctx.spec) if name in WRITTEN]


def heartbeat_files(ctx: PlanContext, node: str) -> list[WriteFile]:
    ctx.require_node(node)
    return [
        WriteFile(HA_CF, ha_cf(ctx), mode=0o644),
        WriteFile(HARESOURCES, haresources(ctx), mode=0o644),
        # Heartbeat refuses to start unless authkeys is mode 600; it holds the key.
        WriteFile(AUTHKEYS, authkeys(ctx), mode=0o600, secret=True),
        *agent_files(ctx),
    ]
