"""`ha-wizard status --watch` refuses what it cannot do in one sentence, exit code and no traceback: nothing
to watch, a count without a watch, a negative count, a saved file, the demo, a machine that is neither node."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers.nodes import ROOT

from wizard.cli.main import main

DEMO = str(ROOT / "examples" / "tutorial.toml")


def _elsewhere(tmp_path: Path) -> str:
    """Real-looking answers whose nodes are two other machines (never contacted: this one is neither)."""
    text = Path(DEMO).read_text().replace("demo = true\n", "")
    text = text.replace("server1", "ha-test-alpha").replace("server2", "ha-test-bravo")
    p = tmp_path / "elsewhere.toml"
    p.write_text(text)
    return str(p)


@pytest.mark.parametrize(("argv", "code", "says"), [
    (["--watch"], 1, "no pair to watch: no answers given and no journal in {tmp}; pass --answers FILE"),
    (["--count", "3"], 2, "--count N counts the refreshes of --watch: add --watch"),
    (["--watch", "--count", "-1"], 2, "--count -1: give a number of refreshes, 1 or more"),
    (["--watch", "--proc-drbd", "x"], 2, "cannot be combined with --proc-drbd FILE"),
    (["--watch", "--answers", DEMO], 1, "the tutorial's demo (demo = true): a watch needs your real servers"),
    (["--watch", "--answers", "{elsewhere}"], 1, "not one of the answers' nodes (ha-test-alpha, ha-test-bravo): "
                                                 "run `ha-wizard status --watch` on one of them"),
])
def test_refusals(argv: list[str], code: int, says: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = [a.replace("{elsewhere}", _elsewhere(tmp_path)) for a in argv]
    rc = main(["status", *argv, "--journal-dir", str(tmp_path / "j")])
    out, err = capsys.readouterr()
    assert rc == code
    assert says.replace("{tmp}", str(tmp_path / "j")) in err and "Traceback" not in err
    assert out == ""
