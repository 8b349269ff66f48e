"""The worker bundle's build script and wrangler.toml, without running wrangler."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from core.jobs.schedule import CRONS
from core.monitoring.page import vitals_templates
from core.settings import ENV_NAMES
from worker.bindings import RATE_LIMIT_BINDINGS

ROOT = Path(__file__).resolve().parents[2]
SECRETS = {"CREATOR_EDGE_SECRET_KEY", "CREATOR_EDGE_IP_PEPPER", "GITHUB_TOKEN"}


def _load_build_worker():
    spec = importlib.util.spec_from_file_location(
        "build_worker", ROOT / "scripts" / "build_worker.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("build_worker", module)
    spec.loader.exec_module(module)
    return module


build_worker = _load_build_worker()


def snapshot(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_the_build_is_deterministic_and_wipes_what_was_there(tmp_path) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    (first / "core").mkdir(parents=True)
    (first / "core" / "stale.py").write_text("import sqlite3\n")
    written = build_worker.build(first)
    build_worker.build(second)
    assert snapshot(first) == snapshot(second)
    assert sorted(snapshot(first)) == written
    assert "core/stale.py" not in written
    assert "entry.py" in written and "worker/entry.py" not in written
    assert "worker/bindings.py" in written and "core/ports.py" in written
    assert not [f for f in written if f.startswith(("core/adapters/", "tests/", "scripts/"))]
    assert not {"core/local.py", "core/cli.py", "core/__main__.py"} & set(written)


# Run inside the bundle alone: every page template compiles and the scripts are there,
# read from the generated modules, with no template or script file beside them.
_RENDER_IN_BUNDLE = """
import sys, pathlib
import core.web.render as render
from core.features import FEATURES
assert pathlib.Path(render.__file__).is_relative_to(pathlib.Path.cwd()), render.__file__
env = render.environment(render.page_files(FEATURES))
names = sorted(env.list_templates())
for name in names:
    if name.endswith(".html"):
        env.get_template(name)
