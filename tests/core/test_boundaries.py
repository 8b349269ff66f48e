"""Feature boundaries and import cycles, held over the source of ``core/``."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from tests.core import importgraph

CORE = Path(__file__).resolve().parents[2] / "core"


def test_every_feature_is_found() -> None:
    graph = importgraph.build(CORE)
    assert {"core.identity", "core.profiles", "core.assets", "core.analytics"} <= graph.features


def test_features_meet_only_through_their_init_surface() -> None:
    violations = importgraph.boundary_violations(importgraph.build(CORE))
    assert not violations, "\n".join(violations)


def test_there_is_no_import_cycle() -> None:
    found = importgraph.cycles(importgraph.build(CORE))
    assert not found, "\n".join(" <-> ".join(group) for group in found)


def test_a_reach_into_another_features_repo_fails_both(tmp_path: Path) -> None:
    """The checker catches the mistake it exists for, on a modified copy of core/."""
    copy = tmp_path / "core"
    shutil.copytree(CORE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    service = copy / "assets" / "service.py"
    service.write_text(service.read_text() + "\nfrom core.profiles.repo import PROFILES\n")
    graph = importgraph.build(copy)
    violations = importgraph.boundary_violations(graph)
    assert any("assets/service.py" in v and "core.profiles.repo" in v for v in violations)
    assert any(
        {"core.assets.service", "core.profiles"} <= set(g) for g in importgraph.cycles(graph)
    )


def test_a_function_local_cycle_fails(tmp_path: Path) -> None:
    copy = tmp_path / "core"
    shutil.copytree(CORE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    clock = copy / "clock.py"
    clock.write_text(clock.read_text() + "\n\ndef _late() -> None:\n    from core import ids\n")
    ids = copy / "ids.py"
    ids.write_text(ids.read_text() + "\n\ndef _late() -> None:\n    from core import clock\n")
    assert ["core.clock", "core.ids"] in importgraph.cycles(importgraph.build(copy))


def test_side_effect_imports_are_only_re_exports_in_init_files() -> None:
    """Importing a module registers nothing: no import kept only for its effects."""
    result = subprocess.run(
        ["grep", "-rn", "noqa: F401", str(CORE)], capture_output=True, text=True, check=False
    )
    lines = [line for line in result.stdout.splitlines() if line]
    assert all(line.split(":", 1)[0].endswith("__init__.py") for line in lines), "\n".join(lines)
