"""What wrangler itself makes of the project: the uploaded bundle and the D1 migrations.

Both run the wrangler CLI from node_modules (marked ``wrangler``); each takes a
few seconds. ``deploy --dry-run`` runs the ``[build]`` command first, so it
rebuilds ``build/worker/``.
"""

from __future__ import annotations

import ast
import os
import re
import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest

from tests.edge.test_build import ROOT, build_worker

pytestmark = [
    pytest.mark.wrangler,
    pytest.mark.skipif(
        not (ROOT / "node_modules" / ".bin" / "wrangler").exists() or shutil.which("npx") is None,
        reason="wrangler is not installed (npm ci)",
    ),
]

EDGE_UNSAFE = {"sqlite3", "redis", "sqlite_utils", "uvicorn", "socket"}
MIGRATIONS = ROOT / "d1_migrations"


def wrangler(*args: str) -> subprocess.CompletedProcess[str]:
    # CI=true: wrangler takes the default answer instead of prompting.
    env = {**os.environ, "CI": "true", "WRANGLER_SEND_METRICS": "false"}
    result = subprocess.run(
        ["npx", "wrangler", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, (
        f"wrangler {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
    )
    return result


def top_level_imports(path: Path) -> set[str]:
    """Modules imported when ``path`` is imported: outside functions, TYPE_CHECKING aside."""
    found: set[str] = set()

    def walk(body: list[ast.stmt]) -> None:
        for node in body:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
                walk(node.orelse)
                continue
            if isinstance(node, ast.Import):
                found.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
                found.add(node.module.split(".")[0])
            for field in ("body", "orelse", "finalbody", "handlers", "cases"):
                for child in getattr(node, field, []) or []:
                    walk(
                        child.body
                        if isinstance(child, ast.excepthandler | ast.match_case)
                        else [child]
                    )

    walk(ast.parse(path.read_text(encoding="utf-8")).body)
    return found


def test_the_dry_run_bundle_holds_the_worker_and_nothing_else(tmp_path) -> None:
    out = tmp_path / "dist"
    wrangler("deploy", "--dry-run", "--outdir", str(out))
    files = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}

    modules, _ = build_worker.edge_modules()
    expected = {
        "entry.py" if p == build_worker.ENTRY else p.relative_to(ROOT).as_posix() for p in modules
    }
    # wrangler writes a README into --outdir; python_modules/ comes from pywrangler.
    shipped = {f for f in files if f != "README.md" and not f.startswith("python_modules/")}
    assert shipped == expected
    assert {"entry.py", "worker/bindings.py", "core/app.py", "core/ports.py"} <= shipped
    for banned in ("tests/", "scripts/", "core/adapters/", "node_modules/", ".venv/", "build/"):
        assert not [f for f in shipped if f.startswith(banned)], banned
    assert not {"core/local.py", "core/cli.py", "core/__main__.py"} & shipped

    for name in sorted(f for f in shipped if f.endswith(".py")):
        unsafe = top_level_imports(out / name) & EDGE_UNSAFE
        assert not unsafe, f"{name} imports {unsafe} at top level"


def test_d1_migrations_apply_to_a_local_d1_and_are_recorded_in_order(tmp_path) -> None:
    files = sorted(p.name for p in MIGRATIONS.glob("*.sql"))
    if not files:
        pytest.skip("no migration in d1_migrations/ yet")
    persist = tmp_path / "state"
    wrangler("d1", "migrations", "apply", "DB", "--local", "--persist-to", str(persist))

    # Miniflare keeps each D1 database as <hash>.sqlite beside a metadata.sqlite.
    databases = [
        p
        for p in persist.rglob("*.sqlite")
        if "D1DatabaseObject" in str(p) and p.name != "metadata.sqlite"
    ]
    assert len(databases) == 1, databases
    with sqlite3.connect(databases[0]) as conn:
        applied = [row[0] for row in conn.execute("SELECT name FROM d1_migrations ORDER BY id")]
        tables = {
            row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        }
    assert applied == files

    create = re.compile(
        r"CREATE\s+(?:VIRTUAL\s+)?TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?[\"`]?(\w+)", re.IGNORECASE
    )
    defined = {name for f in files for name in create.findall((MIGRATIONS / f).read_text())}
    assert defined, "the migrations define no table"
    assert defined <= tables
