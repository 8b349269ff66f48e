"""Assemble build/worker/, the module root wrangler uploads as the Worker.

It holds ``entry.py`` at its root, the ``worker`` package, and exactly the core
modules the worker imports: found by walking imports with ``ast`` from
``worker/entry.py``, imports inside functions included. Local-only modules
(``core/adapters/``, ``core/local*.py``, ``core/cli.py``, ``core/__main__.py``)
are never copied; the build fails if an edge-reachable module needs one at
import time, or imports sqlite3, redis, sqlite_utils, uvicorn, socket,
threading or subprocess at top level. Page templates and scripts
ride along inside the modules ``scripts/build_assets.py`` generates; no other
file is copied. The folder is wiped first, so every build is the same.

Run by wrangler's ``[build] command`` before every dev and deploy:
``python3 scripts/build_worker.py``.
"""

from __future__ import annotations

import ast
import shutil
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "build" / "worker"
ENTRY = ROOT / "worker" / "entry.py"
FIRST_PARTY = ("core", "worker")
EDGE_UNSAFE = frozenset(
    {"sqlite3", "redis", "sqlite_utils", "uvicorn", "socket", "threading", "subprocess"}
)


class BuildError(Exception):
    pass


@dataclass(frozen=True)
class Import:
    module: str  # absolute dotted name
    top_level: bool  # runs when the importing module is imported
    line: int


def is_local_only(rel: str) -> bool:
    """Modules that belong to the local runtime and never ship to the edge."""
    return (
        rel.startswith("core/adapters/")
        or (rel.startswith("core/local") and rel.count("/") == 1)
        or rel in ("core/cli.py", "core/__main__.py")
    )


def module_path(name: str) -> Path | None:
    base = ROOT.joinpath(*name.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def module_name(path: Path) -> str:
    rel = path.relative_to(ROOT).with_suffix("")
    parts = rel.parts[:-1] if rel.name == "__init__" else rel.parts
    return ".".join(parts)


def imports_of(path: Path) -> Iterator[Import]:
    """Every import in ``path``, with whether it runs at import time."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    yield from _walk(tree.body, package, top_level=True)


def _walk(body: list[ast.stmt], package: str, top_level: bool) -> Iterator[Import]:
    for node in body:
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            yield from _walk(node.orelse, package, top_level)  # annotations only, never run
            continue
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield Import(alias.name, top_level, node.lineno)
        elif isinstance(node, ast.ImportFrom):
            base = _absolute(node, package)
            yield Import(base, top_level, node.lineno)
            for alias in node.names:  # ``from core import deps`` imports core.deps
                if alias.name != "*" and module_path(f"{base}.{alias.name}") is not None:
                    yield Import(f"{base}.{alias.name}", top_level, node.lineno)
        inner = top_level and not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.stmt):
                yield from _walk([child], package, inner)
            elif isinstance(child, ast.excepthandler | ast.match_case):
                yield from _walk(child.body, package, inner)


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _absolute(node: ast.ImportFrom, package: str) -> str:
    if not node.level:
        return node.module or ""
    parts = package.split(".") if package else []
    base = parts[: len(parts) - (node.level - 1)]
    return ".".join([*base, node.module] if node.module else base)


def edge_modules() -> tuple[list[Path], list[str]]:
    """The first-party modules the worker reaches from its entry, and notes on what
    was left out (local-only or absent modules reached only inside functions)."""
    notes: list[str] = []
    reached: dict[Path, str] = {ENTRY: "worker/entry.py"}
    queue = [ENTRY]
    while queue:
        path = queue.pop()
        rel = path.relative_to(ROOT).as_posix()
        for imp in imports_of(path):
            top = imp.module.split(".")[0]
            if top in EDGE_UNSAFE and imp.top_level:
                raise BuildError(
                    f"{rel}:{imp.line} imports {imp.module} at top level, "
                    f"which the edge cannot run (reached via {reached[path]})"
                )
            if top not in FIRST_PARTY:
                continue
            target = module_path(imp.module)
            if target is None:
                if imp.top_level:
                    raise BuildError(f"{rel}:{imp.line} imports {imp.module}, which does not exist")
                notes.append(f"absent, imported lazily by {rel}:{imp.line}: {imp.module}")
                continue
            target_rel = target.relative_to(ROOT).as_posix()
            if is_local_only(target_rel):
                if imp.top_level:
                    raise BuildError(
                        f"{rel}:{imp.line} imports the local-only {target_rel} at "
                        f"top level (reached via {reached[path]})"
                    )
                notes.append(
                    f"left out, local-only, imported lazily by {rel}:{imp.line}: {target_rel}"
                )
                continue
            for needed in [*_parents(target), target]:
                if needed not in reached:
                    reached[needed] = f"{reached[path]} -> {needed.relative_to(ROOT).as_posix()}"
                    queue.append(needed)
    return sorted(reached), sorted(set(notes))


def _parents(path: Path) -> list[Path]:
    # The __init__.py of every package above ``path``: each runs on import.
    out = []
    for parent in path.relative_to(ROOT).parents:
        init = ROOT / parent / "__init__.py"
        if parent != Path(".") and init.is_file():
            out.append(init)
    return sorted(out)


def build(out: Path = OUT) -> list[str]:
    """Write the bundle to ``out`` (wiped first); the files written, relative to it."""
    modules, notes = edge_modules()
    if out.exists():
        shutil.rmtree(out)
    written = []
    for path in modules:
        rel = "entry.py" if path == ENTRY else path.relative_to(ROOT).as_posix()
        target = out / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
        written.append(rel)
    for note in notes:
        print(f"build_worker: {note}")
    shown = out.relative_to(ROOT) if out.is_relative_to(ROOT) else out
    print(f"build_worker: {len(written)} files in {shown.as_posix()}/")
    return sorted(written)


def main() -> int:
    try:
        build()
    except BuildError as error:
        print(f"build_worker: FAILED: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
