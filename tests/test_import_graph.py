"""The import graph of the library and its adapters has no circles."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

pytestmark = pytest.mark.domain

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = {
    "familiekoordinering": ROOT / "src" / "familiekoordinering",
    "familiekoordinering_sqlite": ROOT
    / "adapters/sqlite/src/familiekoordinering_sqlite",
    "familiekoordinering_postgres": ROOT
    / "adapters/postgres/src/familiekoordinering_postgres",
}


def _modules() -> dict[str, Path]:
    found = {}
    for package, folder in PACKAGES.items():
        for path in folder.rglob("*.py"):
            parts = path.relative_to(folder).with_suffix("").parts
            name = ".".join((package, *parts)).removesuffix(".__init__")
            found[name] = path
    return found


def _graph() -> dict[str, set[str]]:
    """Each module's imports of the others, at any depth (type-only ones too)."""
    modules = _modules()
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                targets = [node.module] + [
                    f"{node.module}.{a.name}" for a in node.names
                ]
            for target in targets:
                if target in modules and target != name:
                    graph[name].add(target)
    return graph


def _circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in sorted(graph[node]):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_module_imports_one_that_imports_it_back() -> None:
    # A package's __init__ re-exporting its own modules is not a circle of
    # dependencies: leave out the edges from a package to its own submodules.
    graph = {
        name: {t for t in targets if not t.startswith(name + ".")}
        for name, targets in _graph().items()
    }
    assert _circles(graph) == []


def test_the_finder_finds_a_circle() -> None:
    assert _circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [
        ["a", "b", "c"]
    ]


def test_the_adapters_do_not_import_the_application() -> None:
    graph = _graph()
    for name, targets in graph.items():
        if name.startswith(
            ("familiekoordinering_sqlite", "familiekoordinering_postgres")
        ):
            assert not targets & {
                "familiekoordinering.application",
                "familiekoordinering.engine",
                "familiekoordinering.services",
            }, name
