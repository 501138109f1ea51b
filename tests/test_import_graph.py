"""The import graph of `services` and `schemas`: layers point one way and nothing goes round.

- `schemas/` is a leaf: it imports nothing from `services/`;
- a context (and the pages) imports only itself, `platform` and `schemas`, never another
  context: they meet through events and the public API;
- `platform` imports no context (the composition root, `services/registry.py`, does);
- no cycle between modules, lazy imports inside functions included.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("services", "schemas")
CONTEXTS = {"occupations", "ratings", "competitions", "labour", "exports", "web"}

Graph = dict[str, set[str]]


def _modules() -> dict[str, tuple[Path, bool]]:
    found: dict[str, tuple[Path, bool]] = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            is_package = parts[-1] == "__init__"
            found[".".join(parts[:-1] if is_package else parts)] = (path, is_package)
    return found


def _targets(module: str, is_package: bool, node: ast.Import | ast.ImportFrom) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if node.level:
        package = module.split(".") if is_package else module.split(".")[:-1]
        package = package[: len(package) - (node.level - 1)]
        base = ".".join([*package, *([node.module] if node.module else [])])
    else:
        base = node.module or ""
    # `from a import b` names the module a.b when there is one, else something inside a
    return [f"{base}.{alias.name}" for alias in node.names] + [base]


def import_graph() -> Graph:
    modules = _modules()
    graph: Graph = {}
    for module, (path, is_package) in modules.items():
        edges: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Import | ast.ImportFrom):
                continue
            names = _targets(module, is_package, node)
            if isinstance(node, ast.ImportFrom):
                named = [n for n in names[:-1] if n in modules]
                names = named or names[-1:]
            for name in names:
                while name not in modules and "." in name:
                    name = name.rsplit(".", 1)[0]
                if name in modules and name != module:
                    edges.add(name)
        graph[module] = edges
    return graph


def _context(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if parts[0] == "services" and len(parts) > 1 else None


def _cycles(graph: Graph) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iteratively)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, edges = work[-1]
            for nxt in edges:
                if nxt not in index:
                    index[nxt] = low[nxt] = len(index)
                    stack.append(nxt)
                    on_stack.add(nxt)
                    work.append((nxt, iter(sorted(graph[nxt]))))
                    break
                if nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        found.append(sorted(component))
    return found


def test_the_graph_is_read() -> None:
    graph = import_graph()
    assert "services.platform.runtime" in graph["services.platform.app"]
    assert "schemas.envelope" in graph["schemas.export"]


def test_schemas_import_nothing_from_services() -> None:
    wrong = [
        (module, target)
        for module, targets in import_graph().items()
        if module.startswith("schemas")
        for target in targets
        if target.startswith("services")
    ]
    assert wrong == []


def test_contexts_import_only_themselves_platform_and_schemas() -> None:
    wrong = []
    for module, targets in import_graph().items():
        context = _context(module)
        for target in targets:
            other = _context(target)
            if context in CONTEXTS and other != context and (other in CONTEXTS):
                wrong.append((module, target))
            if context == "platform" and other not in (None, "platform"):
                wrong.append((module, target))
    assert wrong == []


def test_no_import_cycles() -> None:
    assert _cycles(import_graph()) == []


def test_a_cycle_would_be_found() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
