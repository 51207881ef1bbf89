"""Pacemaker + Corosync on both nodes, in place of Heartbeat's steps (docs/pacemaker.md): the files, DRBD off at
boot, Debian's default one-node CIB cleared, the cluster started and both nodes seen online, the CIB loaded
once on the master, then the proof from the nodes' real state that the master holds everything and the peer
stands by.

Pure: each builder turns the PlanContext into actions and the checks that prove a step done on the host, so a
resume never clears a running cluster's CIB or loads the CIB twice. Every crmsh call took 9-16 s under
emulation in the lab reference: the timeouts are generous.
"""

from __future__ import annotations

import shlex

from wizard.core.actions import Check, Run, Step, WaitFor
from wizard.core.conditions import checksum_checks, verify_written
from wizard.core.plan import PlanContext
from wizard.core.spec import Spec
from wizard.core.verify import NodeState, ServiceChecks, active_step, standby_step
from wizard.errors import WizardError
from wizard.heartbeat.boot import RELEASE, handover
from wizard.pacemaker import render
from wizard.pacemaker.cib import GROUP, crm_script, drbd_ids, drbd_ids_of, placeholders, service_primitives
from wizard.pacemaker.conditions import crm_probe, node_probe

ONLINE_S = 300.0  # Corosync joining both nodes, then Pacemaker electing its DC
CRM_S = 300.0  # one crmsh call: 9-16 s under emulation, far more on a loaded host
ACQUIRE_S = 600.0  # the promote (it may wait for DRBD's peer timeout), the mount, the address, the services
# Written on a node once Debian's default CIB was cleared for this pair: proves the step done on resume.
FRESH_MARK = "/var/lib/pacemaker/ha-wizard-fresh-cib"
CIB_DIR = "/var/lib/pacemaker/cib"

# corosync -t on the node itself, before anything is written: stdin holds the key (one line), then the file.
# The key goes to a private temp file (never argv); the check's own log stays in that folder.
COROSYNC_CHECK = r"""
PATH=$PATH:/usr/sbin:/sbin
command -v corosync >/dev/null 2>&1 || exit 127
umask 077; d=$(mktemp -d) || exit 1; trap 'rm -rf "$d"' EXIT
IFS= read -r key; printf '%s' "$key" > "$d/authkey"
cat > "$d/corosync.conf"
printf '\ntotem {\n    keyfile: %s\n}\nlogging {\n    logfile: %s/corosync.log\n    to_syslog: no\n}\n' \
  "$d/authkey" "$d" >> "$d/corosync.conf"
corosync -c "$d/corosync.conf" -t
"""

# Debian starts Corosync and Pacemaker right after the install, with its own one-node corosync.conf: that
# CIB (and the node ids it learnt) must go before this pair's first start. Never while this pair's cluster
# already runs (crm_node -l names both nodes as members): a resume keeps the CIB it loaded.
CLEAR_DEFAULT = r"""
PATH=$PATH:/usr/sbin:/sbin; mark=$1 dir=$2 a=$3 b=$4
l=$(crm_node -l 2>/dev/null)
case "$l" in *" $a member"*) case "$l" in *" $b member"*) mkdir -p "${mark%/*}"; touch "$mark"; exit 0;; esac;; esac
systemctl stop pacemaker.service corosync.service || exit 1
rm -rf "$dir"/* || exit 2
mkdir -p "${mark%/*}" && touch "$mark"
"""


# The master's release before the CIB is loaded (after the guard: the CIB already holds this pair's DRBD
# clone, so Pacemaker runs the resources and nothing is released).
def pcmk_handover(clone: str) -> str:
    needle = shlex.quote(f'id="{clone}"')
    guard = f"cibadmin -Q -o resources 2>/dev/null | grep -q {needle} && exit 0; "
    return "PATH=$PATH:/usr/sbin:/sbin; " + guard + RELEASE


def unit_names(ctx: PlanContext) -> list[str]:
    """The services' systemd units the CIB runs, in the answers' order (what the handover stops first)."""
    return [p.agent.split(":", 1)[1] for p in service_primitives(ctx)]


def corosync_check_run(ctx: PlanContext) -> Run:
    """This node's corosync parses the planned corosync.conf with the planned key before either is written."""
    return Run(("sh", "-c", COROSYNC_CHECK, "sh"), input=f"{ctx.secrets.corosync_key}\n{render.corosync_conf(ctx)}",
               timeout=60, explain=(
                   (127, "corosync is missing on this node: install corosync (`apt-get install corosync`), then run "
                         "`ha-wizard resume`"),
                   (8, "this node's corosync rejects the planned corosync.conf (its message is above); nothing was "
                       "written. See the file with `ha-wizard render`."),
               ))


