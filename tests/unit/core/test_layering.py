"""The layout's rules, read from the sources: no import loop among wizard/ modules, and each layer imports
only what lies below it (core knows no part of the tutorial; the parts never reach up into the flow, the
output or the command line). Lazy imports inside functions count as much as the ones at the top."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
WIZARD = ROOT / "wizard"

# The parts of the tutorial (one package each) and what they may import besides each other.
DOMAINS = ("nodes", "disks", "drbd", "heartbeat", "pacemaker", "services", "failover", "preflight", "doctor")
FOUNDATION = ("wizard.core", "wizard.executors", "wizard.errors")
ABOVE_DOMAINS = ("wizard.flow", "wizard.output", "wizard.cli", "wizard.lab")


def module_name(path: Path) -> str:
    rel = path.relative_to(ROOT).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(path: Path) -> set[str]:
    """Every wizard module ``path`` imports (``from wizard.x import y`` counts as wizard.x.y when that is a
    module, else wizard.x), at any depth of the file."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("wizard")}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0 and node.module.startswith("wizard"):
            for a in node.names:
                sub = f"{node.module}.{a.name}"
                found.add(sub if sub in MODULES else node.module)
    return found


FILES = sorted(WIZARD.rglob("*.py"))
MODULES = {module_name(f): f for f in FILES}
GRAPH = {name: {m for m in imports_of(path) if m in MODULES and m != name} for name, path in MODULES.items()}


def find_cycle(graph: dict[str, set[str]]) -> list[str]:
    color: dict[str, int] = {}
    stack: list[str] = []

    def visit(n: str) -> list[str]:
        color[n] = 1
        stack.append(n)
        for m in sorted(graph.get(n, ())):
            if color.get(m) == 1:
                return stack[stack.index(m):] + [m]
            if color.get(m) is None and (cycle := visit(m)):
                return cycle
        stack.pop()
        color[n] = 2
        return []

    for n in sorted(graph):
        if color.get(n) is None and (cycle := visit(n)):
            return cycle
    return []


def test_the_graph_is_read() -> None:
    assert len(MODULES) > 60
    assert "wizard.core.engine" in GRAPH["wizard.flow.runner"]
    assert "wizard.drbd.steps" in GRAPH["wizard.flow.tutorial"]


def test_no_import_loop_among_wizard_modules() -> None:
    cycle = find_cycle(GRAPH)
    assert cycle == [], "import loop: " + " -> ".join(cycle)


def test_find_cycle_finds_one() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) == []


def _offenders(prefix: str, allowed: tuple[str, ...]) -> list[str]:
    out = []
    for name, deps in GRAPH.items():
        if name == prefix or name.startswith(prefix + "."):
            out += [f"{name} -> {d}" for d in deps
                    if not (d == prefix or d.startswith(prefix + ".") or d.startswith(allowed))]
    return out


def test_core_imports_no_part_of_the_tutorial() -> None:
    assert _offenders("wizard.core", ("wizard.executors", "wizard.errors")) == []


def test_executors_import_only_themselves_and_the_errors() -> None:
    assert _offenders("wizard.executors", ("wizard.errors",)) == []


def test_parts_never_reach_up_into_flow_output_or_cli() -> None:
    bad = []
    for d in DOMAINS:
        bad += [o for o in _offenders(f"wizard.{d}", FOUNDATION + tuple(f"wizard.{x}" for x in DOMAINS))]
        bad += [f"wizard.{d}* -> {m}" for name, deps in GRAPH.items() if name.startswith(f"wizard.{d}")
                for m in deps if m.startswith(ABOVE_DOMAINS)]
    assert bad == []


def test_every_part_has_its_package() -> None:
    for d in (*DOMAINS, "core", "executors", "flow", "output", "cli", "lab"):
        assert (WIZARD / d / "__init__.py").is_file(), d


def test_only_the_doctor_command_imports_doctor() -> None:
    """doctor reads what the other parts know; nothing builds on it but its own command."""
    users = {name for name, deps in GRAPH.items() if not name.startswith("wizard.doctor")
             for d in deps if d.startswith("wizard.doctor")}
    assert users == {"wizard.cli.commands.doctor"}
