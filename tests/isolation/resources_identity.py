"""Identity's owned resources for the isolation walk: A's sessions and linked identities."""

from __future__ import annotations

import httpx


async def create_session(client: httpx.AsyncClient, ids: dict[str, str]) -> str:
    listed = (await client.get("/api/me/sessions")).json()["items"]
    return listed[0]["id"]


async def create_identity(client: httpx.AsyncClient, ids: dict[str, str]) -> str:
    """A linked provider identity of A's, written as a provider sign-in links one
    (the OAuth flow itself runs against its stand-in in tests/identity/test_oauth.py)."""
    from core.clock import iso
    from core.ids import new_id

    runtime = client._transport.app.state.runtime  # type: ignore[attr-defined]
    me = (await client.get("/api/me")).json()
    identity_id, now = new_id(), iso(runtime.ports().clock.now())
    await runtime.database.run(
        "INSERT INTO oauth_identities (id, owner_id, provider, subject, created_at, last_used_at)"
        " VALUES (?, ?, 'github', ?, ?, ?)",
        identity_id,
        me["id"],
        "iso-" + identity_id,
        now,
        now,
    )
    return identity_id


# Path segment before an id parameter -> how user A makes one of that resource.
# Creators run in this dict's order; ``ids`` holds what earlier ones made (by segment).
CREATORS = {"sessions": create_session, "identities": create_identity}