def files_step(ctx: PlanContext, node: str) -> Step:
    files = render.pacemaker_files(ctx, node)
    master = node == ctx.spec.master
    return Step(
        id=f"pacemaker-files@{node}", kind="pacemaker-files",
        title="Corosync files: corosync.conf, authkey" + (", and the CIB script" if master else ""), host=node,
        actions=(corosync_check_run(ctx), *files, verify_written(files)), checks=checksum_checks(files),
        why="Corosync needs the same corosync.conf (who the nodes are, the links, the timing) and the same "
            "authkey (mode 400) on both nodes; each node's own `corosync -t` checks them before they are "
            "written." + (" The CIB script waits in the journal folder until the cluster runs." if master else ""),
    )


DRBD_OFF_AT_BOOT = "! systemctl is-enabled --quiet drbd.service 2>/dev/null || systemctl disable drbd.service"


def boot_step(ctx: PlanContext, node: str) -> Step:
    return Step(
        id=f"drbd-boot@{node}", kind="drbd-boot", title="DRBD off at boot; Corosync and Pacemaker on", host=node,
        # only when enabled: `systemctl disable` of a unit with an init script runs update-rc.d and a reload
        # even when there is nothing to change (~12 s on a slow node); a missing unit is off already
        actions=(Run(("sh", "-c", DRBD_OFF_AT_BOOT), explain=(
                     (1, "systemctl could not disable drbd.service (its message is above)"),)),
                 Run(("systemctl", "enable", "corosync.service", "pacemaker.service"), explain=(
                     (1, "the corosync or pacemaker unit is missing: reinstall corosync and pacemaker"),))),
        checks=(Check(("sh", "-c", "! systemctl is-enabled --quiet drbd.service 2>/dev/null"), "exit-zero"),
                Check(("systemctl", "is-enabled", "--quiet", "corosync.service", "pacemaker.service"), "exit-zero")),
        why=f"Under Pacemaker, drbd-utils' agent starts {ctx.spec.drbd.resource} and decides where it is Primary: "
            "DRBD's own unit must not start it first. Corosync and Pacemaker start at boot; with two_node, a "
            "node that boots alone waits to see its peer once before it runs anything.",
    )


def fresh_cib_step(ctx: PlanContext, node: str) -> Step:
    m, p = ctx.order
    return Step(
        id=f"pacemaker-fresh@{node}", kind="pacemaker-fresh", title="clear Debian's default one-node CIB", host=node,
        actions=(Run(("sh", "-c", CLEAR_DEFAULT, "sh", FRESH_MARK, CIB_DIR, m, p), timeout=180, explain=(
            (1, "Corosync or Pacemaker would not stop: `systemctl status corosync pacemaker` says why"),
            (2, f"{CIB_DIR} could not be emptied: see the message above"))),),
        checks=(Check(("test", "-e", FRESH_MARK), "exit-zero"),),
        why="The packages start Corosync and Pacemaker at once with a one-node configuration; its CIB is removed "
            "(the daemons stopped first) so this pair starts from an empty one. Skipped when this pair's "
            "cluster already runs: a resume keeps its CIB.",
    )


def start_step(ctx: PlanContext, node: str) -> Step:
    return Step(
        id=f"pacemaker-start@{node}", kind="pacemaker-start", title="start Corosync and Pacemaker", host=node,
        actions=(Run(("systemctl", "start", "corosync.service"), timeout=180, explain=(
                     (1, "Corosync did not start: /var/log/corosync/corosync.log on this node says why (a node "
                         "name that is not `uname -n`, an address this node does not have, the authkey)"),)),
                 Run(("systemctl", "start", "pacemaker.service"), timeout=180, explain=(
                     (1, "Pacemaker did not start: `journalctl -u pacemaker` on this node says why"),))),
        checks=(Check(("systemctl", "is-active", "--quiet", "corosync.service", "pacemaker.service"), "exit-zero"),),
        why="Master first, then the peer. The CIB is still empty: nothing runs until it is loaded.",
    )


def online_step(ctx: PlanContext) -> Step:
    m, p = ctx.order
    clone = drbd_ids(ctx)[1]
    return Step(
        id="pacemaker-online", kind="pacemaker-start", title=f"wait until {m} and {p} are both online", host=m,
        actions=(WaitFor(crm_probe(), "pcmk-online", (clone, m, p), timeout=ONLINE_S, interval=2,
                         what=f"crm_mon showing {m} and {p} online"),),
        checks=(Check(crm_probe(), "pcmk-online", (clone, m, p)),),
        why="Corosync must see both nodes (two_node waits for all on a first start) before the CIB is loaded.",
    )