from core.profiles.editor import script as editor_js
assert "avatar" in editor_js.EDITOR_JS
beacon = env.get_template("analytics_beacon.html").render(nonce="n", profile_id="p")
assert "creatorEdge" in beacon and beacon.startswith('<script nonce="n" data-profile="p">')
print(" ".join(names))
"""


def test_the_bundle_carries_the_page_files_as_modules(tmp_path) -> None:
    written = build_worker.build(tmp_path / "bundle")
    assert not [f for f in written if f.endswith((".html", ".js", ".css"))]
    for feature in ("web", "identity", "profiles", "analytics"):
        assert f"core/{feature}/page_files.py" in written
    result = subprocess.run(
        [sys.executable, "-c", _RENDER_IN_BUNDLE],
        cwd=tmp_path / "bundle",
        env={**os.environ, "PYTHONPATH": str(tmp_path / "bundle")},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    shipped = set(result.stdout.split())
    assert {"base.html", "home.html", "login.html", "profile_public.html", "editor.js"} <= shipped
    sources = {p.name for p in ROOT.glob("core/*/templates/*.html")}
    sources |= {p.name for p in ROOT.glob("core/*/static/*.js")}
    # The web-vitals package's build, a page file the public page inlines.
    sources |= set(vitals_templates())
    assert shipped == sources


def _tree(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


@pytest.fixture
def fake_root(tmp_path, monkeypatch):
    def use(files: dict[str, str]) -> Path:
        _tree(tmp_path, {"core/__init__.py": "", "worker/__init__.py": "", **files})
        monkeypatch.setattr(build_worker, "ROOT", tmp_path)
        monkeypatch.setattr(build_worker, "ENTRY", tmp_path / "worker" / "entry.py")
        return tmp_path

    return use


def test_an_edge_module_importing_sqlite3_fails_the_build(fake_root) -> None:
    root = fake_root(
        {
            "worker/entry.py": "from core import store\n",
            "core/store.py": "import json\nimport sqlite3\n",
        }
    )
    with pytest.raises(build_worker.BuildError, match=r"core/store.py:2 imports sqlite3"):
        build_worker.build(root / "out")


def test_lazy_imports_are_followed_and_local_only_ones_left_out(fake_root, capsys) -> None:
    root = fake_root(
        {
            "worker/entry.py": (
                "def handler():\n"
                "    from core.jobs import run\n"
                "    from core.adapters.sqlite import Db\n"
                "    from core.not_written_yet import x\n"
            ),
            "core/jobs/__init__.py": "from .tasks import run\n",
            "core/jobs/tasks.py": "def run():\n    import subprocess\n",
            "core/adapters/__init__.py": "",
            "core/adapters/sqlite.py": "import sqlite3\n",
            "core/web/templates/page.html": "<p>only its generated module ships</p>\n",
        }
    )
    written = build_worker.build(root / "out")
    assert written == [
        "core/__init__.py",
        "core/jobs/__init__.py",
        "core/jobs/tasks.py",
        "entry.py",
    ]
    out = capsys.readouterr().out
    assert "left out, local-only" in out and "core/adapters/sqlite.py" in out
    assert "absent, imported lazily" in out and "core.not_written_yet" in out


def test_a_local_only_module_at_top_level_fails_the_build(fake_root) -> None:
    root = fake_root(
        {
            "worker/entry.py": "import core.local\n",
            "core/local.py": "x = 1\n",
        }
    )
    with pytest.raises(build_worker.BuildError, match=r"local-only core/local\.py"):
        build_worker.build(root / "out")


@pytest.fixture(scope="module")
def wrangler_toml() -> dict:
    return tomllib.loads((ROOT / "wrangler.toml").read_text())


def test_wrangler_toml_matches_the_code(wrangler_toml) -> None:
    assert wrangler_toml["main"] == "build/worker/entry.py"
    assert "python_workers" in wrangler_toml["compatibility_flags"]
    assert wrangler_toml["build"]["command"] == "python3 scripts/build_worker.py"
    assert tuple(wrangler_toml["triggers"]["crons"]) == CRONS
    limits = {
        r["name"]: (r["simple"]["limit"], r["simple"]["period"])
        for r in wrangler_toml["ratelimits"]
    }
    assert limits == RATE_LIMIT_BINDINGS
    assert all(period in (10, 60) for _, period in limits.values())
    assert {b["binding"] for b in wrangler_toml["d1_databases"]} == {"DB"}
    assert (ROOT / wrangler_toml["d1_databases"][0]["migrations_dir"]).is_dir()
    assert {b["binding"] for b in wrangler_toml["kv_namespaces"]} == {"KV"}
    assert {b["binding"] for b in wrangler_toml["r2_buckets"]} == {"BUCKET"}


def test_vars_are_known_settings_and_never_secrets(wrangler_toml) -> None:
    variables = wrangler_toml["vars"]
    assert set(variables) <= set(ENV_NAMES.values())
    assert not SECRETS & set(variables)
    assert all(isinstance(v, str) for v in variables.values())
    assert variables["CREATOR_EDGE_CLIENT_IP_HEADER"] == "CF-Connecting-IP"


def test_every_policy_of_a_binding_shape_has_a_rate_limiting_binding() -> None:
    """At the edge a policy without a binding counts in KV, which takes one write a
    second a key: every policy the binding can serve (10 or 60 s) must have one."""
    from core.feature import policies
    from core.features import FEATURES
    from core.settings import Settings
    from worker.bindings import RATE_LIMIT_BINDINGS

    shapes = set(RATE_LIMIT_BINDINGS.values())
    default = Settings()
    assert (default.rate_limit, default.rate_window) in shapes
    servable = {
        p.name: (p.limit, p.window) for p in policies(FEATURES).values() if p.window in (10, 60)
    }
    missing = {name: shape for name, shape in servable.items() if shape not in shapes}
    assert not missing, f"policies with no [[ratelimits]] binding of their shape: {missing}"
    assert "login" in servable and "collect" in servable
