"""The app's routes and OpenAPI document against a committed snapshot.

Restructuring must not change the HTTP surface. A change that does so on purpose
(a new route, a new pydantic) regenerates the snapshot in the same commit, saying why:

    .venv/bin/python -m tests.http.test_openapi_snapshot
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

from starlette.routing import Route

from core.app import create_app
from core.local import LocalRuntime, load_settings

SNAPSHOT = Path(__file__).with_name("openapi.snapshot.json")


def surface() -> dict[str, Any]:
    """Every route (schema or not, dev routes included) and the OpenAPI document."""
    with tempfile.TemporaryDirectory() as tmp:
        settings = load_settings({}, data_dir=Path(tmp), dev=True, run_cron=False)
        app = create_app(settings, LocalRuntime(settings, run_scheduler=False))
        routes = sorted(
            f"{','.join(sorted(r.methods or ()))} {r.path}"
            for r in app.routes
            if isinstance(r, Route)
        )
        return {"routes": routes, "openapi": app.openapi()}


def render(value: dict[str, Any]) -> str:
    return json.dumps(value, indent=1, sort_keys=True) + "\n"


def test_routes_and_openapi_document_match_the_snapshot() -> None:
    current = surface()
    expected = json.loads(SNAPSHOT.read_text())
    assert current["routes"] == expected["routes"]
    assert current["openapi"] == expected["openapi"], (
        "the OpenAPI document changed; if on purpose, regenerate the snapshot"
        " (python -m tests.http.test_openapi_snapshot) and say why in the commit"
    )


if __name__ == "__main__":
    SNAPSHOT.write_text(render(surface()))
