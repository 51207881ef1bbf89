"""The CIB as data (wizard.pacemaker.cib): what Pacemaker gets for the answers, the crmsh script it is written
as, and that script loaded by the real crmsh into an empty CIB file and checked by crm_verify."""

from __future__ import annotations

import dataclasses

import pytest
from helpers.golden import PACEMAKER_SETS, context, stored

from wizard.core.plan import PlanContext
from wizard.pacemaker import cib
from wizard.pacemaker.confcheck import crm_tools, logical_lines, parse_crm_output, run_crm_check
from wizard.pacemaker.render import cib_script_path


def ctx(answers: str = "lab-pacemaker", **spec: object) -> PlanContext:
    c = context(answers, "8.4")
    return dataclasses.replace(c, spec=dataclasses.replace(c.spec, **spec)) if spec else c


def by_id(c: PlanContext) -> dict[str, cib.CibObject]:
    return {o.id if not isinstance(o, cib.Properties) else o.id + str(o.values): o for o in cib.cib_objects(c)}


def test_drbd_is_a_promotable_clone_and_the_group_follows_its_promoted_instance() -> None:
    objs = by_id(ctx())
    drbd, clone = objs["p_drbd_r0"], objs["cl_drbd_r0"]
    assert isinstance(drbd, cib.Primitive) and drbd.agent == "ocf:linbit:drbd"
    assert ("drbd_resource", "r0") in drbd.params
    assert {op.role for op in drbd.ops if op.name == "monitor"} == {"Promoted", "Unpromoted"}
    assert isinstance(clone, cib.Clone) and clone.child == "p_drbd_r0"
    assert dict(clone.meta) == {"promotable": "true", "promoted-max": "1", "promoted-node-max": "1",
                                "clone-max": "2", "clone-node-max": "1", "notify": "true"}
    group = objs["g_service"]
    assert isinstance(group, cib.Group) and group.members == ("p_fs", "p_ip", "p_svc_apache2")
    col, order = objs["col_service_with_drbd"], objs["ord_drbd_before_service"]
    assert isinstance(col, cib.Colocation) and (col.rsc, col.with_rsc, col.with_role, col.score) == \
        ("g_service", "cl_drbd_r0", "Promoted", "inf")
    assert isinstance(order, cib.Order) and (order.first, order.first_action, order.then, order.then_action) == \
        ("cl_drbd_r0", "promote", "g_service", "start")
    fs, ip, svc = objs["p_fs"], objs["p_ip"], objs["p_svc_apache2"]
    assert isinstance(fs, cib.Primitive) and dict(fs.params) == {"device": "/dev/drbd0", "directory": "/replicated",
                                                                 "fstype": "ext4"}
    assert isinstance(ip, cib.Primitive) and dict(ip.params) == {"ip": "10.99.0.100", "cidr_netmask": "24",
                                                                 "nic": "eth1"}
    assert isinstance(svc, cib.Primitive) and svc.agent == "systemd:apache2"


def test_stonith_off_only_behind_the_typed_answer_with_the_risk_beside_it() -> None:
    off = [o for o in cib.cib_objects(ctx()) if isinstance(o, cib.Properties) and o.id == "property"]
    assert len(off) == 1 and dict(off[0].values) == {"stonith-enabled": "false", "no-quorum-policy": "ignore"}
    assert "RISK" in off[0].why and "split brain" in off[0].why
    on = cib.cib_objects(ctx(fencing="stonith"))
    props = [dict(o.values) for o in on if isinstance(o, cib.Properties) and o.id == "property"]
    assert props == [{"stonith-enabled": "true"}]
    assert "stonith-enabled=false" not in cib.crm_script(ctx(fencing="stonith"))


def test_without_an_agent_the_fence_devices_are_named_placeholders() -> None:
    script = cib.crm_script(ctx(fencing="stonith"))
    assert cib.placeholders(script) == ["nodes[1].fence_target", "stonith.login", "stonith.password_script",
                                        "nodes[2].fence_target"]
    assert "# NOT READY: fill in nodes[1].fence_target" in script


def test_ipmi_devices_one_per_node_never_on_their_own_node_the_master_delayed() -> None:
    objs = by_id(ctx("pacemaker-ipmi"))
    alpha, beta = objs["st_alpha"], objs["st_beta"]
    assert isinstance(alpha, cib.Primitive) and isinstance(beta, cib.Primitive)
    assert alpha.agent == beta.agent == "stonith:fence_ipmilan"
    assert dict(alpha.params) == {"ip": "10.30.0.1", "username": "hacluster",
                                  "password_script": "/root/bmc-password.sh", "lanplus": "1",
                                  "pcmk_host_list": "alpha", "pcmk_delay_base": "5s"}
    assert "pcmk_delay_base" not in dict(beta.params) and dict(beta.params)["ip"] == "bmc-beta.example.com"
    for dev, node in (("st_alpha", "alpha"), ("st_beta", "beta")):
        loc = objs[f"loc_{dev}_elsewhere"]
        assert isinstance(loc, cib.Location) and (loc.rsc, loc.score, loc.node) == (dev, "-inf", node)
    assert cib.placeholders(cib.crm_script(ctx("pacemaker-ipmi"))) == []


