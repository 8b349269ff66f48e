"""Sessions: one per sign-in, refresh tokens rotated on every use, and their
status mirrored in KV so authenticating a request costs no database query."""

from __future__ import annotations

import base64
import hmac
import json
from dataclasses import dataclass
from typing import Any, Literal

from core.clock import iso
from core.data.actor import Actor
from core.errors import Unauthorized
from core.identity.repo import SessionRepo, SessionRow, SessionState
from core.identity.tokens import (
    AccessClaims,
    InvalidToken,
    hash_secret,
    new_secret,
    split_session_token,
    verify_access,
)
from core.ids import new_id
from core.ports import Ports

API_SESSION_TTL = 30 * 86400
PAGE_SESSION_TTL = 14 * 86400
_DEVICE_MAX = 160
# Parallel refreshes of one token (two tabs, a retried request) within this many
# seconds get the same new token instead of ending the session as a reuse: the
# OAuth 2.0 Security BCP (RFC 9700, 4.14.2) allows such a grace period. Later, the
# old token is a reuse again.
REFRESH_GRACE = 10.0

Kind = Literal["api", "page"]


def cache_key(session_id: str) -> str:
    return f"sess:{session_id}"


@dataclass(frozen=True, slots=True)
class NewSession:
    session_id: str
    token: str  # ``<session id>.<secret>``: the refresh token, or the page cookie
    expires_at: float


