"""Pacemaker as the failover drill sees it (``wizard.failover.stack.Stack``): its log, the lines that show the
node taking over reacted, how the serving node hands everything over (``crm node standby``), and the state
conditions (crm_mon and the node's real state, ``wizard.pacemaker.conditions``).

Detection is matched to Heartbeat's: Heartbeat logs "is dead" after deadtime; Corosync suspects the peer
after token ("A processor failed, forming new configuration" in corosync.log) and the membership changes after
token + consensus, which the totem table keeps within deadtime (docs/pacemaker.md). Pacemaker logs that moment
as "Node <name> state is now lost" (the wording of Pacemaker 2.1's crm_update_peer_state_iter, the pattern its
own test suite waits for), in /var/log/pacemaker/pacemaker.log, where the promote and the starts follow.
"""

from __future__ import annotations

from wizard.core.spec import Spec
from wizard.failover.stack import Stack
from wizard.pacemaker.cib import GROUP, STICKINESS
from wizard.pacemaker.conditions import node_probe
from wizard.pacemaker.steps import active_args, standby_args
from wizard.pacemaker.timing import totem

PACEMAKER_LOG = "/var/log/pacemaker/pacemaker.log"
# The first line the node taking over logs: the peer lost (power cut), or the CIB change that puts the serving
# node in standby (the hand-over: pacemaker-based logs the diff on every node, "standby" with value on).
DETECT = (r"Node \S+ state is now lost|A processor failed, forming new configuration"
          r"|standby.*value=\"?on\b|standby'\]:\s+@value=on")
HANDOVER_WAIT_S = 100  # within the drill's 120 s for the whole command

# Run on the serving node. $1 $2: both node names, $3: 1 when the services stay where they run (stickiness),
# $4: the group. The other node may still be in standby from an earlier drill: it comes back online first.
# With stickiness this node comes back online as the standby once the group runs on the other; without it
# (heartbeat.auto_failback on) it stays in standby, or the group would come straight back.
STANDBY_SCRIPT = r"""
PATH=$PATH:/usr/sbin:/sbin
me=$(uname -n); if [ "$me" = "$1" ]; then other=$2; else other=$1; fi
crm node online "$other" || exit 1
crm node standby "$me" || exit 1
i=0
until crm_resource --locate --resource "$4" 2>/dev/null | grep -q "running on: $other\$"; do
  i=$((i+1)); [ $i -ge WAIT ] && { echo "the group does not run on $other after WAIT s (crm_mon -1)" >&2; exit 1; }
  sleep 1
done
if [ "$3" = 1 ]; then crm node online "$me"
else echo "$me stays in standby: crm node online $me brings the services back"; fi
""".replace("WAIT", str(HANDOVER_WAIT_S))


def standby_argv(spec: Spec) -> tuple[str, ...]:
    """The hand-over; its last two words are what the drill says it runs ("crm node standby")."""
    a, b = (n.name for n in spec.nodes)
    sticky = "0" if spec.heartbeat.auto_failback else "1"
    return ("sh", "-c", STANDBY_SCRIPT, "sh", a, b, sticky, GROUP, "crm", "node standby")


def pacemaker_stack(spec: Spec, family: str) -> Stack:
    return Stack(
        name="Pacemaker", log=PACEMAKER_LOG, detect=DETECT, standby_argv=standby_argv(spec),
        probe=node_probe(family, spec.drbd.resource),
        active=("pcmk-active", active_args(spec)), standby=("pcmk-standby", standby_args(spec)),
    )


def settings(spec: Spec) -> str:
    t = totem(spec.heartbeat)
    sticky = 0 if spec.heartbeat.auto_failback else STICKINESS
    return (f"profile {spec.heartbeat.profile}: Corosync token {t.token} ms, consensus {t.consensus} ms "
            f"(Heartbeat's deadtime {spec.heartbeat.deadtime} s); resource-stickiness {sticky}; "
            f"DRBD ping-int {spec.drbd.ping_int}")
