"""Every pin of the worker has a build for the runtime wrangler.toml selects.

``edge-wheels.lock.json`` is written by ``scripts/edge_wheels.py lock`` from what
PyPI serves for cp314 ``pyemscripten_2026_0_wasm32`` (and, for what PyPI has not,
Pyodide's own distribution); the Pyodide tier installs exactly its files,
hash-checked. These tests hold pyproject.toml, wrangler.toml, package.json, the
lock, the npm ``pyodide`` package and the local venv to one runtime.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import json
import sys
import tomllib
from datetime import date
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _load():
    spec = importlib.util.spec_from_file_location(
        "edge_wheels", ROOT / "scripts" / "edge_wheels.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["edge_wheels"] = module
    spec.loader.exec_module(module)
    return module


edge_wheels = _load()


@pytest.fixture(scope="module")
def lock() -> dict:
    return json.loads(edge_wheels.LOCK.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def distribution() -> dict:
    return edge_wheels.pyodide_distribution()


def test_every_pin_has_a_build_for_the_runtime(lock, distribution) -> None:
    assert edge_wheels.unbuilt(edge_wheels.project_pins(), lock, distribution) == []


@pytest.mark.parametrize(
    "pin",
    [
        "pydantic-core==2.27.2",  # the pin before: no cp314 pyemscripten build exists
        "Pillow==11.3.0",  # Pyodide 0.28's Pillow, not 314's
        "fastapi==0.1.0",
    ],
)
def test_a_pin_with_no_build_fails(lock, distribution, pin) -> None:
    pins = [
        p
        for p in edge_wheels.project_pins()
        if edge_wheels.split_pin(p)[0] != edge_wheels.split_pin(pin)[0]
    ]
    [problem] = edge_wheels.unbuilt([*pins, pin], lock, distribution)
    assert problem.startswith(pin)


def test_a_wheel_for_another_platform_does_not_fit() -> None:
    assert edge_wheels.wheel_fits("pydantic_core-2.50.5-cp314-cp314-pyemscripten_2026_0_wasm32.whl")
    assert edge_wheels.wheel_fits("fastapi-0.165.0-py3-none-any.whl")
    assert not edge_wheels.wheel_fits(
        "pydantic_core-2.50.5-cp313-cp313-pyemscripten_2025_0_wasm32.whl"
    )
    assert not edge_wheels.wheel_fits("pydantic_core-2.50.5-cp314-cp314-manylinux_2_17_x86_64.whl")


def test_every_locked_wheel_fits_and_is_hashed(lock) -> None:
    for entry in [*lock["worker"], *lock["tier"]]:
        assert edge_wheels.wheel_fits(entry["file"]), entry["file"]
        assert len(entry["sha256"]) == 64, entry["name"]
    for entry in lock["pyodide_distribution"]:
        assert entry["file"].endswith("-cp314-cp314-pyemscripten_2026_0_wasm32.whl")


def test_the_lock_pyodide_and_wrangler_agree_on_the_runtime(lock) -> None:
    runtime = lock["runtime"]
    assert runtime == edge_wheels.RUNTIME
    config = tomllib.loads((ROOT / "wrangler.toml").read_text(encoding="utf-8"))
    flags = set(config.get("compatibility_flags", []))
    on_314 = date.fromisoformat(config["compatibility_date"]) >= date.fromisoformat(
        runtime["python_workers_314_from"]
    )
    assert (on_314 or "python_workers_314" in flags) and "no_python_workers_314" not in flags
    npm = json.loads((ROOT / "package.json").read_text(encoding="utf-8"))
    assert npm["devDependencies"]["pyodide"] == runtime["pyodide"]
    info = json.loads(edge_wheels.PYODIDE_LOCK.read_text(encoding="utf-8"))["info"]
    assert info["python"].startswith(runtime["python"] + ".")
    assert info["abi_version"] == runtime["platform"].split("_", 1)[1].rsplit("_", 1)[0]


def test_the_local_venv_runs_the_pinned_versions() -> None:
    for pin in edge_wheels.project_pins():
        name, version = edge_wheels.split_pin(pin)
        assert importlib.metadata.version(name) == version, pin
