"""The telephony wing's shape: it stands below the domain, and its modules form no circles."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TELEPHONY = ROOT / "dialer" / "telephony"
# The layers above telephony: it is used by them and must not reach back up.
ABOVE = ("dialer.domain", "dialer.models", "dialer.web", "dialer.jobs", "dialer.cli")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported(path: Path) -> set[str]:
    """Every dialer module a file imports, at run time or for type checking alike."""
    package = module_name(path) if path.name == "__init__.py" else module_name(path.parent)
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([node.module] if node.module else [])])
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)
    return {name for name in names if name.startswith("dialer")}


def telephony_graph() -> dict[str, set[str]]:
    modules = {module_name(p): p for p in TELEPHONY.rglob("*.py")}
    return {name: imported(path) & set(modules) - {name} for name, path in modules.items()}


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Each group of modules that import one another in a circle (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for other in graph[node]:
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in graph:
        if node not in index:
            visit(node)
    return found


def test_telephony_imports_nothing_above_it() -> None:
    reaching_up = {
        module_name(path): sorted(name for name in imported(path) if name.startswith(ABOVE))
        for path in TELEPHONY.rglob("*.py")
    }
    assert {name: up for name, up in reaching_up.items() if up} == {}


def test_telephony_modules_import_one_another_in_one_direction() -> None:
    assert circles(telephony_graph()) == []


def test_the_circle_finder_sees_a_circle() -> None:
    assert circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_starting_the_app_does_not_load_the_simulator(tmp_path: Path) -> None:
    probe = "import sys, app; print(sorted(m for m in sys.modules if '.simulator' in m))"
    result = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=ROOT,
        env={**os.environ, "DIALER_INSTANCE_PATH": str(tmp_path)},
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip() == "[]"
