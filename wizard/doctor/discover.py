"""Which pair doctor is looking at, and where its peer answers SSH: from the answers file, from ``--peer``, or
from this node's own files (/etc/drbd.conf and its includes, ha.cf, haresources), as an admin would work it out.

Pure: the local node's snapshot in, the intent and the peer's candidate addresses out (each with where it was
read, for the message when none answers).
"""

from __future__ import annotations

from dataclasses import dataclass

from wizard.core.spec import Spec
from wizard.doctor.drbdconf import DRBD_CONF, read_config
from wizard.doctor.pair import Intent, holds, parse_haresources
from wizard.doctor.probe import NodeSnapshot
from wizard.errors import WizardError
from wizard.heartbeat.confcheck import directives
from wizard.heartbeat.render import HA_CF, HARESOURCES


class CannotRead(WizardError):
    """doctor cannot read the pair (exit 2)."""

    exit_code = 2


@dataclass(frozen=True)
class Target:
    """The peer: the name the config gives it and the addresses to try, in order, with their source."""

    name: str
    hosts: tuple[tuple[str, str], ...]
    user: str = "root"
    port: int = 22


def from_answers(spec: Spec, local: NodeSnapshot) -> tuple[Intent, Target]:
    names = [n.name for n in spec.nodes]
    me = next((n for n in spec.nodes if n.name == local.name), None) or \
        next((n for n in spec.nodes if holds(local, n.address)), None)
    if me is None:
        raise CannotRead(f"this machine ({local.name}, {local.facts.address_list()}) is neither {names[0]} nor "
                         f"{names[1]} of {spec.source or 'the answers'}: run doctor on one of the pair's nodes")
    if spec.demo:
        raise CannotRead(f"{spec.source or 'these answers'} is the tutorial's demo (demo = true), whose network is "
                         "never contacted: give your own answers file, or run doctor without --answers")
    peer = next(n for n in spec.nodes if n is not me)
    intent = Intent(f"answers {spec.source}", spec.master, tuple(names), spec.drbd.resource, me.name)
    return intent, Target(peer.name, ((peer.ssh or peer.address, f"the answers' nodes[{names.index(peer.name) + 1}]"),),
                          peer.ssh_user, peer.ssh_port)


def from_files(local: NodeSnapshot, peer_host: str = "") -> tuple[Intent, Target]:
    """The pair as this node's files describe it. ``peer_host`` (--peer) overrides every address found."""
    me = local.name
    cfg = read_config(local.files)
    groups = parse_haresources(local.files.get(HARESOURCES, ""))
    ha_nodes = [(i, a) for i, d, args in directives(local.files.get(HA_CF, "")) if d == "node" for a in args]
    if cfg is None and HA_CF not in local.files and not peer_host:
        raise CannotRead(f"{me} has neither {DRBD_CONF} nor {HA_CF}: run doctor on a node of the pair, or say "
                         "where the pair is: --answers FILE or --peer HOST")
    resource = groups[0].drbd_resource if groups and groups[0].drbd_resource else ""
    res = (cfg.resource(resource) if cfg and resource else None) or \
        (cfg.resources[0] if cfg and cfg.resources else None)
    hosts: list[tuple[str, str]] = []
    name = ""
    if res is not None:
        others = [h for h in res.hosts if h.name != me]
        # a typo in this node's own `on` name leaves two "others": the peer is the one whose address is not here
        peer = next((h for h in others if h.address and not holds(local, h.address)), None) or \
            next(iter(others), None)
        if peer is not None:
            name = peer.name
            if peer.address:
                hosts.append((peer.address, f"{peer.file}:{peer.address_line} (on {peer.name})"))
    if not name:
        name = next((a for _, a in ha_nodes if a != me), "")
    for i, d, args in directives(local.files.get(HA_CF, "")):
        if d == "ucast" and len(args) == 2 and not holds(local, args[1]):
            hosts.append((args[1], f"{HA_CF}:{i} (ucast)"))
    if name:
        hosts.append((name, f"the peer's name {name} (/etc/hosts or DNS)"))
    if peer_host:
        hosts = [(peer_host, "--peer")]
    if not hosts:
        raise CannotRead(f"{me}'s files name no peer (no other `on` section in {DRBD_CONF}, no other `node` in "
                         f"{HA_CF}): say where it is with --peer HOST")
    files = [p for p in (DRBD_CONF, HA_CF, HARESOURCES) if p in local.files]
    intent = Intent(f"pair discovered from {me}'s " + ", ".join(files) if files else "peer given by --peer",
                    resource=res.name if res is not None else resource)
    first: dict[str, str] = {}
    for host, where in hosts:
        first.setdefault(host, where)
    return intent, Target(name or peer_host, tuple(first.items()))
