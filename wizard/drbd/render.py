"""DRBD's configuration files, rendered from the jinja2 templates in ``templates/drbd/``.

Pure functions of the PlanContext: no I/O besides reading templates. The DRBD syntax follows
``ctx.drbd_family`` ("8.3", "8.4" or "9"); the files are identical on both nodes (DRBD expects verbatim
copies), so ``node`` only selects which node's step the files belong to. The resync rate follows the
measured replication link (``wizard.drbd.linkspeed``) unless the answers set one.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from functools import cache
from typing import Any

from wizard.core.actions import WriteFile
from wizard.core.plan import PlanContext
from wizard.core.resources import render, templates_dir
from wizard.heartbeat.render import heartbeat_libexec

FAMILIES = ("8.3", "8.4", "9")
DRBD_CONF = "/etc/drbd.conf"
GLOBAL_COMMON = "/etc/drbd.d/global_common.conf"
# drbd-utils' notify scripts (Debian ships them in /usr/lib/drbd; /lib/drbd is the same directory).
DRBD_SCRIPTS = "/usr/lib/drbd"
# Stopping Heartbeat demotes the DRBD resource, and DRBD waits for a handler to return before it
# handles that state change: run in the foreground this would deadlock, so it is detached.
STOP_HEARTBEAT = "/etc/init.d/heartbeat stop </dev/null >/dev/null 2>&1 &"
# Under Pacemaker (ctx.stack): drbd-utils' handlers that put a constraint in the CIB keeping the peer from
# being promoted while its data is not known good, and lift it after the resync. The plain .sh pair is
# for DRBD 8.x (its constraint says role Master, which Pacemaker 2.1 still reads); the .9.sh pair, on
# DRBD 9's unfence-peer hook, for DRBD 9 (reference README, lab 2026-11-30).
CRM_HANDLERS = {"8.3": ("crm-fence-peer.sh", "after-resync-target", "crm-unfence-peer.sh"),
                "8.4": ("crm-fence-peer.sh", "after-resync-target", "crm-unfence-peer.sh"),
                "9": ("crm-fence-peer.9.sh", "unfence-peer", "crm-unfence-peer.9.sh")}

# Dynamic resync controller settings (DRBD >= 8.3.9). c-plan-ahead is in tenths of a second: 2 s is
# ten times a LAN's round trip, as LINBIT recommends; c-fill-target 1M, not LINBIT's 100k starting
# value: measured in the lab (docs/drbd.md) it doubles the initial sync's throughput, 100k keeping too
# little in flight to fill the link.
PLAN_AHEAD = 20
FILL_TARGET = "1M"
ASSUMED_LINK_KIB = 100 * 1024  # 100M: what a gigabit link carries, when no link rate was measured
MIN_CONTROLLER_KIB = 250  # drbdadm refuses a c-max-rate below 250K
_UNITS = {"": 1, "K": 1, "M": 1024, "G": 1024 * 1024}


@cache
def debian_file(name: str) -> str:
    """A distribution file shipped verbatim in templates/drbd/debian/ (copied, never rendered)."""
    return (templates_dir() / "drbd" / "debian" / name).read_text(encoding="utf-8")


# --- rates ---------------------------------------------------------------------------------------
def rate_kib(rate: str) -> int:
    """A DRBD rate ("10M", "250K", "300" = KiB/s) in KiB/s."""
    text = rate.strip().upper()
    unit = text[-1] if text and text[-1] in "KMG" else ""
    number = text[: -1] if unit else text
    if not number.isdigit():
        raise ValueError(f"not a DRBD rate: {rate!r} (write it like 100M)")
    return int(number) * _UNITS[unit]


def format_kib(kib: int) -> str:
    if kib >= 1024 * 1024 and kib % (1024 * 1024) == 0:
        return f"{kib // (1024 * 1024)}G"
    if kib >= 1024:
        return f"{kib // 1024}M"  # rounded down: a rate is a ceiling
    return f"{kib}K"


def link_rate_kib(ctx: PlanContext) -> int | None:
    """The measured replication link rate, if gathered: a DRBD rate string or bytes per second."""
    value = ctx.facts.get("link_rate")
    if isinstance(value, bool) or value is None or value == "":
        return None
    if isinstance(value, int | float):
        return max(1, int(value) // 1024)
    try:
        return rate_kib(str(value))
    except ValueError:
        return None


@dataclass(frozen=True)
class ResyncRate:
    start: str  # 8.3 `rate`; 8.4/9 `resync-rate`
    max: str  # c-max-rate (controller only)
    controller: bool
    why: str  # goes into the config as a comment
    plan_ahead: int = PLAN_AHEAD
    fill_target: str = FILL_TARGET


def resync_rate(ctx: PlanContext) -> ResyncRate:
    given = ctx.spec.drbd.sync_rate
    link = link_rate_kib(ctx)
    base = link or ASSUMED_LINK_KIB
    src = f"the measured link ({format_kib(base)})" if link else f"an assumed gigabit link ({format_kib(base)})"
    if ctx.drbd_family == "8.3":
        # 8.3's module may predate the controller (8.3.9), so 8.3 gets a fixed rate.
        if given:
            return ResyncRate(given, given, False, f"drbd.sync_rate = {given}, from the answers.")
        rate = format_kib(max(1, base * 3 // 10))
        return ResyncRate(rate, rate, False,
                          f"No drbd.sync_rate: 30% of {src}, leaving room for the service's writes.")
    if given:
        if rate_kib(given) < MIN_CONTROLLER_KIB:
            return ResyncRate(given, given, False,
                              f"drbd.sync_rate = {given} is below the controller's 250K floor: a fixed rate.")
        return ResyncRate(given, given, True, f"drbd.sync_rate = {given} (from the answers) is its start and its cap.")
    start = format_kib(max(MIN_CONTROLLER_KIB, base // 3))
    return ResyncRate(start, format_kib(max(MIN_CONTROLLER_KIB, base)), True,
                      f"No drbd.sync_rate: c-max-rate = {src}, resync-rate = a third (LINBIT's rule).")


# --- split-brain policies (drbd.after_sb_0pri/1pri/2pri): what each one risks, written beside it -------
AFTER_SB_RISK = {
    "discard-zero-changes": "a side that wrote nothing since the split takes the other's changes; if both "
                            "wrote, nothing is decided (safe)",
    "discard-least-changes": "the side with fewer changed blocks loses them, silently: they may be the ones "
                             "that mattered",
    "discard-younger-primary": "the side promoted last loses its changes, silently",
    "discard-older-primary": "the side promoted first loses its changes, silently",
    "discard-secondary": "the Secondary's changes are discarded: safe while the Primary is where clients wrote",
    "consensus": "discard the Secondary only when the no-Primary policy would choose the same side",
    "call-pri-lost-after-sb": "the losing Primary's changes are discarded and its pri-lost-after-sb handler "
                              "runs (it stops Heartbeat there)",
    "disconnect": "never guess: stay disconnected and mail the split-brain notice; a person decides "
                  "(`ha-wizard recover-split-brain`)",
}


AFTER_SB_RISK_PACEMAKER = {
    "call-pri-lost-after-sb": "the losing Primary's changes are discarded and its pri-lost-after-sb handler "
                              "mails the notice",
}


def after_sb(ctx: PlanContext) -> list[tuple[str, str, str]]:
    d = ctx.spec.drbd
    return [(f"after-sb-{n}pri", v, AFTER_SB_RISK.get(v, "")) for n, v in
            ((0, d.after_sb_0pri), (1, d.after_sb_1pri), (2, d.after_sb_2pri))]


# --- DRBD ----------------------------------------------------------------------------------------
def _family(ctx: PlanContext) -> str:
    if ctx.drbd_family not in FAMILIES:
        raise ValueError(f"unknown DRBD syntax {ctx.drbd_family!r}: expected one of {', '.join(FAMILIES)}")
    return ctx.drbd_family


def resource_path(ctx: PlanContext) -> str:
    """The file that holds the resource: one /etc/drbd.conf for 8.3, /etc/drbd.d/<resource>.res after."""
    return DRBD_CONF if _family(ctx) == "8.3" else f"/etc/drbd.d/{ctx.spec.drbd.resource}.res"


def _endpoint(address: str, port: int) -> str:
    ip = ipaddress.ip_address(address)
    return f"ipv6 [{ip}]:{port}" if ip.version == 6 else f"{ip}:{port}"


def crm_fencing(ctx: PlanContext) -> dict[str, str] | None:
    """The fence-peer handlers when Pacemaker runs DRBD (None under Heartbeat)."""
    if ctx.stack != "pacemaker":
        return None
    fence, hook, unfence = CRM_HANDLERS[_family(ctx)]
    return {"fence": f"{DRBD_SCRIPTS}/{fence}", "hook": hook, "unfence": f"{DRBD_SCRIPTS}/{unfence}"}


def drbd_values(ctx: PlanContext) -> dict[str, Any]:
    s = ctx.spec
    d = s.drbd
    crm = crm_fencing(ctx)
    sb = after_sb(ctx)
    if crm:  # the handler only mails under Pacemaker: no Heartbeat to stop
        sb = [(k, v, AFTER_SB_RISK_PACEMAKER.get(v, risk)) for k, v, risk in sb]
    return {
        "target": resource_path(ctx), "family": ctx.drbd_family,
        "resource": d.resource, "protocol": d.protocol, "device": d.device, "meta_disk": d.meta_disk,
        "timeout": d.timeout, "connect_int": d.connect_int, "ping_int": d.ping_int,
        "max_buffers": d.max_buffers, "max_epoch_size": d.max_epoch_size, "ko_count": d.ko_count,
        "cram_hmac_alg": d.cram_hmac_alg, "shared_secret": ctx.secrets.shared_secret,
        "al_extents": d.al_extents, "wfc_timeout": d.wfc_timeout, "degr_wfc_timeout": d.degr_wfc_timeout,
        "rate": resync_rate(ctx), "after_sb": sb,
        "notify": d.split_brain_notify, "scripts": DRBD_SCRIPTS, "stop_heartbeat": STOP_HEARTBEAT,
        "dopd": d.fencing == "dopd" and not crm, "outdater": f"{heartbeat_libexec(ctx)}/drbd-peer-outdater",
        "crm": crm,
        "nodes": [{"name": n.name, "disk": n.disk, "endpoint": _endpoint(n.address, d.port), "node_id": i}
                  for i, n in enumerate(s.nodes)],
    }


def drbd_text(ctx: PlanContext) -> str:
    """The DRBD configuration that defines the resource, in the syntax of ``ctx.drbd_family``."""
    template = {"8.3": "drbd/drbd-8.3.conf.j2", "8.4": "drbd/resource-8.4.res.j2",
                "9": "drbd/resource-9.res.j2"}[_family(ctx)]
    return render(template, d=drbd_values(ctx))


def drbd_files(ctx: PlanContext, node: str) -> list[WriteFile]:
    """DRBD's files for ``node``, in the layout the installed drbd-utils reads.

    8.4 and 9: /etc/drbd.conf (which includes drbd.d/global_common.conf and drbd.d/*.res) and
    global_common.conf (which says `usage-count no`) byte-identical to Debian 12's drbd-utils conffiles,
    so on Debian they stay untouched ("already as planned") and elsewhere the engine shows the diff and
    keeps a backup before replacing them; the resource itself goes to /etc/drbd.d/<resource>.res.
    Planning them also lets `render` produce a tree that `drbdadm -c DIR/etc/drbd.conf` parses whole.
    8.3: the one /etc/drbd.conf holds everything.
    """
    ctx.require_node(node)
    text = drbd_text(ctx)
    # The resource holds the shared-secret: root-only, and shown masked.
    res = WriteFile(resource_path(ctx), text, mode=0o600, secret=True)
    if _family(ctx) == "8.3":
        return [res]
    return [WriteFile(DRBD_CONF, debian_file("drbd.conf"), mode=0o644),
            WriteFile(GLOBAL_COMMON, debian_file("global_common.conf"), mode=0o644), res]
