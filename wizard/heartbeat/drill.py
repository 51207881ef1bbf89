"""Heartbeat as the failover drill sees it (``wizard.failover.stack.Stack``): its log, the log lines that
show the other node reacting, how the serving node hands everything over, and the state conditions."""

from __future__ import annotations

from wizard.core.spec import Spec
from wizard.failover.stack import Stack
from wizard.heartbeat.conditions import cluster_probe

HA_LOG = "/var/log/ha-log"
# The first line Heartbeat logs on the node taking over: the peer declared dead (power cut), or the peer
# going standby / shutting down (hand-over).
DETECT = r"is dead|standby|[Ss]hutdown notice|Resources being acquired|acquire .*resources"
# hb_standby sends "give up all resources" to the cluster: the other node takes them, both keep running.
STANDBY = ("sh", "-c", "for d in /usr/share/heartbeat /usr/lib/heartbeat /usr/lib64/heartbeat; do "
                       '[ -x "$d/hb_standby" ] && exec "$d/hb_standby" all; done; '
                       "echo 'hb_standby not found (heartbeat package)' >&2; exit 127", "hb_standby", "all")


def heartbeat_stack(spec: Spec, family: str) -> Stack:
    s = spec
    return Stack(
        name="Heartbeat", log=HA_LOG, detect=DETECT, standby_argv=STANDBY,
        probe=cluster_probe(family, s.drbd.resource),
        active=("ha-active", (str(s.drbd.minor), s.drbd.device, s.storage.mount_point, s.service.vip)),
        standby=("ha-standby", (str(s.drbd.minor), s.storage.mount_point, s.service.vip)),
    )


def settings(spec: Spec) -> str:
    hb = spec.heartbeat
    return (f"profile {hb.profile}: keepalive {hb.keepalive}, warntime {hb.warntime}, deadtime {hb.deadtime}, "
            f"initdead {hb.initdead}; DRBD ping-int {spec.drbd.ping_int}")
