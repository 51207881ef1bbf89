"""The DRBD side of confcheck: drbd-utils' own parser, its messages mapped back to the node's files."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest
from helpers.golden import KNOWN, context

from wizard.core.plan import PlanContext
from wizard.drbd import confcheck, render
from wizard.drbd.confcheck import (
    check_drbd_text,
    check_drbd_values,
    local_drbdadm,
    parse_drbdadm_output,
    remote_check_argv,
)
from wizard.errors import ConfigCheckFailed
from wizard.flow.configcheck import check_plan_files, require_valid
from wizard.flow.tutorial import build_plan

DATA = Path(__file__).resolve().parents[2] / "data" / "answers"
LISTING1 = (DATA / "tutorial-listing1.conf").read_text(encoding="utf-8")


def _need(family: str) -> None:
    if local_drbdadm(family) is None:
        pytest.skip(f"drbdadm (drbd-utils) is not installed here: cannot parse DRBD {family} syntax")


def test_listing1_is_copied_as_printed() -> None:
    assert "↪" not in LISTING1  # continuation lines joined as the author meant
    assert "| wall; /etc/init.d/heartbeat stop\"; #\"halt -f\";" in LISTING1
    assert re.search(r"^    device     /dev/drbd0$", LISTING1, re.M)  # the slip: no ';'
    assert "address   192.168.1.3:7788;" in LISTING1  # and the other slip, kept as printed


@pytest.mark.parametrize("family", ["8.3", "8.4"])
def test_tutorial_listing1_is_rejected_naming_the_missing_semicolon(family: str) -> None:
    _need(family)
    problems = check_drbd_text(LISTING1, family, target="/etc/drbd.conf")
    assert len(problems) == 1, problems
    p = problems[0]
    assert p.fatal and p.path == "/etc/drbd.conf" and p.line == 61  # where drbdadm noticed: `disk`
    assert "';' is missing after `device /dev/drbd0` on line 57" in p.message
    assert str(p).startswith("/etc/drbd.conf:61: Parse error: 'minor | ;' expected, but got 'disk'")
    assert "/tmp" not in str(p) and "TK " not in str(p)


def test_fixing_the_semicolon_makes_listing1_parse() -> None:
    _need("8.3")
    fixed = LISTING1.replace("device     /dev/drbd0\n", "device     /dev/drbd0;\n")
    assert check_drbd_text(fixed, "8.3", target="/etc/drbd.conf") == []


def test_a_res_file_keeps_its_own_line_numbers() -> None:
    _need("8.4")
    ctx = context("lab", "8.4")
    text = render.drbd_text(ctx)
    n = text.splitlines().index("    address 10.99.0.2:7788;") + 1
    broken = text.replace("address 10.99.0.2:7788;", "address 10.99.0.2:77x8;")
    problems = check_drbd_text(broken, "8.4", target="/etc/drbd.d/r0.res")
    assert [(p.path, p.line) for p in problems] == [("/etc/drbd.d/r0.res", n)]
    assert "77x8" in problems[0].message


def test_drbdadm_messages_from_the_lab_capture_are_mapped() -> None:
    """Pure: the exact stderr captured in lab-captures/dump-test.log, without running drbdadm."""
    files = {"/etc/drbd.d/r0.res": "resource r0 {\n  disk { resync-rat 10M; }\n}\n",
             "/etc/drbd.d/global_common.conf": "global {}\n"}
    out = ("sh: 1: modinfo: not found\n/tmp/ha-wizard-check-x/root/etc/drbd.d/r0.res:2: Parse error: "
           "'an option keyword' expected,\n\tbut got 'resync-rat'\n"
           "drbd.d/global_common.conf:1: conflicting use of global section 'global' ...\n")
    got = parse_drbdadm_output(out, files, "/tmp/ha-wizard-check-x/root")
    assert [str(p) for p in got] == [
        "/etc/drbd.d/r0.res:2: Parse error: 'an option keyword' expected, but got 'resync-rat'",
        "/etc/drbd.d/global_common.conf:1: conflicting use of global section 'global' ...",
    ]


def test_without_drbdadm_the_check_is_skipped_not_failed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(confcheck, "local_drbdadm", lambda family: None)
    problems = check_drbd_text(LISTING1, "8.3", target="/etc/drbd.conf")
    assert len(problems) == 1 and not problems[0].fatal
    assert "not checked" in problems[0].message and "not installed" in problems[0].message
    ctx = context("tutorial", "8.4")
    notes = require_valid(ctx, build_plan(ctx))  # does not raise
    assert notes and all(not n.fatal for n in notes)


@pytest.mark.parametrize(("family", "version"), [("8.3", "8.3.16"), ("8.4", "8.4.11"), ("9", "9.2.0")])
def test_remote_check_argv(family: str, version: str) -> None:
    assert remote_check_argv(family, "/tmp/x.conf") == (
        "env", f"DRBD_DRIVER_VERSION_OVERRIDE={version}", "drbdadm", "-c", "/tmp/x.conf", "dump", "all")


def _with(ctx: PlanContext, **drbd: object) -> PlanContext:
    spec = dataclasses.replace(ctx.spec, drbd=dataclasses.replace(ctx.spec.drbd, **drbd))
    return dataclasses.replace(ctx, spec=spec)


@pytest.mark.parametrize(("family", "change", "needle"), [
    ("8.4", {"timeout": 100, "connect_int": 10}, "must be below drbd.connect_int"),
    ("8.4", {"timeout": 60, "ping_int": 5}, "must be below drbd.connect_int (10 s) and drbd.ping_int (5 s)"),
    ("9", {"fencing": "dopd"}, "works with DRBD 8.x only"),
    ("8.4", {"split_brain_notify": "root; rm -rf /"}, "give one mail recipient"),
    ("8.4", {"split_brain_notify": 'a"b'}, "give one mail recipient"),
])
def test_rules_the_parser_does_not_enforce(family: str, change: dict[str, object], needle: str) -> None:
    ctx = _with(context("lab", family), **change)
    problems = check_drbd_values(ctx)
    assert len(problems) == 1 and needle in problems[0].message, problems
    assert problems[0].path == render.resource_path(ctx)


def test_the_tutorial_values_pass_the_rules() -> None:
    assert check_drbd_values(context("tutorial", "8.3")) == []
    assert check_drbd_values(_with(context("lab", "8.4"), fencing="dopd")) == []


def test_whole_plan_passes_and_a_broken_plan_stops_before_writing() -> None:
    _need("8.4")
    ctx = context("tutorial", "8.4")
    steps = build_plan(ctx)
    assert check_plan_files(ctx, steps) == []
    bad = _with(ctx, timeout=300)
    with pytest.raises(ConfigCheckFailed) as e:
        require_valid(bad, build_plan(bad))
    assert "nothing was written" in str(e.value) and "/etc/drbd.d/drbd0.res" in str(e.value)
    assert KNOWN.shared_secret not in str(e.value)


def test_each_node_parses_before_anything_is_written() -> None:
    """check_on_nodes with real executors: this machine stands in for both nodes."""
    from wizard.drbd.confcheck import check_on_nodes
    from wizard.executors.dryrun import DryRunExecutor
    from wizard.executors.local import LocalExecutor

    _need("8.4")
    ctx = context("lab", "8.4")
    both = {"node1": LocalExecutor("node1"), "node2": LocalExecutor("node2")}
    assert check_on_nodes(ctx, both) == []
    broken = _with(ctx, split_brain_notify='root"')  # a quote that ends the handler's string early
    problems = check_on_nodes(broken, both)
    assert {p.node for p in problems} == {"node1", "node2"}
    assert all(p.path == "/etc/drbd.d/r0.res" and p.line and p.fatal for p in problems), problems
    assert all(KNOWN.shared_secret not in str(p) for p in problems)
    dry = {"node1": DryRunExecutor("node1", None, "test"), "node2": both["node2"]}
    notes = check_on_nodes(ctx, dry)
    assert [(n.node, n.fatal) for n in notes] == [("node1", False)]


@pytest.mark.parametrize(("answers", "family"), [("tutorial", "8.3"), ("lab", "9"), ("lab-dopd", "8.4")])
def test_whole_plan_passes_in_every_syntax(answers: str, family: str) -> None:
    _need(family)
    ctx = context(answers, family)
    problems = check_plan_files(ctx, build_plan(ctx))
    assert not [p for p in problems if p.fatal]
    # lab-dopd has one Heartbeat link only: a note per node, nothing else.
    assert len(problems) == (2 if answers == "lab-dopd" else 0)


def test_files_for_a_stranger_are_refused() -> None:
    with pytest.raises(ValueError, match="'server9' is not one of the answers' nodes"):
        render.drbd_files(context("tutorial", "8.4"), "server9")


def test_a_semicolon_missing_mid_line_is_named_too() -> None:
    """lab-prototype/dumptest/missing-semicolon.conf: `disk /dev/vdb1 address ...` on one line."""
    _need("8.4")
    text = ("global { usage-count no; }\ncommon { protocol C; }\nresource r0 {\n  disk { resync-rate 10M; }\n"
            "  on node1 { device /dev/drbd0; disk /dev/vdb1 address 10.99.0.1:7788; meta-disk internal; }\n"
            "  on node2 { device /dev/drbd0; disk /dev/vdb1; address 10.99.0.2:7788; meta-disk internal; }\n}\n")
    (p,) = check_drbd_text(text, "8.4", target="/etc/drbd.conf")
    assert p.line == 5 and p.message.endswith("(a ';' is missing after `disk /dev/vdb1` on line 5)")