class Sessions:
    def __init__(
        self, ports: Ports, access_key: bytes | None = None, rotation_key: bytes | None = None
    ) -> None:
        """``access_key`` is needed only to check access tokens, ``rotation_key``
        only to rotate refresh tokens."""
        self.ports = ports
        self.repo = SessionRepo(ports.db)
        self._access_key = access_key
        self._rotation_key = rotation_key

    def _successor(self, session_id: str, secret: str) -> str:
        """The refresh secret that replaces ``secret``: derived from it with a server
        key, so a parallel refresh within the grace window can answer the same new
        token without it ever being stored."""
        assert self._rotation_key is not None, "rotating needs the rotation key"
        mac = hmac.new(self._rotation_key, f"{session_id}.{secret}".encode(), "sha256")
        return base64.urlsafe_b64encode(mac.digest()).rstrip(b"=").decode()

    async def _cache(self, session_id: str, entry: dict[str, Any], expires_at: float) -> None:
        ttl = max(60, int(expires_at - self.ports.clock.now()))
        await self.ports.kv.put(cache_key(session_id), json.dumps(entry), ttl=ttl)

    async def cache_active(
        self, session_id: str, user_id: str, role: str, secret_hash: str | None, expires_at: float
    ) -> None:
        entry = {"u": user_id, "r": role, "a": 1, "c": secret_hash, "e": expires_at}
        await self._cache(session_id, entry, expires_at)

    async def cache_revoked(self, session_id: str) -> None:
        # Kept as long as an access token of the session can live: "revoked" must
        # win over a database fallback that could lag.
        await self.ports.kv.put(cache_key(session_id), json.dumps({"a": 0}), ttl=API_SESSION_TTL)

    async def start(
        self,
        user_id: str,
        role: str,
        kind: Kind,
        *,
        device: str | None,
        visitor_hash: str | None,
    ) -> NewSession:
        now = self.ports.clock.now()
        session_id = new_id(now)
        secret = new_secret()
        expires = now + (API_SESSION_TTL if kind == "api" else PAGE_SESSION_TTL)
        await self.repo.insert(
            {
                "id": session_id,
                "user_id": user_id,
                "family_id": session_id,
                "kind": kind,
                "refresh_hash": hash_secret(secret),
                "device": device[:_DEVICE_MAX] if device else None,
                "visitor_hash": visitor_hash,
                "created_at": iso(now),
                "last_active_at": iso(now),
                "expires_at": expires,
            }
        )
        # Page sessions are checked against KV on every request; API sessions
        # only need their status there (the access token carries the rest).
        await self.cache_active(
            session_id, user_id, role, hash_secret(secret) if kind == "page" else None, expires
        )
        return NewSession(session_id, f"{session_id}.{secret}", expires)

    async def rotate(self, refresh_token: str) -> tuple[NewSession, str]:
        """A new refresh token for the session (and its user id); a reused one
        revokes the session, a bad one is refused."""
        parts = split_session_token(refresh_token)
        if parts is None:
            raise Unauthorized("This refresh token is not valid.", code="invalid_refresh_token")
        session_id, secret = parts
        now = self.ports.clock.now()
        new = self._successor(session_id, secret)
        if await self.repo.rotate(session_id, hash_secret(secret), hash_secret(new), now, iso(now)):
            row = await self.repo.get(session_id)
            assert row is not None
            return NewSession(session_id, f"{session_id}.{new}", row["expires_at"]), row["user_id"]
        row = await self.repo.get(session_id)
        if row is not None and row["revoked_at"] is None and row["expires_at"] > now:
            if (
                row["previous_hash"] is not None
                and hmac.compare_digest(row["previous_hash"], hash_secret(secret))
                and hmac.compare_digest(row["refresh_hash"], hash_secret(new))
                and now - (row["rotated_at"] or 0.0) <= REFRESH_GRACE
            ):
                # The same token, refreshed again within the grace window.
                return (
                    NewSession(session_id, f"{session_id}.{new}", row["expires_at"]),
                    row["user_id"],
                )
            # The session lives but this secret is not its current one: an old
            # token came back. Someone holds a copy, so end the whole family.
            await self.revoke(session_id, "refresh_token_reuse")
            raise Unauthorized(
                "This refresh token was already used; the session has been ended.",
                code="refresh_token_reused",
            )
        raise Unauthorized("This refresh token is not valid.", code="invalid_refresh_token")

    async def of_user(self, user_id: str) -> list[SessionRow]:
        """The user's sessions, newest first (the account page and ``/api/me/sessions``)."""
        return await self.repo.for_user(user_id)

    async def find(self, session_id: str) -> SessionState | None:
        return await self.repo.get(session_id)

    async def page_for_user(
        self, user_id: str, *, before_id: str | None, limit: int
    ) -> list[SessionRow]:
        """A user's sessions, newest first, a page at a time (``before_id``: the cursor)."""
        return await self.repo.page_for_user(user_id, before_id=before_id, limit=limit)

    async def revoke(self, session_id: str, reason: str) -> bool:
        revoked = await self.repo.revoke(session_id, reason, iso(self.ports.clock.now()))
        await self.cache_revoked(session_id)
        return revoked

    async def revoke_all(self, user_id: str, reason: str, *, except_id: str | None = None) -> None:
        now = iso(self.ports.clock.now())
        for session_id in await self.repo.revoke_all(user_id, reason, now, except_id=except_id):
            await self.cache_revoked(session_id)

    async def recache_role(self, user_id: str, role: str) -> None:
        """After a role change: live sessions act with the new role at once."""
        now = self.ports.clock.now()
        for session_id in await self.repo.live_ids(user_id, now):
            row = await self.repo.get(session_id)
            if row is not None:
                secret_hash = row["refresh_hash"] if row["kind"] == "page" else None
                await self.cache_active(session_id, user_id, role, secret_hash, row["expires_at"])

    async def _status(self, session_id: str) -> dict[str, Any] | None:
        """The cached status; on a miss (evicted, or not yet visible at this edge
        location), the database's, cached again."""
        raw = await self.ports.kv.get(cache_key(session_id))
        if raw is not None:
            entry: dict[str, Any] = json.loads(raw)
            return entry
        row = await self.repo.get(session_id)
        now = self.ports.clock.now()
        if row is None:
            return None
        if row["revoked_at"] or row["user_deleted_at"] or row["expires_at"] <= now:
            await self.cache_revoked(session_id)
            return {"a": 0}
        secret_hash = row["refresh_hash"] if row["kind"] == "page" else None
        await self.cache_active(
            session_id, row["user_id"], row["role"], secret_hash, row["expires_at"]
        )
        return {
            "u": row["user_id"],
            "r": row["role"],
            "a": 1,
            "c": secret_hash,
            "e": row["expires_at"],
        }

    async def actor_from_access_token(self, token: str) -> Actor:
        if self._access_key is None:
            raise RuntimeError("Sessions made without the access-token key")
        try:
            claims: AccessClaims = verify_access(
                self._access_key, token, now=self.ports.clock.now()
            )
        except InvalidToken:
            raise Unauthorized("The access token is not valid.", code="invalid_token") from None
        entry = await self._status(claims.session_id)
        if not entry or not entry.get("a") or entry.get("u") != claims.user_id:
            raise Unauthorized("This session has ended. Sign in again.", code="session_ended")
        return Actor(claims.user_id, entry["r"], claims.session_id)

    async def actor_from_cookie(self, token: str) -> Actor | None:
        parts = split_session_token(token)
        if parts is None:
            return None
        session_id, secret = parts
        entry = await self._status(session_id)
        if not entry or not entry.get("a") or not entry.get("c"):
            return None
        if entry.get("e", 0) <= self.ports.clock.now():
            return None
        if not hmac.compare_digest(entry["c"], hash_secret(secret)):
            return None
        return Actor(entry["u"], entry["r"], session_id)
