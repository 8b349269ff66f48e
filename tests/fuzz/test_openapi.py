"""Every route of /openapi.json fuzzed with schemathesis, unauthenticated and
signed in (the user's own ids in the path): no 5xx, no response that breaks the
document. Bounded for scripts/test; scripts/fuzz_api.py runs it longer."""

from __future__ import annotations

import os
from typing import Any

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from tests.fuzz.conftest import real_id


def _document() -> dict[str, Any]:
    """The product's /openapi.json, as the served app generates it (no I/O)."""
    from core.app import create_app
    from core.runtime import FixedRuntime
    from core.settings import Settings

    settings = Settings(secret_key="x" * 32, ip_pepper="y" * 32)
    return create_app(settings, FixedRuntime(None)).openapi()  # type: ignore[arg-type]


# Loaded at collection (schemathesis's lazy fixture loader does not run on pytest 9);
# a test below checks that the served document is this one.
schema = schemathesis.openapi.from_dict(_document())
CHECKS = [not_a_server_error, response_schema_conformance]
# Per operation: about 60 operations, twice (unauthenticated, signed in).
EXAMPLES = int(os.environ.get("CREATOR_EDGE_FUZZ_EXAMPLES", "6"))
# Signing out, or erasing the account, would end the signed-in run's session.
SESSION_ENDING = {("POST", "/api/auth/logout"), ("DELETE", "/api/me")}
FUZZ_SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)


@schema.parametrize()
@FUZZ_SETTINGS
def test_unauthenticated(case: Any, fuzz_server) -> None:
    case.call_and_validate(base_url=fuzz_server.base_url, checks=CHECKS, timeout=30)


@schema.parametrize()
@FUZZ_SETTINGS
def test_signed_in_with_real_ids(case: Any, fuzz_server, owner) -> None:
    if (case.method.upper(), case.path) in SESSION_ENDING:
        return
    ids = owner["ids"]
    for name in list(case.path_parameters or {}):
        if (value := real_id(case.path, name, ids)) is not None:
            case.path_parameters[name] = value
    if case.path.startswith("/api/me/sessions/"):
        case.path_parameters = {"session_id": "01nosuchsession"}  # never our own
    case.call_and_validate(
        base_url=fuzz_server.base_url, headers=owner["auth"], checks=CHECKS, timeout=30
    )


def test_the_fuzzed_document_is_the_served_one(fuzz_server) -> None:
    import httpx

    served = httpx.get(fuzz_server.base_url + "/openapi.json", timeout=10).json()
    assert served == _document()