def test_virsh_devices_map_each_node_to_its_vm() -> None:
    c = ctx("pacemaker-ipmi")
    st = dataclasses.replace(c.spec.stonith, agent="fence_virsh", hypervisor="kvm-host",
                             identity_file="/root/.ssh/fence")
    objs = by_id(dataclasses.replace(c, spec=dataclasses.replace(c.spec, stonith=st)))
    beta = objs["st_beta"]
    assert isinstance(beta, cib.Primitive) and beta.agent == "stonith:fence_virsh"
    assert dict(beta.params) == {"ip": "kvm-host", "username": "hacluster", "identity_file": "/root/.ssh/fence",
                                 "pcmk_host_map": "beta:bmc-beta.example.com"}


@pytest.mark.parametrize(("auto_failback", "stickiness"), [(False, "100"), (True, "0")])
def test_auto_failback_is_stickiness_against_the_masters_preference(auto_failback: bool, stickiness: str) -> None:
    c = ctx()
    hb = dataclasses.replace(c.spec.heartbeat, auto_failback=auto_failback)
    objs = cib.cib_objects(dataclasses.replace(c, spec=dataclasses.replace(c.spec, heartbeat=hb)))
    defaults = [o for o in objs if isinstance(o, cib.Properties) and o.id == "rsc_defaults"]
    assert [dict(o.values) for o in defaults] == [{"resource-stickiness": stickiness}]
    prefer = next(o for o in objs if o.id == "loc_prefer_master")
    assert isinstance(prefer, cib.Location) and (prefer.node, prefer.role, prefer.score) == ("node1", "Promoted", "50")


def test_ids_are_xml_ids_and_comments_are_xml_comments() -> None:
    c = ctx()
    drbd = dataclasses.replace(c.spec.drbd, resource="r.0-a")
    odd = dataclasses.replace(c, spec=dataclasses.replace(c.spec, drbd=drbd))
    assert cib.drbd_ids(odd) == ("p_drbd_r.0-a", "cl_drbd_r.0-a")
    assert cib.safe_id("a b/c") == "a_b_c"
    for answers in PACEMAKER_SETS:
        for o in cib.cib_objects(context(answers, "8.4")):
            assert "--" not in o.why  # crmsh keeps comments as XML comments, which cannot hold "--"


def test_logical_lines_are_crmshs_line_numbers() -> None:
    script = "# a\nprimitive a \\\n    b \\\n    c\n\n# b\ngroup g a\n"
    assert logical_lines(script) == [1, 2, 6, 7]


def test_crm_output_becomes_problems_on_the_script_lines() -> None:
    script = cib.crm_script(ctx())
    out = ("\x1b[31mERROR\x1b[0m: 12: syntax in colocation: Invalid role 'X'\n"
           "ERROR: systemd:apache2: got no meta-data, does this RA exist?\n"
           "ERROR: systemd:apache2: no such resource agent\n"
           "WARNING: (unpack_config) \twarning: Blind faith: not fencing unseen nodes\n"
           "WARNING: p_drbd_r0: interval in monitor must be unique\n"
           "Traceback (most recent call last):\n")
    found = parse_crm_output(out, script, "/cib.crm")
    assert [(p.line, p.fatal) for p in found] == [(logical_lines(script)[11], True), (None, False), (None, False)]
    assert found[0].message == "crm: syntax in colocation: Invalid role 'X'"
    assert "systemd:apache2 is not on this machine" in found[1].message


# --- crmsh itself ---------------------------------------------------------------------------------
def _need_crmsh() -> None:
    if crm_tools() is None:
        pytest.skip("crmsh and pacemaker-cli-utils are not installed here: scripts/setup --test installs them")


@pytest.mark.parametrize("answers", PACEMAKER_SETS)
def test_every_golden_cib_script_loads_into_crmsh_and_passes_crm_verify(answers: str) -> None:
    _need_crmsh()
    c = context(answers, "8.4")
    path = cib_script_path(c)
    script = stored(answers, "8.4")[path.lstrip("/")]
    found = run_crm_check(script, cib.object_ids(cib.cib_objects(c)), path=path)
    assert [p for p in found if p.fatal] == []
    # what cannot be looked up here is said, and only that
    assert all("is not on this machine" in p.message for p in found), found


BROKEN = [
    ("cl_drbd_r0:Promoted", "cl_drbd_r0:Leader", "Invalid role 'Leader'", "colocation col_service"),
    ("drbd_resource=r0", "drbd_resourse=r0", 'parameter "drbd_resourse" is not known', None),
    ("group g_service p_fs p_ip", "group g_service p_fs p_ipx", "g_service refers to missing object p_ipx", None),
    ("ocf:heartbeat:IPaddr2", "ocf:heartbeat:IPaddr3", "ocf:heartbeat:IPaddr3: got no meta-data", None),
    ("property stonith-enabled=false no-quorum-policy=ignore", "property no-quorum-policy=ignore",
     "no STONITH resources have been defined", None),
    ("location loc_prefer_master cl_drbd_r0 role=Promoted 50: node1",
     "location loc_prefer_master cl_drbd_r0 role=Promoted fifty: node1", "", None),
]


@pytest.mark.parametrize(("old", "new", "said", "on_line"), BROKEN, ids=[b[1][:30] for b in BROKEN])
def test_crmsh_and_crm_verify_name_what_is_wrong(old: str, new: str, said: str, on_line: str | None) -> None:
    _need_crmsh()
    c = ctx()
    script = cib.crm_script(c)
    assert old in script
    bad = script.replace(old, new, 1)
    found = [p for p in run_crm_check(bad, cib.object_ids(cib.cib_objects(c)), path="/x/cib.crm") if p.fatal]
    assert found, "a broken script passed"
    assert any(said in p.message for p in found), found
    if on_line:
        assert any(p.line and bad.splitlines()[p.line - 1].startswith(on_line) for p in found), found
