"""The layering rules: wizard/ never pulls in textual or screens; screens never touch plumbum or pexpect."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PROBE = r"""
import importlib, pkgutil, sys
import wizard
failed = []
for m in pkgutil.walk_packages(wizard.__path__, "wizard."):
    if m.name.endswith("__main__"):  # running those starts a program
        continue
    try:
        importlib.import_module(m.name)
    except Exception as e:  # a module another engineer is still writing must not hide a leak
        failed.append(f"{m.name}: {e!r}")
bad = sorted(k for k in sys.modules if k == "textual" or k.startswith(("textual.", "screens")))
print("IMPORTED", len([k for k in sys.modules if k.startswith("wizard")]))
print("FAILED", failed)
print("LEAKED", bad)
"""


def test_wizard_never_imports_textual_or_screens() -> None:
    r = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    lines = dict(ln.split(" ", 1) for ln in r.stdout.splitlines())
    assert int(lines["IMPORTED"]) > 30
    assert lines["LEAKED"] == "[]", lines["LEAKED"]


def test_wizard_sources_do_not_name_textual() -> None:
    # The one door: `ha-wizard` with no subcommand starts the screens, importing them inside run().
    entry = ROOT / "wizard" / "cli" / "commands" / "tui.py"
    for f in (ROOT / "wizard").rglob("*.py"):
        if f == entry:
            continue
        for node in ast.walk(ast.parse(f.read_text(), str(f))):
            names = _imported(node)
            assert not any(n.split(".")[0] in ("textual", "screens") for n in names), f"{f} imports {names}"


def test_screens_never_import_plumbum_or_pexpect() -> None:
    files = list((ROOT / "screens").rglob("*.py"))
    assert len(files) >= 10
    for f in files:
        src = f.read_text()
        for node in ast.walk(ast.parse(src, str(f))):
            names = _imported(node)
            assert not any(n.split(".")[0] in ("plumbum", "pexpect", "subprocess") for n in names), \
                f"{f} imports {names}"
        assert "plumbum" not in src and "pexpect" not in src, f"{f} names plumbum/pexpect"


def _imported(node: ast.AST) -> list[str]:
    if isinstance(node, ast.Import):
        return [a.name for a in node.names]
    if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
        return [node.module]
    if isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", "")) in (
            "import_module", "__import__") and node.args and isinstance(node.args[0], ast.Constant):
        return [str(node.args[0].value)]
    return []
