"""The wheel carries templates/ and recipes/, and the core imports without the TUI."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def test_wheel_ships_templates_and_recipes(tmp_path: Path) -> None:
    r = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(ROOT)],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    (wheel,) = tmp_path.glob("ha_wizard-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "wizard/_data/recipes/sendmail.toml" in names
    assert any(n.startswith("wizard/_data/templates/") and n.endswith(".j2") for n in names)
    assert "wizard/cli/main.py" in names and "screens/__init__.py" in names
    entry = [n for n in names if n.endswith("entry_points.txt")]
    assert entry and "ha-wizard = wizard.cli.main:main" in zipfile.ZipFile(wheel).read(entry[0]).decode()


def test_help_and_plan_do_not_import_textual() -> None:
    code = (
        "import sys\n"
        "from wizard.cli.main import build_parser\n"
        "build_parser().format_help()\n"
        "import wizard.cli.commands.plan, wizard.cli.show, wizard.flow.session, wizard.core.engine\n"
        "assert 'textual' not in sys.modules, 'textual imported'\n"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 0, r.stderr
