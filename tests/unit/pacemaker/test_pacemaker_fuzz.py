"""Fuzzing the Pacemaker answers: whatever a person puts in [cluster] stack and fencing, [stonith], the nodes'
second_address and fence_target (and the keys they meet: drbd.fencing, heartbeat.second_interface and the
timing), ha-wizard answers with one-line problems naming a key, or valid answers whose whole plan is built
(one CIB load) while their files pass the rules and Corosync's own parser (`corosync -t`, when installed).
"""

from __future__ import annotations

import copy
import os
import tomllib
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wizard.core.plan import PlanContext
from wizard.core.secrets import Secrets
from wizard.core.spec import SECTIONS, spec_from_dict
from wizard.errors import AnswersError
from wizard.flow.configcheck import check_drbd
from wizard.flow.tutorial import build_plan, node_files
from wizard.pacemaker.confcheck import check_pacemaker_files, corosync_tool, run_corosync_check
from wizard.pacemaker.render import AUTHKEY, COROSYNC_CONF
from wizard.pacemaker.stack import resolve_stack

ROOT = Path(__file__).resolve().parents[3]
BASES = [tomllib.loads((ROOT / "tests" / "data" / "answers" / f).read_text())
         for f in ("lab-pacemaker.toml", "pacemaker-ipmi.toml")]
CASES = int(os.environ.get("HA_WIZARD_FUZZ_CASES_PACEMAKER", "300"))
DERANDOMIZE = os.environ.get("CI") == "true"
SECRETS = Secrets("fuzz-shared-secret-0123456789", "fuzz-authkey-0123456789abcdef")

# (section, key) -> values near the rules; "" and nasty values for every one
KEYS: dict[tuple[str, str], list[Any]] = {
    ("cluster", "stack"): ["heartbeat", "pacemaker", "auto", "Pacemaker", "corosync"],
    ("cluster", "fencing"): ["stonith", "none-confirmed", "none", "off"],
    ("stonith", "agent"): ["", "fence_ipmilan", "fence_virsh", "fence_xvm", "ipmi"],
    ("stonith", "login"): ["admin", "ADMIN", "ha@bmc", "ad min", "-x"],
    ("stonith", "password_script"): ["/root/pw.sh", "pw.sh", "/a/../b"],
    ("stonith", "hypervisor"): ["kvm-host", "10.0.0.9", "kvm host", "::1"],
    ("stonith", "identity_file"): ["/root/.ssh/id_ed25519", "~/.ssh/id"],
    ("nodes0", "second_address"): ["10.98.0.1", "10.99.0.1", "10.98.0.300", "fe80::1"],
    ("nodes1", "second_address"): ["10.98.0.2", "10.98.0.1", "2001:db8::2"],
    ("nodes0", "fence_target"): ["10.97.0.1", "node1-vm", "bmc.example.com", "vm 1"],
    ("nodes1", "fence_target"): ["10.97.0.2", "node2-vm", "node2_vm@x"],
    ("drbd", "fencing"): ["none", "dopd"],
    ("heartbeat", "second_interface"): ["", "eth2", "eth1"],
    ("heartbeat", "profile"): ["recommended", "tutorial", "custom"],
    ("heartbeat", "deadtime"): [4, 5, 8, 30, 120, 86400],
}
NASTY: list[Any] = ["", " ", "$(reboot)", "a;b", "é", "x" * 70, 0, -1, True, 1.5, ["a"], {"a": 1}]  # None: deleted


def mutation() -> st.SearchStrategy[tuple[tuple[str, str], Any]]:
    # mostly values near the rules (so many cases are valid and reach the files), else nasty ones or a deletion
    return st.sampled_from(sorted(KEYS)).flatmap(lambda k: st.tuples(st.just(k), st.one_of(
        st.sampled_from(KEYS[k]), st.sampled_from(KEYS[k]), st.sampled_from(KEYS[k]), st.sampled_from([*NASTY, None]))))


def apply(raw: dict[str, Any], key: tuple[str, str], value: Any) -> None:
    section, name = key
    table = raw["nodes"][int(section[-1])] if section.startswith("nodes") else raw.setdefault(section, {})
    if value is None:
        table.pop(name, None)
    else:
        table[name] = value


def check_valid(raw: dict[str, Any], run_tools: bool) -> str:
    try:
        spec, _ = spec_from_dict(raw)
    except AnswersError as e:
        names_a_key = ("nodes", *SECTIONS)
        for p in e.problems:
            assert "\n" not in p and p.startswith(names_a_key), p
        return "problems"
    stack, _ = resolve_stack(spec.stack, {}, [n.name for n in spec.nodes])
    ctx = PlanContext(spec=spec, secrets=SECRETS, drbd_family="8.4", stack=stack)
    if stack == "heartbeat":
        assert build_plan(ctx)
        return "heartbeat"
    steps = build_plan(ctx)  # the whole Pacemaker plan
    assert [s.id for s in steps if s.kind == "cib-load"] == [f"cib-load@{spec.master}"]
    assert all(s.implemented for s in steps)
    files = {n: {f.path: f for f in node_files(ctx, n)} for n in ctx.order}
    found = check_drbd(ctx, files, run_drbdadm=False) + check_pacemaker_files(ctx, files, run_tools=False)
    assert not [p for p in found if p.fatal], found
    if run_tools:  # Corosync's own parser, as the master (a few ms each)
        mine = files[spec.master]
        local = [a for a in (spec.master_node.address, spec.master_node.second_address) if a]
        said = run_corosync_check(mine[COROSYNC_CONF].content, mine[AUTHKEY].content, local)
        assert not [p for p in said if p.fatal], said
    return "pacemaker"


def test_fuzz_the_pacemaker_answers(fuzz_report: dict[str, Any]) -> None:
    seen = {"problems": 0, "heartbeat": 0, "pacemaker": 0}
    tools = corosync_tool() is not None

    @settings(max_examples=CASES, deadline=None, database=None, derandomize=DERANDOMIZE,
              suppress_health_check=[HealthCheck.too_slow])
    @given(st.sampled_from(range(len(BASES))), st.lists(mutation(), min_size=1, max_size=4))
    def one(base: int, changes: list[tuple[tuple[str, str], Any]]) -> None:
        raw = copy.deepcopy(BASES[base])
        for key, value in changes:
            apply(raw, key, value)
        seen[check_valid(raw, tools)] += 1

    one()
    fuzz_report["pacemaker answers"] = (f"{sum(seen.values())} cases ({seen['problems']} with problems, "
                                        f"{seen['pacemaker']} Pacemaker files checked"
                                        f"{' by corosync -t' if tools else ''}, {seen['heartbeat']} on Heartbeat)")
    assert seen["pacemaker"] > 0 and seen["problems"] > 0
