"""Markers by folder (tests/lab is the `lab` tier, tests/ssh the `ssh` tier) and the network rule."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# Host-side tests reach 127.0.0.1 only: the SSH executor refuses any other address while this is set.
os.environ["HA_WIZARD_LOOPBACK_ONLY"] = "1"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        parts = Path(str(item.fspath)).relative_to(ROOT).parts
        if len(parts) > 1 and parts[0] == "tests" and parts[1] in ("lab", "ssh"):
            item.add_marker(getattr(pytest.mark, parts[1]))


# --- figures a test measured (fuzz case counts, kill-test runs), printed after the run -----------------
_REPORTS: dict[str, dict[str, str]] = {}


@pytest.fixture(scope="session")
def fuzz_report() -> dict[str, str]:
    """name -> one line, shown under "hardening figures" in the terminal summary (whatever -q/-s say)."""
    return _REPORTS.setdefault("hardening figures", {})


def pytest_sessionfinish(session: pytest.Session) -> None:
    """In a pytest-xdist worker: hand this worker's figures to the controller, which prints them."""
    out = getattr(session.config, "workeroutput", None)
    if out is not None:
        out["ha_wizard_reports"] = json.dumps(_REPORTS)


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: object, error: object) -> None:  # pytest-xdist's controller, per worker
    for title, lines in json.loads(getattr(node, "workeroutput", {}).get("ha_wizard_reports", "{}")).items():
        _REPORTS.setdefault(title, {}).update(lines)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    for title, lines in _REPORTS.items():
        if lines:
            terminalreporter.write_sep("-", title)
            for name, line in lines.items():
                terminalreporter.write_line(f"{name}: {line}")