def require_cib_ready(ctx: PlanContext) -> None:
    """A CIB script with placeholders (STONITH answers missing) is never loaded: one sentence, before any step."""
    missing = placeholders(crm_script(ctx))
    if missing and ctx.spec.fencing != "none-confirmed":
        raise WizardError(f"the CIB is NOT READY: STONITH needs {', '.join(missing)} in the answers; fill them in, "
                          'or set cluster.fencing = "none-confirmed" knowing the risk (docs/pacemaker.md, Fencing)')


def cib_step(ctx: PlanContext) -> Step:
    s = ctx.spec
    clone = drbd_ids(ctx)[1]
    path = render.cib_script_path(ctx)
    return Step(
        id=f"cib-load@{s.master}", kind="cib-load", title="load the CIB (crm configure load update)", host=s.master,
        actions=(
            # the file itself is refused when it still names a missing answer (require_cib_ready says so first)
            Run(("sh", "-c", 'grep -q "NOT READY" "$1" && exit 3; exit 0', "sh", path), explain=(
                (3, f"{path} is NOT READY (STONITH answers missing): fill them in, or set cluster.fencing = "
                    "\"none-confirmed\" knowing the risk"),)),
            handover(ctx, unit_names(ctx), pcmk_handover(clone)),
            Run(("crm", "configure", "load", "update", path), timeout=CRM_S, explain=(
                (1, f"crmsh refused {path} (its message is above): `crm configure show` shows what the CIB "
                    "holds; fix the answers and run `ha-wizard resume`"),)),
        ),
        checks=(Check(crm_probe(), "pcmk-cib-loaded", (clone, GROUP)),),
        why=f"Once, on {s.master}: the cluster shares the CIB. What the earlier steps left running here (the "
            "services, the mount, DRBD Primary) is released just before, so Pacemaker starts the whole chain "
            "itself: DRBD promoted, then the mount, the address and the services.",
    )


def active_args(spec: Spec) -> tuple[str, ...]:
    """pcmk-active's arguments (the node is the one the probe runs on: the same for either node)."""
    return (drbd_ids_of(spec)[1], str(spec.drbd.minor), spec.drbd.device, spec.storage.mount_point, spec.service.vip)


def standby_args(spec: Spec) -> tuple[str, ...]:
    return (drbd_ids_of(spec)[1], str(spec.drbd.minor), spec.storage.mount_point, spec.service.vip)


def probe(ctx: PlanContext) -> tuple[str, ...]:
    return node_probe(ctx.drbd_family, ctx.spec.drbd.resource)


def verify_active_step(ctx: PlanContext, services: ServiceChecks = ()) -> Step:
    """The master holds DRBD Promoted (Primary), the mount, the address and the services."""
    s = ctx.spec
    state = NodeState(probe(ctx), "pcmk-active", active_args(s), ACQUIRE_S, f"{s.master} Promoted, "
                      f"{s.storage.mount_point}, {s.service.vip}, the group started", interval=2)
    why = ("Read from the node itself (DRBD role, /proc/mounts, `ip -o addr`, each service's own answer) and "
           "from crm_mon (DRBD Promoted, the group started here).")
    return active_step("pacemaker", s.master, state, why, services)


def verify_standby_step(ctx: PlanContext) -> Step:
    s = ctx.spec
    p = s.peer_node.name
    state = NodeState(probe(ctx), "pcmk-standby", standby_args(s), 120,
                      f"{p} Unpromoted, nothing mounted, no {s.service.vip}", interval=2)
    return standby_step("pacemaker", p, "Unpromoted", state, f"The peer holds nothing until {s.master} fails or is put "
                        f"in standby: DRBD Unpromoted (Secondary), nothing on {s.storage.mount_point}, no "
                        f"{s.service.vip}, and crm_mon agrees.")


def pacemaker_steps(ctx: PlanContext, services: ServiceChecks = ()) -> list[Step]:
    """Pacemaker's part of the plan, master first where a step runs on both nodes."""
    m, p = ctx.order
    steps = [files_step(ctx, n) for n in (m, p)]
    steps += [boot_step(ctx, n) for n in (m, p)]
    steps += [fresh_cib_step(ctx, n) for n in (m, p)]
    steps += [start_step(ctx, n) for n in (m, p)]
    steps += [online_step(ctx), cib_step(ctx), verify_active_step(ctx, services), verify_standby_step(ctx)]
    return steps
