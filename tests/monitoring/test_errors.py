"""Error reports: sanitised before storage (a property test plants secrets in
random text), grouped by fingerprint, resolved and reopened; server exceptions
from the 500 path are recorded as the platform's."""

from __future__ import annotations

import string

import pytest
from fastapi import APIRouter
from hypothesis import example, given, settings
from hypothesis import strategies as st

from core.clock import FrozenClock
from core.monitoring import errorlog
from core.monitoring.fingerprint import fingerprint
from core.monitoring.models import ErrorReport
from core.monitoring.sanitize import sanitize
from tests.monitoring.conftest import make_public_profile, settle

STACK = """TypeError: Cannot read properties of undefined (reading 'name')
    at render (https://example.com/app.3f9a2c1b.js?v=7:12:345)
    at update (https://example.com/app.3f9a2c1b.js?v=7:40:17)
    at main (https://example.com/main.js:1:9)"""

# ------------------------------------------------------------- sanitising

_word = st.text(alphabet=string.ascii_letters + string.digits + ".,;:!()-_/'\"", max_size=12)
_label = st.text(alphabet=string.ascii_lowercase + string.digits, min_size=1, max_size=10)
_token = st.text(alphabet=string.ascii_letters + string.digits + "-_", min_size=20, max_size=48)
_emails = st.builds(
    lambda a, b, c: f"{a}@{b}.{c}", _label, _label, st.sampled_from(["com", "io", "co.uk"])
)
_ipv4 = st.builds(lambda *p: ".".join(str(x) for x in p), *(st.integers(0, 255) for _ in range(4)))
_ipv6 = st.lists(st.integers(0, 0xFFFF), min_size=8, max_size=8).map(
    lambda g: ":".join(f"{x:x}" for x in g)
)
_ipv6_short = st.lists(st.integers(1, 0xFFFF), min_size=1, max_size=3).map(
    lambda g: "2001:db8::" + ":".join(f"{x:x}" for x in g)
)
_SECRET_QUERY_NAMES = [
    "token",
    "access_token",
    "api_key",
    "key",
    "secret",
    "password",
    "sig",
    "code",
]


@st.composite
def planted(draw) -> tuple[str, list[str]]:
    """Random words with secrets of every kind planted among them; the secrets."""
    kind = draw(st.sampled_from(["email", "bearer", "query", "ipv4", "ipv6", "ipv6s", "jwt", "gh"]))
    if kind == "email":
        secret = draw(_emails)
        text = secret
    elif kind == "bearer":
        secret = draw(_token)
        text = f"Authorization: Bearer {secret}" if draw(st.booleans()) else f"bearer {secret}"
    elif kind == "query":
        secret = draw(_token)
        name = draw(st.sampled_from(_SECRET_QUERY_NAMES))
        text = f"https://api.example.com/v1/x?a=1&{name}={secret}&b=2"
    elif kind == "ipv4":
        secret = draw(_ipv4)
        text = secret
    elif kind == "ipv6":
        secret = draw(_ipv6)
        text = secret
    elif kind == "ipv6s":
        secret = draw(_ipv6_short)
        text = secret
    elif kind == "jwt":
        secret = "eyJ" + draw(_token) + "." + draw(_token) + "." + draw(_token)
        text = secret
    else:
        secret = "ghp_" + draw(
            st.text(alphabet=string.ascii_letters + string.digits, min_size=36, max_size=36)
        )
        text = secret
    words = draw(st.lists(_word, max_size=8))
    at = draw(st.integers(0, len(words)))
    return " ".join([*words[:at], text, *words[at:]]), [secret]


@settings(max_examples=150)
@given(cases=st.lists(planted(), min_size=1, max_size=4))
@example(cases=[("mail me at bob@example.com or 10.0.0.1", ["bob@example.com", "10.0.0.1"])])
def test_planted_secrets_never_survive_sanitising(cases):
    text = "\n".join(t for t, _ in cases)
    cleaned = sanitize(text)
    for _, secrets in cases:
        for secret in secrets:
            assert secret not in cleaned, (secret, cleaned)


@settings(max_examples=40, deadline=None)
@given(cases=st.lists(planted(), min_size=1, max_size=3), in_stack=st.booleans())
async def test_planted_secrets_never_reach_the_database(tmp_path_factory, cases, in_stack):
    from core.adapters.sqlite import SQLiteDatabase
    from core.migrations import migrate

    db = SQLiteDatabase(tmp_path_factory.mktemp("errors") / "db.sqlite3")
    await migrate(db)
    try:
        text = " ".join(t for t, _ in cases)
        report = ErrorReport(
            name="Error",
            message=text[:8000],
            stack=(STACK + "\n" + text) if in_stack else None,
            url=text[:1900],
            context={"detail": text[:1000], "token": "abc"},
        )
        await errorlog.record_report(
            db, report, owner_id=None, at=FrozenClock().now(), private=False, user_agent="ua"
        )
        rows = await db.all("SELECT * FROM error_logs")
        stored = "\n".join(str(v) for r in rows for v in r.values())
        for _, secrets in cases:
            for secret in secrets:
                assert secret not in stored
        assert '"token":"[redacted]"' in stored
    finally:
        await db.close()


