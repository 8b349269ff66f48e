"""The import graph of ``core/``, read from the source (AST), and the rules it must keep.

A feature is a package of ``core`` whose ``__init__`` declares ``FEATURE``. Rules:

- a module outside feature B imports B only through B's ``__init__`` (``import core.B``,
  ``from core.B import name``), never a module of B (its repo, its tables, its routes);
- the shared kernel (every other package of ``core``, bar the composition roots that
  assemble the product) imports no feature at all;
- no import cycle, function-local imports included (``if TYPE_CHECKING`` blocks are
  not run, so not counted). Importing ``core.B.x`` from outside B runs ``core/B/__init__``
  first, so it counts as importing ``core.B`` too.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

# Where the product is assembled: they may import every feature (through its surface).
COMPOSITION_ROOTS = frozenset(
    {"core.app", "core.features", "core.local", "core.cli", "core.local_trust", "core.__main__"}
)


@dataclass
class Graph:
    modules: dict[str, Path]
    features: set[str]
    # module -> modules it imports: (target, line, written as)
    imports: dict[str, list[tuple[str, int, str]]] = field(default_factory=dict)


def module_name(root: Path, path: Path) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _import_nodes(tree: ast.AST) -> Iterator[ast.Import | ast.ImportFrom]:
    """Every import that runs: top level and in functions, not under TYPE_CHECKING."""
    stack: list[ast.AST] = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.If) and _is_type_checking(node):
            stack.extend(node.orelse)
            continue
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node
        stack.extend(ast.iter_child_nodes(node))


def build(root: Path) -> Graph:
    """The graph of the package at ``root`` (a ``core/`` folder)."""
    modules = {module_name(root, p): p for p in sorted(root.rglob("*.py"))}
    features = set()
    for name, path in modules.items():
        if path.name == "__init__.py" and name.count(".") == 1:
            tree = ast.parse(path.read_text())
            for node in tree.body:
                targets = node.targets if isinstance(node, ast.Assign) else []
                if any(isinstance(t, ast.Name) and t.id == "FEATURE" for t in targets):
                    features.add(name)
    graph = Graph(modules, features)
    for name, path in modules.items():
        found: list[tuple[str, int, str]] = []
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in _import_nodes(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                found += [(a.name, node.lineno, a.name) for a in node.names]
                continue
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                target = sub if sub in modules else base
                found.append((target, node.lineno, f"from {base} import {alias.name}"))
        graph.imports[name] = [i for i in found if i[0] in modules]
    return graph


def feature_of(graph: Graph, module: str) -> str | None:
    parts = module.split(".")
    top = ".".join(parts[:2])
    return top if top in graph.features else None


def boundary_violations(graph: Graph) -> list[str]:
    """Imports of another feature's modules, and features imported by the shared kernel."""
    out = []
    for module, imports in graph.imports.items():
        own = feature_of(graph, module)
        for target, line, written in imports:
            other = feature_of(graph, target)
            if other is None or other == own:
                continue
            where = f"{graph.modules[module]}:{line}: {written}"
            if target != other:
                out.append(f"{where} (a module of {other}, not its __init__ surface)")
            elif own is None and module not in COMPOSITION_ROOTS:
                out.append(f"{where} (the shared kernel imports no feature)")
    return out


def edges(graph: Graph) -> dict[str, set[str]]:
    """Who runs whom at import: each import, and the ``__init__`` of every package
    entered from outside (``core.B.x`` from outside B runs ``core.B`` first)."""
    out: dict[str, set[str]] = {m: set() for m in graph.modules}
    for module, imports in graph.imports.items():
        ancestors = {".".join(module.split(".")[:i]) for i in range(1, module.count(".") + 2)}
        for target, _, _ in imports:
            parts = target.split(".")
            for i in range(2, len(parts) + 1):
                step = ".".join(parts[:i])
                if step not in ancestors and step in graph.modules and step != module:
                    out[module].add(step)
    return out


def cycles(graph: Graph) -> list[list[str]]:
    """Every strongly connected group of two or more modules (Tarjan), sorted."""
    succ = edges(graph)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(succ[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for v in sorted(succ):
        if v not in index:
            visit(v)
    return sorted(found)
