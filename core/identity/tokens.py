"""Access tokens (JWT, 15 minutes) and refresh tokens (opaque, rotated, stored hashed)."""

from __future__ import annotations

import functools
import hashlib
import hmac
import secrets
from dataclasses import dataclass

import jwt

ACCESS_TTL = 15 * 60
ISSUER = "creator-edge"
AUDIENCE = "creator-edge-api"
ALGORITHM = "HS256"
TOKEN_TYPE = "at+jwt"  # noqa: S105 (RFC 9068: marks an access token, so no other JWT passes as one)


class InvalidToken(Exception):
    """The token is malformed, forged, expired or not an access token."""


@dataclass(frozen=True, slots=True)
class AccessClaims:
    user_id: str
    session_id: str
    expires_at: int


@functools.lru_cache(maxsize=8)
def signing_key(secret: str, purpose: str) -> bytes:
    """A key for one purpose, derived from the one secret (a leak of one is not a leak of all)."""
    return hmac.new(secret.encode(), purpose.encode(), hashlib.sha256).digest()


def issue_access(key: bytes, *, user_id: str, session_id: str, now: float) -> str:
    issued = int(now)
    claims = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": user_id,
        "sid": session_id,
        "iat": issued,
        "exp": issued + ACCESS_TTL,
    }
    return jwt.encode(claims, key, algorithm=ALGORITHM, headers={"typ": TOKEN_TYPE})


def verify_access(key: bytes, token: str, *, now: float) -> AccessClaims:
    """The claims of a valid access token, or ``InvalidToken``."""
    claims = _verified_claims(key, token)
    if claims.expires_at <= now or claims.issued_at > now + 60:
        raise InvalidToken("expired or not yet valid")
    return AccessClaims(claims.user_id, claims.session_id, claims.expires_at)


@dataclass(frozen=True, slots=True)
class _Checked:
    user_id: str
    session_id: str
    issued_at: int
    expires_at: int


@functools.lru_cache(maxsize=4096)
def _verified_claims(key: bytes, token: str) -> _Checked:
    """Signature, algorithm, type, issuer and audience: fixed for a given token and
    key, so a token seen again skips the HMAC and the parse (time is checked apart)."""
    try:
        # exp and iat are checked by the caller against the injected clock.
        decoded = jwt.api_jwt.decode_complete(
            token,
            key,
            algorithms=[ALGORITHM],
            audience=AUDIENCE,
            issuer=ISSUER,
            options={
                "require": ["iss", "aud", "sub", "sid", "iat", "exp"],
                "verify_exp": False,
                "verify_iat": False,
            },
        )
    except jwt.PyJWTError as exc:
        raise InvalidToken(str(exc)) from None
    if decoded["header"].get("typ") != TOKEN_TYPE:
        raise InvalidToken("not an access token")
    claims = decoded["payload"]
    exp, iat, sub, sid = claims["exp"], claims["iat"], claims["sub"], claims["sid"]
    if not isinstance(exp, int) or not isinstance(iat, int):
        raise InvalidToken("bad times")
    if not isinstance(sub, str) or not isinstance(sid, str):
        raise InvalidToken("bad subject")
    return _Checked(sub, sid, iat, exp)


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def hash_secret(secret: str) -> str:
    """Refresh and cookie secrets have 256 bits of entropy: a plain SHA-256 suffices."""
    return hashlib.sha256(secret.encode()).hexdigest()


def split_session_token(token: str) -> tuple[str, str] | None:
    """``<session id>.<secret>`` into its parts, or None when malformed."""
    session_id, sep, secret = token.partition(".")
    if not sep or not session_id or len(secret) < 32 or len(token) > 200:
        return None
    return session_id, secret
