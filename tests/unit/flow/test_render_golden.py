"""Golden files per DRBD syntax, and every golden DRBD file through the matching real drbdadm parser.

Regenerate after a deliberate template change with `scripts/regen-golden` (see docs/configs.md).
"""

from __future__ import annotations

import pytest
from helpers.golden import CASES, context, rendered, stored

from wizard.drbd import render
from wizard.drbd.confcheck import check_drbd_files, check_drbd_text, local_drbdadm

IDS = [f"{a}-{f}" for a, f in CASES]


def _drbd_golden(answers: str, family: str) -> dict[str, str]:
    return {"/" + p: c for p, c in stored(answers, family).items() if p.startswith("etc/drbd")}


def _need_drbdadm(family: str) -> None:
    if local_drbdadm(family) is None:
        pytest.skip(f"drbdadm (drbd-utils) is not installed here: DRBD {family} syntax cannot be parsed; "
                    "scripts/setup --test installs it")


@pytest.mark.parametrize(("answers", "family"), CASES, ids=IDS)
def test_rendering_matches_the_golden_files(answers: str, family: str) -> None:
    want = stored(answers, family)
    got = rendered(answers, family)
    assert want, f"no golden files for {answers}-{family}: run scripts/regen-golden"
    assert sorted(got) == sorted(want), "the set of files changed: run scripts/regen-golden and review the diff"
    for path, content in got.items():
        assert content == want[path], f"{path} differs from its golden file: run scripts/regen-golden and review"


@pytest.mark.parametrize(("answers", "family"), CASES, ids=IDS)
def test_every_golden_drbd_file_parses_with_its_version_of_drbdadm(answers: str, family: str) -> None:
    _need_drbdadm(family)
    files = _drbd_golden(answers, family)
    assert len(files) == 1
    (path, text), = files.items()
    assert path == render.resource_path(context(answers, family))
    assert check_drbd_text(text, family, target=path) == []


@pytest.mark.parametrize("family", ["8.4", "9"])
@pytest.mark.parametrize("answers", ["tutorial", "lab"])
def test_the_whole_debian_layout_parses(answers: str, family: str) -> None:
    """drbd.conf -> global_common.conf + drbd.d/*.res, read as drbdadm reads it on the node."""
    _need_drbdadm(family)
    ctx = context(answers, family)
    files = {f.path: f.content for f in render.drbd_files(ctx, ctx.spec.master)}
    assert set(files) == {"/etc/drbd.conf", "/etc/drbd.d/global_common.conf", render.resource_path(ctx)}
    assert check_drbd_files(files, family) == []


def test_the_parser_follows_the_version() -> None:
    """8.3's `syncer { rate }` is refused by the DRBD 9 parser: checking with the wrong drbdadm would be useless."""
    _need_drbdadm("9")
    (path, text), = _drbd_golden("tutorial", "8.3").items()
    problems = check_drbd_text(text, "9", target=path)
    assert problems and all(p.fatal for p in problems)
    assert any(p.path == "/etc/drbd.conf" and p.line and "rate" in p.message for p in problems), problems
