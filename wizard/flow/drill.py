"""The failover drill, composed: the answers, this node and its peer (one SSH connection), the cluster stack
(Heartbeat, or Pacemaker + Corosync), the services' health checks, the engine's conditions. Runs on either
node of the pair."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from wizard.core.answers import load_answers
from wizard.core.plan import PlanContext
from wizard.core.secrets import Secrets
from wizard.core.spec import Spec
from wizard.errors import WizardError
from wizard.executors.base import Executor
from wizard.executors.local import LocalExecutor
from wizard.executors.ssh import SshExecutor
from wizard.failover.drill import Drill
from wizard.failover.stack import Stack, Target
from wizard.flow import registry
from wizard.flow.session import Options, _host_key_decider
from wizard.heartbeat import drill as heartbeat
from wizard.pacemaker import drill as pacemaker
from wizard.services.health import health_checks


def drbd_family_of(*executors: Executor) -> str:
    """The DRBD syntax family from /proc/drbd of the first node that runs DRBD (a node just booted may not yet)."""
    for ex in executors:
        m = re.search(r"^version:\s*(\d+)\.(\d+)", ex.probe(["cat", "/proc/drbd"]).out, re.M)
        if m:
            return "9" if m.group(1) == "9" else f"{m.group(1)}.{m.group(2)}"
    raise WizardError(f"DRBD is not running on {' or '.join(ex.node for ex in executors)} (no /proc/drbd): the "
                      "pair is not set up; run `ha-wizard apply` first")


# "auto" on a set-up pair: the stack that runs there (the facts that chose it at apply time are not kept)
PACEMAKER_RUNS = ("sh", "-c", "systemctl is-active --quiet pacemaker.service 2>/dev/null")


def running_stack(spec: Spec, here: Executor) -> str:
    """"heartbeat" or "pacemaker": the answers' cluster.stack; "auto" is what runs on this node."""
    if spec.stack != "auto":
        return spec.stack
    return "pacemaker" if here.probe(list(PACEMAKER_RUNS)).ok else "heartbeat"


def drill_stack(spec: Spec, family: str, here: Executor) -> tuple[Stack, str]:
    """(the stack as the drill sees it, its timing in words) for the answers' cluster.stack."""
    if running_stack(spec, here) == "pacemaker":
        return pacemaker.pacemaker_stack(spec, family), pacemaker.settings(spec)
    return heartbeat.heartbeat_stack(spec, family), heartbeat.settings(spec)


def connect(spec: Spec, options: Options, purpose: str = "the drill", *,
            peer: bool = True) -> tuple[str, dict[str, Executor]]:
    """(this node's name, {node: executor}): local for this node, SSH to the other (``peer=False``: this node
    only). ``purpose`` names what needs them in the sentence for a machine that is neither node."""
    local = LocalExecutor("this machine")
    here = local.probe(["uname", "-n"]).out.strip()
    names = [n.name for n in spec.nodes]
    if here not in names:
        raise WizardError(f"this machine is '{here}', not one of the answers' nodes ({', '.join(names)}): run "
                          f"{purpose} on one of them")
    local.node = here
    if not peer:
        return here, {here: local}
    other = next(n for n in spec.nodes if n.name != here)
    remote = SshExecutor(other.name, other.ssh or other.address, user=other.ssh_user, port=other.ssh_port,
                         known_hosts=options.known_hosts, identity=options.identity,
                         decide_host_key=_host_key_decider(options))
    return here, {here: local, other.name: remote}


def open_drill(answers: str | Path, options: Options, say: Callable[[str], None]) -> Drill:
    spec, _ = load_answers(answers)
    if spec.demo:
        raise WizardError("these answers are the tutorial's demo (demo = true): a drill needs your real servers")
    here, executors = connect(spec, options)
    family = drbd_family_of(*executors.values())
    ctx = PlanContext(spec=spec, secrets=Secrets("", ""), drbd_family=family)
    d, s = spec.drbd, spec.storage
    stack, timing = drill_stack(spec, family, executors[here])
    return Drill(executors=executors, preferred=spec.master, addresses={n.name: n.address for n in spec.nodes},
                 here=here, target=Target(d.minor, d.device, s.mount_point, spec.service.vip, family, d.resource),
                 stack=stack, conditions=registry.conditions(),
                 services=health_checks(ctx), state_dir=options.journal_dir or spec.wizard.journal_dir,
                 settings=timing, say=say)
