"""The CIB as data: what Pacemaker must run, built from the answers, and written as the script crmsh's
`crm configure load update FILE` reads (crmsh 4.4 with Pacemaker 2.1, Debian 12; docs/pacemaker.md).

- DRBD: ``ocf:linbit:drbd`` (drbd-utils) as a promotable clone (``clone ... meta promotable=true``,
  Pacemaker 2's form of the old master/slave ``ms``, which crmsh 4.4 still reads but calls deprecated);
- the mount (``Filesystem``), the address (``IPaddr2``) and the recipes' systemd units, as one group, in
  that start order, colocated with the Promoted DRBD instance and started only after the promote;
- fencing: one STONITH device per node (fence_ipmilan or fence_virsh), or, only when the answers say
  cluster.fencing = "none-confirmed", STONITH off with no-quorum-policy=ignore, the risk written beside it.

Pure: the builder returns values; ``crm_script`` formats them. No pcs form: pcs is not installed where this
is checked, and an unchecked script would be a guess.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass

from wizard.core.plan import PlanContext
from wizard.core.spec import Spec
from wizard.services.recipes import enabled_recipes

# Operation timeouts: Pacemaker's default (20 s) is too tight for the DRBD agent and for services under
# emulation (lab reference, 2026-11-30); these are LINBIT's suggested DRBD timeouts and generous others.
DRBD_OPS = (("monitor", "29s", "60s", "Promoted"), ("monitor", "31s", "60s", "Unpromoted"),
            ("start", "0", "240s", ""), ("stop", "0", "100s", ""), ("promote", "0", "90s", ""),
            ("demote", "0", "90s", ""), ("notify", "0", "90s", ""))
FS_OPS = (("monitor", "20s", "40s", ""), ("start", "0", "60s", ""), ("stop", "0", "60s", ""))
IP_OPS = (("monitor", "10s", "20s", ""), ("start", "0", "20s", ""), ("stop", "0", "20s", ""))
SERVICE_OPS = (("monitor", "30s", "60s", ""), ("start", "0", "100s", ""), ("stop", "0", "100s", ""))
STONITH_OPS = (("monitor", "60s", "30s", ""),)
PREFER_MASTER = 50  # below the stickiness: after a failover the services stay where they are
STICKINESS = 100
FENCE_DELAY = "5s"  # the master's device waits: in a split both fence at once, and the master wins
PLACEHOLDER = "<missing: {}>"
PLACEHOLDER_RE = re.compile(r"<missing: ([^>]+)>")
_ID_BAD = re.compile(r"[^A-Za-z0-9_.-]")


@dataclass(frozen=True)
class Op:
    name: str
    interval: str
    timeout: str
    role: str = ""


@dataclass(frozen=True)
class Primitive:
    id: str
    agent: str  # class:provider:type, e.g. ocf:linbit:drbd, systemd:apache2, stonith:fence_ipmilan
    params: tuple[tuple[str, str], ...]
    ops: tuple[Op, ...]
    why: str


@dataclass(frozen=True)
class Clone:
    id: str
    child: str
    meta: tuple[tuple[str, str], ...]
    why: str


@dataclass(frozen=True)
class Group:
    id: str
    members: tuple[str, ...]
    why: str


@dataclass(frozen=True)
class Colocation:
    id: str
    rsc: str
    with_rsc: str
    with_role: str
    why: str
    score: str = "inf"


@dataclass(frozen=True)
class Order:
    id: str
    first: str
    first_action: str
    then: str
    then_action: str
    why: str
    kind: str = "Mandatory"


@dataclass(frozen=True)
class Location:
    id: str
    rsc: str
    score: str
    node: str
    why: str
    role: str = ""


@dataclass(frozen=True)
class Properties:
    id: str  # "property" (cluster options) or "rsc_defaults"
    values: tuple[tuple[str, str], ...]
    why: str


CibObject = Primitive | Clone | Group | Colocation | Order | Location | Properties


def safe_id(text: str) -> str:
    """A CIB id from a name (XML ids: letters, digits, '_', '.', '-')."""
    return _ID_BAD.sub("_", text)


def service_id(name: str) -> str:
    """The CIB id of a recipe's service primitive (the group's members after the address)."""
    return f"p_svc_{safe_id(name)}"


def _ops(table: Sequence[tuple[str, str, str, str]]) -> tuple[Op, ...]:
    return tuple(Op(*row) for row in table)


def drbd_ids(ctx: PlanContext) -> tuple[str, str]:
    """(primitive, promotable clone) ids of the DRBD resource."""
    return drbd_ids_of(ctx.spec)


def drbd_ids_of(spec: Spec) -> tuple[str, str]:
    res = safe_id(spec.drbd.resource)
    return f"p_drbd_{res}", f"cl_drbd_{res}"


GROUP = "g_service"


def service_primitives(ctx: PlanContext) -> list[Primitive]:
    """The recipes' units, as systemd resources, in the answers' order (Pacemaker starts them, not boot)."""
    out = []
    for r in enabled_recipes(ctx.spec):
        unit = r.unit.removesuffix(".service")
        out.append(Primitive(service_id(r.name), f"systemd:{unit}", (), _ops(SERVICE_OPS),
                             f"{r.name}: its unit {r.unit}, started from the replicated disk"))
    return out


def resources(ctx: PlanContext) -> list[CibObject]:
    s = ctx.spec
    drbd, clone = drbd_ids(ctx)
    services = service_primitives(ctx)
    return [
        Primitive(drbd, "ocf:linbit:drbd", (("drbd_resource", s.drbd.resource),), _ops(DRBD_OPS),
                  f"DRBD resource {s.drbd.resource}, run by drbd-utils' agent (DRBD's own unit stays off at boot)"),
        Clone(clone, drbd, (("promotable", "true"), ("promoted-max", "1"), ("promoted-node-max", "1"),
                            ("clone-max", "2"), ("clone-node-max", "1"), ("notify", "true")),
              "on both nodes, Promoted (Primary) on one: the promotable clone (Pacemaker 2's master/slave)"),
        Primitive("p_fs", "ocf:heartbeat:Filesystem",
                  (("device", s.drbd.device), ("directory", s.storage.mount_point),
                   ("fstype", s.storage.filesystem)), _ops(FS_OPS),
                  f"the mount: {s.drbd.device} on {s.storage.mount_point} ({s.storage.filesystem})"),
        Primitive("p_ip", "ocf:heartbeat:IPaddr2",
                  (("ip", s.service.vip), ("cidr_netmask", str(s.service.netmask)), ("nic", s.service.interface)),
                  _ops(IP_OPS), f"the service address {s.service.vip}/{s.service.netmask} on {s.service.interface}"),
        *services,
        Group(GROUP, ("p_fs", "p_ip", *(p.id for p in services)),
              "started in this order, stopped in reverse: the data first, then the address, then the services"),
    ]


def constraints(ctx: PlanContext) -> list[CibObject]:
    _, clone = drbd_ids(ctx)
    return [
        Colocation("col_service_with_drbd", GROUP, clone, "Promoted",
                   "the group runs only where DRBD is Promoted (Primary)"),
        Order("ord_drbd_before_service", clone, "promote", GROUP, "start",
              "and starts only after the promote (stops before the demote)"),
        Location("loc_prefer_master", clone, str(PREFER_MASTER), ctx.spec.master,
                 f"{ctx.spec.master} (the master) is preferred when both are equal", role="Promoted"),
    ]


def _target(ctx: PlanContext, index: int) -> str:
    n = ctx.spec.nodes[index]
    return n.fence_target or PLACEHOLDER.format(f"nodes[{index + 1}].fence_target")


def _given(value: str, key: str) -> str:
    return value or PLACEHOLDER.format(f"stonith.{key}")


def stonith_params(ctx: PlanContext, index: int) -> tuple[str, tuple[tuple[str, str], ...]]:
    """(agent, parameters) of the device that fences node ``index``; missing answers become placeholders."""
    st = ctx.spec.stonith
    node = ctx.spec.nodes[index].name
    agent = st.agent or "fence_ipmilan"
    if agent == "fence_virsh":
        params = [("ip", _given(st.hypervisor, "hypervisor")), ("username", _given(st.login, "login")),
                  ("identity_file", _given(st.identity_file, "identity_file")),
                  ("pcmk_host_map", f"{node}:{_target(ctx, index)}")]
    else:
        # lanplus: IPMI 2.0, what every BMC of the last fifteen years speaks; the password comes from a
        # script on the nodes, so it is in neither the answers nor the CIB.
        params = [("ip", _target(ctx, index)), ("username", _given(st.login, "login")),
                  ("password_script", _given(st.password_script, "password_script")), ("lanplus", "1"),
                  ("pcmk_host_list", node)]
    if node == ctx.spec.master:
        params.append(("pcmk_delay_base", FENCE_DELAY))
    return agent, tuple(params)


def fencing(ctx: PlanContext) -> list[CibObject]:
    if ctx.spec.fencing == "none-confirmed":
        return [Properties("property", (("stonith-enabled", "false"), ("no-quorum-policy", "ignore")),
                           "STONITH OFF, as the answers confirmed (cluster.fencing = \"none-confirmed\"). RISK: "
                           "when the nodes lose each other but both live, both may run the services and write "
                           "on their own disk (split brain; DRBD then refuses to reconnect and someone must "
                           "discard one side's changes). Only for a lab or with another guard.")]
    out: list[CibObject] = []
    for i, n in enumerate(ctx.spec.nodes):
        agent, params = stonith_params(ctx, i)
        dev = f"st_{safe_id(n.name)}"
        why = f"fences {n.name} (power off and on through {agent}), run from the other node"
        if n.name == ctx.spec.master:
            why += f"; waits {FENCE_DELAY} first, so in a split the master survives"
        out += [Primitive(dev, f"stonith:{agent}", params, _ops(STONITH_OPS), why),
                Location(f"loc_{dev}_elsewhere", dev, "-inf", n.name, "a node never runs its own fence device")]
    out.append(Properties("property", (("stonith-enabled", "true"),),
                          "STONITH on: a node that stops answering is powered off before the other takes over"))
    return out


def fencing_summary(spec: Spec) -> str:
    """One line on how Pacemaker fences, as the answers say (the Review screen shows it, never a secret: the
    password stays in its script on the nodes)."""
    if spec.fencing == "none-confirmed":
        return ('Fencing: STONITH off (cluster.fencing = "none-confirmed"): a broken link can lead to a split '
                "brain.")
    agent = spec.stonith.agent
    if not agent:
        return "Fencing: STONITH on, but no fence agent chosen yet: the plan is NOT READY until [stonith] is given."
    what = "BMC" if agent == "fence_ipmilan" else "VM"
    targets = ", ".join(f"{n.name}'s {what} {n.fence_target or '(missing)'}" for n in spec.nodes)
    return f"Fencing: STONITH on through {agent} ({targets})."


def cib_objects(ctx: PlanContext) -> list[CibObject]:
    """Everything the CIB gets, in the order the script lists it."""
    sticky = 0 if ctx.spec.heartbeat.auto_failback else STICKINESS
    why = ("heartbeat.auto_failback on: no stickiness, the services return to the master when it is back"
           if sticky == 0 else
           "heartbeat.auto_failback off: the services stay where they run when the master returns (stickiness "
           f"{STICKINESS} outweighs the master's preference of {PREFER_MASTER})")
    return [*resources(ctx), *constraints(ctx), *fencing(ctx),
            Properties("rsc_defaults", (("resource-stickiness", str(sticky)),), why)]


# --- the crmsh script ------------------------------------------------------------------------------------
def _value(v: str) -> str:
    return f'"{v}"' if not re.fullmatch(r"[A-Za-z0-9_.:/@+-]+", v) else v


def _pairs(values: Sequence[tuple[str, str]]) -> str:
    return " ".join(f"{k}={_value(v)}" for k, v in values)


def _packed(word: str, values: Sequence[tuple[str, str]], width: int = 96) -> list[str]:
    """``word k=v k=v ...`` over as many lines as it takes (crmsh joins the continuation lines)."""
    lines = [word]
    for k, v in values:
        item = f"{k}={_value(v)}"
        if len(lines[-1]) + 1 + len(item) > width and lines[-1] != word:
            lines.append(f"    {item}")
        else:
            lines[-1] += f" {item}"
    return lines


def _op(op: Op) -> str:
    role = f" role={op.role}" if op.role else ""
    return f"op {op.name} interval={op.interval}{role} timeout={op.timeout}"


def crm_lines(obj: CibObject) -> list[str]:
    """One object as crm configure lines (continuations end with a backslash), its why as a comment first:
    crmsh keeps such a comment in the CIB, attached to the object."""
    if isinstance(obj, Primitive):
        body = [f"primitive {obj.id} {obj.agent}"]
        if obj.params:
            body += _packed("params", obj.params)
        body += [_op(op) for op in obj.ops]
    elif isinstance(obj, Clone):
        body = [f"clone {obj.id} {obj.child}", *_packed("meta", obj.meta)]
    elif isinstance(obj, Group):
        body = [f"group {obj.id} {' '.join(obj.members)}"]
    elif isinstance(obj, Colocation):
        body = [f"colocation {obj.id} {obj.score}: {obj.rsc} {obj.with_rsc}:{obj.with_role}"]
    elif isinstance(obj, Order):
        body = [f"order {obj.id} {obj.kind}: {obj.first}:{obj.first_action} {obj.then}:{obj.then_action}"]
    elif isinstance(obj, Location):
        role = f" role={obj.role}" if obj.role else ""
        body = [f"location {obj.id} {obj.rsc}{role} {obj.score}: {obj.node}"]
    else:
        body = [f"{obj.id} {_pairs(obj.values)}"]
    text = [body[0] + (" \\" if len(body) > 1 else "")]
    text += [f"    {line}" + (" \\" if i < len(body) - 2 else "") for i, line in enumerate(body[1:])]
    return [*(f"# {line}" for line in textwrap.wrap(obj.why, 100)), *text]


def object_ids(objects: Sequence[CibObject]) -> list[str]:
    """The ids the CIB must hold once the script is loaded (cluster options and defaults have fixed ones)."""
    return [o.id for o in objects if not isinstance(o, Properties)]


def placeholders(text: str) -> list[str]:
    """The answers a script still lacks (named in its <missing: KEY> placeholders), in order, once each."""
    return list(dict.fromkeys(PLACEHOLDER_RE.findall(text)))


def crm_script(ctx: PlanContext) -> str:
    head = [f"# The Pacemaker configuration (CIB) of {ctx.spec.service.hostname}, written by ha-wizard for crmsh:",
            "#   crm configure load update THIS-FILE   (on one node, once Corosync and Pacemaker run on both)",
            "# Change the answers file, not this file."]
    missing = placeholders("\n".join(line for o in cib_objects(ctx) for line in crm_lines(o)))
    if missing:
        head += [f"# {line}" for line in textwrap.wrap(f"NOT READY: fill in {', '.join(missing)} in the answers "
                                                       "(docs/pacemaker.md, Fencing).", 100)]
    blocks = ["\n".join(crm_lines(o)) for o in cib_objects(ctx)]
    return "\n".join(head) + "\n\n" + "\n\n".join(blocks) + "\n"