# --------------------------------------------------------------- grouping


def test_the_fingerprint_ignores_what_varies_between_occurrences():
    moved = STACK.replace(":12:345", ":13:2").replace("3f9a2c1b", "77aa01ff").replace("v=7", "v=8")
    assert fingerprint("javascript", "TypeError", "a", STACK) == fingerprint(
        "javascript", "TypeError", "b", moved
    )
    assert fingerprint("javascript", "TypeError", "a", STACK) != fingerprint(
        "javascript", "RangeError", "a", STACK
    )
    # without a stack, the message decides, numbers and ids aside
    assert fingerprint("api", "Error", "user 42 not found", None) == fingerprint(
        "api", "Error", "user 977 not found", None
    )
    assert fingerprint("api", "Error", "user 42 not found", None) != fingerprint(
        "api", "Error", "quota exceeded", None
    )


async def test_the_same_error_reported_1000_times_is_one_group_of_1000(runtime, clock):
    report = ErrorReport(name="TypeError", message="x is undefined", stack=STACK)
    for _ in range(1000):
        clock.advance(1)
        await errorlog.record_report(
            runtime.database,
            report,
            owner_id="owner-1",
            at=clock.now(),
            private=False,
            user_agent=None,
        )
    rows = await runtime.database.all("SELECT * FROM error_logs")
    assert len(rows) == 1 and rows[0]["count"] == 1000
    counts = await runtime.database.all("SELECT SUM(count) AS n FROM error_counts")
    assert counts[0]["n"] == 1000


async def test_reports_over_http_group_resolve_and_reopen(app, runtime, alice, client):
    profile = await make_public_profile(alice)
    for _ in range(3):  # a visitor of alice's page
        response = await client.post(
            "/api/monitoring/errors",
            json={
                "name": "TypeError",
                "message": "boom at 10.1.2.3",
                "stack": STACK,
                "profile_id": profile,
                "severity": "high",
            },
        )
        assert response.status_code == 202
    await settle(app, runtime)
    [group] = (await alice.get("/api/monitoring/errors")).json()["items"]
    assert group["count"] == 3 and group["severity"] == "high"
    assert "10.1.2.3" not in group["error_message"] and "[ip]" in group["error_message"]

    resolved = await alice.patch(f"/api/monitoring/errors/{group['id']}", json={"resolved": True})
    assert resolved.status_code == 200 and resolved.json()["resolved"] is True
    assert (await alice.get("/api/monitoring/errors", params={"resolved": "false"})).json()[
        "items"
    ] == []
    reopened = await alice.patch(f"/api/monitoring/errors/{group['id']}", json={"resolved": False})
    assert reopened.json()["resolved"] is False and reopened.json()["resolved_at"] is None
    # a new occurrence of a resolved group reopens it
    await alice.patch(f"/api/monitoring/errors/{group['id']}", json={"resolved": True})
    await client.post(
        "/api/monitoring/errors",
        json={"name": "TypeError", "message": "boom", "stack": STACK, "profile_id": profile},
    )
    await settle(app, runtime)
    [group] = (await alice.get("/api/monitoring/errors")).json()["items"]
    assert group["count"] == 4 and group["resolved"] is False


@pytest.mark.parametrize(
    "body",
    [
        {"message": ""},
        {"message": "x", "type": "css"},
        {"message": "x", "severity": "fatal"},
        {"message": "x", "unknown": 1},
        {"message": "x", "context": {"a": {"b": {"c": {"d": {"e": 1}}}}}},
    ],
)
async def test_bad_reports_answer_422_and_store_nothing(app, runtime, client, body):
    response = await client.post("/api/monitoring/errors", json=body)
    assert response.status_code == 422, response.text
    await settle(app, runtime)
    assert await runtime.database.all("SELECT id FROM error_logs") == []


async def test_a_report_over_64_kb_is_413(client):
    response = await client.post(
        "/api/monitoring/errors", json={"message": "x", "stack": "y" * 70_000}
    )
    assert response.status_code == 413


@pytest.mark.planted_error
async def test_a_server_exception_is_recorded_sanitised_from_the_500_path(app, runtime, client):
    router = APIRouter()

    @router.get("/api/boom/{item}")
    async def boom(item: str) -> None:
        raise RuntimeError(f"lookup failed for carol@example.com from 192.0.2.7 ({item})")

    app.router.routes.extend(router.routes)
    for item in ("a", "b"):
        response = await client.get(f"/api/boom/{item}")
        assert response.status_code == 500
        assert response.json()["error"]["code"] == "internal_error"
    await settle(app, runtime)
    [row] = await runtime.database.all("SELECT * FROM error_logs")
    assert row["scope"] == "platform" and row["owner_id"] is None
    assert row["error_type"] == "server" and row["error_name"] == "RuntimeError"
    assert row["count"] == 2 and row["severity"] == "high"
    assert "carol@example.com" not in row["error_message"] + row["error_stack"]
    assert "192.0.2.7" not in row["error_message"] + row["error_stack"]
    assert '"route":"/api/boom/{item}"' in row["context"]
