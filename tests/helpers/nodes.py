"""Healthy lab-like facts and answers that each preflight table test bends in one place."""

from __future__ import annotations

import dataclasses
import ipaddress
import tomllib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from wizard.core.spec import Spec, spec_from_dict
from wizard.executors.base import Executor, Result
from wizard.nodes.blockdevs import merge, parse_fdisk, parse_lsblk_json
from wizard.nodes.facts import NodeFacts, Signatures
from wizard.nodes.parse import Versions

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data" / "captures"
LAB = ROOT / "examples" / "lab.toml"
VDB1 = 260096 * 512  # the lab's /dev/vdb1: sectors 2048..262143


def read(name: str) -> str:
    return (DATA / name).read_text()


def lab_spec(change: Callable[[dict[str, Any]], None] | None = None) -> Spec:
    raw = tomllib.loads(LAB.read_text())
    if change:
        change(raw)
    spec, _ = spec_from_dict(raw, source="lab.toml")
    return spec


def _ifaces(n: int) -> dict[str, tuple[Any, ...]]:
    ip = ipaddress.ip_interface
    return {"lo": (ip("127.0.0.1/8"),), "eth0": (ip("10.0.2.15/24"),), "eth1": (ip(f"10.99.0.{n}/24"),)}


def node_facts(n: int, **changes: Any) -> NodeFacts:
    """node1/node2 as the lab VMs are: blank /dev/vdb1, DRBD 8.4.11, drbd-utils 9.22, heartbeat 3.0.6."""
    report = merge(parse_fdisk(read("fdisk-2.38-lab-vdb.txt")), [])
    f = NodeFacts(
        node=f"node{n}", hostname=f"node{n}", machine_id=f"{n:032x}", addresses=_ifaces(n), disks=report,
        signatures={"/dev/vdb1": Signatures(())}, drbd=Versions("8.4.11", "9.22.0", 1), drbd_module="8.4.11",
        package_db="dpkg", package_manager="apt-get",
        packages={"drbd-utils": "9.22.0-1", "heartbeat": "1:3.0.6-13+b2", "sendmail": "8.17.1.9-2"},
        serial_ports=("/dev/ttyS0",),
    )
    return dataclasses.replace(f, **changes)


def both(**changes: Any) -> dict[str, NodeFacts]:
    return {"node1": node_facts(1, **changes), "node2": node_facts(2, **changes)}


def with_lsblk(f: NodeFacts) -> NodeFacts:
    """Facts with the lab lsblk capture merged in (vda1 on /, vda5 swap, vdb1 held by drbd0 ...)."""
    text = read("fdisk-2.38-multi.txt") + "\n" + read("fdisk-2.38-lab-vdb.txt")
    devs = parse_lsblk_json(read("lsblk-lab-node1.json"))
    return dataclasses.replace(f, disks=merge(parse_fdisk(text), devs), blockdevs=tuple(devs))


class FakeExecutor(Executor):
    """Answers probes from a function and records every argv (no process is started)."""

    def __init__(self, node: str, answer: Callable[[Sequence[str]], Result] | None = None) -> None:
        self.node = node
        self.label = "fake"
        self.calls: list[list[str]] = []
        self.answer = answer or (lambda argv: Result(0, ""))

    def _exec(self, argv: Sequence[str], *, input: str | None, timeout: float,
              env: dict[str, str] | None) -> Result:
        self.calls.append(list(argv))
        return self.answer(argv)

    def pty_argv(self, argv: Sequence[str]) -> list[str]:
        return list(argv)
