"""Choosing the partitions: refusals with the reason, typed confirmations naming the device, exit 40."""

from __future__ import annotations

import dataclasses

import pytest
from helpers.nodes import VDB1, both, lab_spec, node_facts, with_lsblk

from wizard.core.plan import PlanContext
from wizard.core.secrets import Secrets
from wizard.disks.choice import candidates, check_disk, check_pair, peer_for, propose
from wizard.disks.meta import usable_bytes
from wizard.drbd.createmd import create_md_confirm
from wizard.flow.registry import conditions
from wizard.nodes.blockdevs import Mount, Swap, merge, parse_fdisk
from wizard.nodes.facts import NodeFacts, Signatures, unreached

KEYS = Secrets("s" * 32, "a" * 32)


def n1(**changes: object) -> NodeFacts:
    return node_facts(1, **changes)


@pytest.mark.parametrize(
    ("facts", "device", "words"),
    [
        (n1(mounts=(Mount("/dev/vdb1", "/srv", "ext4", "rw"),)), "/dev/vdb1", "is mounted on /srv: unmount it"),
        (n1(swaps=(Swap("/dev/vdb1", "partition", 1, 0),)), "/dev/vdb1", "swapoff /dev/vdb1"),
        (n1(pvs={"/dev/vdb1": "vg0"}), "/dev/vdb1", "LVM physical volume in volume group vg0"),
        (n1(md_members={"/dev/vdb1": "md0"}), "/dev/vdb1", "member of RAID array md0"),
        (n1(holders={"/dev/vdb1": ("/dev/dm-0",)}), "/dev/vdb1", "in use by /dev/dm-0"),
        (n1(), "/dev/vdb2", "/dev/vdb2 does not exist on node1; its partitions: /dev/vdb1 (127.0 MiB)"),
        (with_lsblk(n1()), "/dev/vda2", "extended partition"),
        (with_lsblk(n1()), "/dev/vda1", "mounted on /"),  # from lsblk's MOUNTPOINT alone
        (with_lsblk(n1()), "/dev/vda5", "in use as swap"),  # lsblk's [SWAP]
    ],
)
def test_refused_with_the_reason(facts: NodeFacts, device: str, words: str) -> None:
    c = check_disk(facts, "node1", device)
    assert c.verdict == "refused" and words in c.reason, c.reason


def test_held_by_our_own_drbd_device_is_a_resumed_run() -> None:
    facts = n1(holders={"/dev/vdb1": ("/dev/drbd0",)}, signatures={"/dev/vdb1": Signatures(("drbd",))})
    assert check_disk(facts, "node1", "/dev/vdb1", drbd_device="/dev/drbd0").verdict == "ok"
    assert check_disk(facts, "node1", "/dev/vdb1", drbd_device="/dev/drbd1").verdict == "refused"


def test_blank_partition_is_ok_and_needs_no_confirmation() -> None:
    c = check_disk(n1(), "node1", "/dev/vdb1")
    assert (c.verdict, c.confirm, c.size_bytes) == ("ok", None, VDB1)
    assert c.prediction is not None and c.prediction.outcome == "fresh"


def test_filesystem_with_room_needs_the_typed_device() -> None:
    facts = n1(signatures={"/dev/vdb1": Signatures(("ext3",), True, 32 << 20, "data")})
    c = check_disk(facts, "node1", "/dev/vdb1")
    assert c.verdict == "confirm" and c.confirm is not None
    assert c.confirm.token == "node1:/dev/vdb1"
    assert "holds a filesystem or signature of type ext3 (label 'data', 32.0 MiB)" in c.confirm.message
    assert c.prediction is not None and c.prediction.outcome == "fs-with-room"


def test_filesystem_filling_the_partition_predicts_exit_40_and_the_three_ways_out() -> None:
    facts = n1(signatures={"/dev/vdb1": Signatures(("ext4",), True, VDB1)})
    c = check_disk(facts, "node1", "/dev/vdb1")
    assert c.verdict == "refused" and c.prediction is not None and c.prediction.exit_code == 40
    assert "Device size would be truncated" not in c.reason  # plain words instead of drbdmeta's
    assert "exit code 40" in c.reason
    assert [w.split()[0] for w in c.prediction.ways_out] == ["use", "shrink", "wipe"]
    assert c.fix.count("; or ") == 2
    assert c.confirm is not None  # never touched without the typed token, even if it could run


@pytest.mark.parametrize(
    ("sig", "words"),
    [
        (Signatures(("drbd",)), "DRBD meta-data from an earlier setup"),
        (Signatures((), known=False), "could not check"),
        (None, "could not check"),  # never probed: assumed to hold something
        (Signatures(("LVM2_member",)), "of type LVM2_member"),
    ],
)
def test_other_contents_need_confirmation(sig: Signatures | None, words: str) -> None:
    facts = n1(signatures={"/dev/vdb1": sig} if sig else {})
    c = check_disk(facts, "node1", "/dev/vdb1")
    assert c.verdict == "confirm" and c.confirm is not None and words in c.confirm.message


def test_unreached_node_is_unknown() -> None:
    c = check_disk(unreached("node2", "not contacted"), "node2", "/dev/vdb1")
    assert c.verdict == "unknown" and "not contacted" in c.reason


