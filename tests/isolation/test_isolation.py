"""Per-owner isolation, tested generically over the whole API.

User A creates one of every owned resource the API offers. User B then calls
every route of /openapi.json that takes an id, with A's ids: every call must
answer 404, and nothing of A's may change. The walk reads the OpenAPI document,
so a route added later is covered without editing this test; a route whose id
names a resource nobody knows how to create fails the test until its feature
adds a creator in ``tests/isolation/resources_<feature>.py``.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from typing import Any

import tests.isolation as isolation_pkg

PARAM = re.compile(r"\{([^}]+)\}")
# Routes where B acting on A's id is not an ownership question.
ADMIN_PREFIX = "/api/admin/"


def creators() -> dict[str, Any]:
    found: dict[str, Any] = {}
    for module in pkgutil.iter_modules(isolation_pkg.__path__):
        if module.name.startswith("resources_"):
            found.update(importlib.import_module(f"tests.isolation.{module.name}").CREATORS)
    return found


def segment_of(path: str, param: str) -> str:
    """The resource an id parameter names: the path segment before it."""
    parts = path.split("/")
    index = parts.index("{" + param + "}")
    return parts[index - 1]


def example_body(operation: dict[str, Any], spec: dict[str, Any]) -> Any:
    """A plausible body, so a route cannot answer 422 before it looks the id up."""
    content = operation.get("requestBody", {}).get("content", {})
    if "application/json" not in content:
        return None
    schema = content["application/json"].get("schema", {})
    if "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    body: dict[str, Any] = {}
    for name in schema.get("required", []):
        prop = schema["properties"][name]
        kind = prop.get("type") or next(
            (a.get("type") for a in prop.get("anyOf", []) if a.get("type") != "null"), "string"
        )
        body[name] = {"integer": 1, "number": 1, "boolean": True, "array": [], "object": {}}.get(
            kind, "example"
        )
    return body


async def test_user_b_cannot_reach_anything_of_user_a(alice, bob, runtime) -> None:
    made: dict[str, str] = {}
    for segment, create in creators().items():
        made[segment] = await create(alice, made)
    # What alice's requests record after their responses (her upload's event) is in
    # before the first export, so the two exports compare what bob's calls did.
    assert await runtime.defer.drain(5)
    await runtime.analytics_writer.flush()
    before = (await alice.get("/api/me/export")).json()

    spec = (await bob.get("/openapi.json")).json()
    checked = []
    for path, operations in spec["paths"].items():
        params = PARAM.findall(path)
        if not params or path.startswith(ADMIN_PREFIX):
            continue
        concrete = path
        for param in params:
            segment = segment_of(path, param)
            assert segment in made, (
                f"{path}: no creator for '{segment}' ids; add one in tests/isolation/"
            )
            concrete = concrete.replace("{" + param + "}", made[segment])
        for method, operation in operations.items():
            body = example_body(operation, spec)
            response = await bob.request(
                method.upper(), concrete, json=body if body is not None else None
            )
            assert response.status_code == 404, (method, path, response.status_code, response.text)
            assert response.json()["error"]["code"] == "not_found"
            checked.append(f"{method.upper()} {path}")
    assert checked, "no id-taking routes were found"

    after = (await alice.get("/api/me/export")).json()
    for volatile in ("exported_at", "audit"):
        before.pop(volatile), after.pop(volatile)
    assert after == before