def ctx(facts: dict[str, object], meta_disk: str = "internal") -> PlanContext:
    spec = lab_spec(lambda raw: raw["drbd"].update(meta_disk=meta_disk))
    return PlanContext(spec=spec, secrets=KEYS, facts=facts)


def test_create_md_confirm() -> None:
    facts: dict[str, object] = dict(both())
    assert create_md_confirm(ctx(facts), "node2") is None  # proven blank
    assert create_md_confirm(ctx({}), "node2") is None  # no facts: drbdmeta's own prompts guard it
    facts["node2"] = node_facts(2, signatures={"/dev/vdb1": Signatures(("ext3",), True, 32 << 20)})
    c = create_md_confirm(ctx(facts), "node2")
    assert c is not None and c.token == "node2:/dev/vdb1"
    assert "/dev/vdb1 on node2 holds a filesystem or signature of type ext3" in c.message
    assert create_md_confirm(ctx(facts), "node1") is None
    facts["link_rate"] = 12_500_000  # other facts share the dict: ignored
    assert create_md_confirm(ctx(facts), "node1") is None


def test_create_md_confirm_external_meta_names_the_meta_device() -> None:
    sigs = {"/dev/vdb1": Signatures(("ext3",), True, 32 << 20), "/dev/vdc1": Signatures(("xfs",))}
    report = merge(parse_fdisk("Disk /dev/vdc: 1 GiB, 1073741824 bytes, 2097152 sectors\n"
                               "Units: sectors of 1 * 512 = 512 bytes\nDevice Boot Start End Sectors Size Id Type\n"
                               "/dev/vdc1 2048 264191 262144 128M 83 Linux\n"), [])
    f2 = node_facts(2, signatures=sigs)
    f2 = dataclasses.replace(f2, disks=dataclasses.replace(f2.disks, partitions=f2.disks.partitions
                                                           + report.partitions))
    c = create_md_confirm(ctx({"node2": f2}, meta_disk="/dev/vdc1"), "node2")
    assert c is not None and c.token == "node2:/dev/vdc1" and "create-md writes DRBD's meta-data over it" in c.message


def test_candidates_and_equal_size_peer_proposed() -> None:
    a, b = with_lsblk(n1()), with_lsblk(node_facts(2))
    devices = [c.device for c in candidates(a)]
    assert "/dev/vda2" not in devices and "/dev/vdb1" in devices  # extended container left out
    pairs = propose(a, b)
    assert all(not p.local.extended for p in pairs)
    assert "/dev/vda1" not in [p.local.device for p in pairs]  # mounted on /: refused, never proposed
    p = peer_for("/dev/vdb1", n1(), node_facts(2))
    assert p is not None and p.peer.device == "/dev/vdb1" and p.equal and p.usable_bytes == usable_bytes(VDB1)


def test_pair_of_different_sizes_uses_the_smaller_less_metadata() -> None:
    spec = lab_spec()
    small = node_facts(2)
    part = dataclasses.replace(small.disks.partitions[0], size_bytes=100 << 20)
    small = dataclasses.replace(small, disks=dataclasses.replace(small.disks, partitions=(part,)))
    pair = check_pair(spec, {"node1": n1(), "node2": small})
    assert pair.equal is False and pair.usable_bytes == usable_bytes(100 << 20)
    assert f"{usable_bytes(100 << 20):,} bytes" in pair.note and "stay unused" in pair.note
    ext = check_pair(lab_spec(lambda raw: raw["drbd"].update(meta_disk="/dev/vdc1")), {"node1": n1(), "node2": small})
    assert ext.usable_bytes == 100 << 20  # external meta-data: the whole smaller partition


def test_plan_stops_create_md_on_a_disk_with_ext3_until_the_device_is_typed(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from wizard.core.engine import Engine
    from wizard.core.journal import Journal
    from wizard.core.secrets import Redactor
    from wizard.errors import ConfirmationRequired
    from wizard.executors.dryrun import DryRunExecutor
    from wizard.flow.tutorial import build_plan

    facts: dict[str, object] = dict(both())
    facts["node2"] = node_facts(2, signatures={"/dev/vdb1": Signatures(("ext3",), True, 32 << 20)})
    steps = {s.id: s for s in build_plan(ctx(facts))}
    assert [c.token for c in steps["create-md@node2"].confirmations][:1] == ["node2:/dev/vdb1"]
    upfront = [a.confirm for a in steps["create-md@node1"].actions if getattr(a, "confirm", None)]
    assert upfront == []  # node1's disk is proven blank: drbdadm's own prompts are the only guard
    asked: list[str] = []

    def refuse(c, host):  # type: ignore[no-untyped-def]
        asked.append(c.token)
        return False

    ex = DryRunExecutor("node2", None, "test")
    engine = Engine({"node2": ex}, Journal.open(tmp_path), redactor=Redactor(), confirm=refuse,
                    conditions=conditions())
    with pytest.raises(ConfirmationRequired, match="--confirm node2:/dev/vdb1"):
        engine.run([steps["create-md@node2"]])
    assert asked == ["node2:/dev/vdb1"]
    assert not [r for r in ex.recorded if "create-md" in r.detail]  # drbdadm never started
