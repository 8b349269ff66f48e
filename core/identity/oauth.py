"""Sign-in with GitHub, Google and X: the OAuth 2.0 authorization-code flow with
PKCE (S256) and ``state``, both bound to a short-lived KV entry used once.

``begin`` makes the provider's authorization URL and keeps what the callback must
match (provider, code verifier, exact redirect URI, Google's nonce, who is linking);
``finish`` takes that entry back (deleting it: a replayed callback finds nothing),
trades the code for tokens, and reads who the provider says signed in. Google's
``id_token`` is verified here: RS256 against its JWKS (cached in KV), issuer,
audience, expiry and nonce; its signature through the ``Cipher`` port, so the same
check runs on WebCrypto at the edge and on ``cryptography`` locally. PyJWT (already
the product's JWT library) parses the token and checks its claims.

Endpoints come from the settings (``CREATOR_EDGE_OAUTH_<PROVIDER>``), so tests
drive a stand-in provider over real HTTP."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import jwt

from core.errors import AppError, BadRequest, DependencyDown
from core.ports import HttpError, HttpResponse, Ports
from core.settings import Settings

PROVIDERS = ("github", "google", "x")
STATE_TTL = 600  # ten minutes to come back from the provider
JWKS_TTL = 3600
TIMEOUT = 10.0
_STATE_PREFIX = "oauth:state:"
_JWKS_PREFIX = "oauth:jwks:"

_DEFAULTS: dict[str, dict[str, str]] = {
    "github": {
        "authorize_url": "https://github.com/login/oauth/authorize",
        "token_url": "https://github.com/login/oauth/access_token",
        "userinfo_url": "https://api.github.com/user",
        "scope": "read:user user:email",
    },
    "google": {
        "authorize_url": "https://accounts.google.com/o/oauth2/v2/auth",
        "token_url": "https://oauth2.googleapis.com/token",
        "userinfo_url": "https://openidconnect.googleapis.com/v1/userinfo",
        "jwks_url": "https://www.googleapis.com/oauth2/v3/certs",
        "issuer": "https://accounts.google.com",
        "scope": "openid email profile",
    },
    "x": {
        "authorize_url": "https://x.com/i/oauth2/authorize",
        "token_url": "https://api.x.com/2/oauth2/token",
        "userinfo_url": "https://api.x.com/2/users/me",
        "scope": "users.read tweet.read",
    },
}


class OAuthRefused(BadRequest):
    """The flow cannot go on: a wrong or used ``state``, a refused code, a bad token."""

    def __init__(self, message: str, code: str = "oauth_refused") -> None:
        super().__init__(message, code=code)


@dataclass(frozen=True, slots=True)
class Provider:
    name: str
    client_id: str
    client_secret: str
    authorize_url: str
    token_url: str
    userinfo_url: str
    scope: str
    jwks_url: str | None = None
    issuer: str | None = None


def provider(settings: Settings, name: str) -> Provider | None:
    """The configured provider called ``name``, or None (unknown or switched off)."""
    if name not in PROVIDERS:
        return None
    raw = getattr(settings, f"oauth_{name}")
    if raw is None:
        return None
    try:
        given = json.loads(raw.get_secret_value())
    except ValueError:
        raise ValueError(f"CREATOR_EDGE_OAUTH_{name.upper()} is not JSON") from None
    fields = {**_DEFAULTS[name], **{k: v for k, v in given.items() if isinstance(v, str)}}
    return Provider(name=name, **{k: fields[k] for k in fields if k in Provider.__slots__})


def enabled(settings: Settings) -> list[str]:
    return [name for name in PROVIDERS if getattr(settings, f"oauth_{name}") is not None]


@dataclass(frozen=True, slots=True)
class ProviderAccount:
    """Who the provider says signed in."""

    provider: str
    subject: str
    email: str | None
    email_verified: bool
    display_name: str | None
    username: str | None


@dataclass(frozen=True, slots=True)
class Pending:
    """What ``begin`` kept for the callback."""

    provider: str
    verifier: str
    redirect_uri: str
    nonce: str
    link_user_id: str | None
    next: str


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def challenge(verifier: str) -> str:
    """PKCE S256: base64url(SHA-256(verifier)) (RFC 7636, 4.2)."""
    return _b64(hashlib.sha256(verifier.encode()).digest())


async def begin(
    ports: Ports, p: Provider, redirect_uri: str, *, link_user_id: str | None, next: str
) -> str:
    """The provider's authorization URL; the state entry is kept in KV."""
    state, verifier, nonce = (
        secrets.token_urlsafe(32),
        secrets.token_urlsafe(48),
        secrets.token_urlsafe(16),
    )
    entry = {
        "provider": p.name,
        "verifier": verifier,
        "redirect_uri": redirect_uri,
        "nonce": nonce,
        "link_user_id": link_user_id,
        "next": next,
    }
    await ports.kv.put(_STATE_PREFIX + state, json.dumps(entry), ttl=STATE_TTL)
    params = {
        "response_type": "code",
        "client_id": p.client_id,
        "redirect_uri": redirect_uri,
        "scope": p.scope,
        "state": state,
        "code_challenge": challenge(verifier),
        "code_challenge_method": "S256",
    }
    if p.name == "google":
        params["nonce"] = nonce
    sep = "&" if "?" in p.authorize_url else "?"
    return f"{p.authorize_url}{sep}{urlencode(params)}"


async def take_state(ports: Ports, name: str, state: str | None) -> Pending:
    """The state entry of this callback, deleted as it is read: used once."""
    if not state or len(state) > 128:
        raise OAuthRefused(
            "This sign-in did not start here, or it expired. Try again.", "bad_state"
        )
    key = _STATE_PREFIX + state
    raw = await ports.kv.get(key)
    if raw is None:
        raise OAuthRefused(
            "This sign-in did not start here, or it expired. Try again.", "bad_state"
        )
    await ports.kv.delete(key)
    entry = json.loads(raw)
    if entry.get("provider") != name:
        raise OAuthRefused("This sign-in was started with another provider.", "bad_state")
    return Pending(**entry)


async def _call(ports: Ports, p: Provider, method: str, url: str, **kw: Any) -> HttpResponse:
    try:
        return await ports.http.request(method, url, timeout=TIMEOUT, **kw)
    except HttpError:
        raise DependencyDown(
            f"Sign-in with {p.name} is unavailable right now: the provider does not answer.",
            code="provider_down",
        ) from None


def _json(response: HttpResponse, p: Provider, what: str) -> dict[str, Any]:
    if response.status >= 500:
        raise DependencyDown(
            f"Sign-in with {p.name} is unavailable right now ({what}: {response.status}).",
            code="provider_down",
        )
    try:
        body = response.json()
    except ValueError:
        body = None
    if response.status != 200 or not isinstance(body, dict):
        raise OAuthRefused(f"{p.name} refused the sign-in ({what}). Try again.")
    return body


async def exchange(ports: Ports, p: Provider, pending: Pending, code: str) -> dict[str, Any]:
    """Trade the code for tokens (the verifier and the exact redirect URI go along)."""
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": pending.redirect_uri,
        "client_id": p.client_id,
        "code_verifier": pending.verifier,
    }
    headers = {"content-type": "application/x-www-form-urlencoded", "accept": "application/json"}
    if p.name == "x":  # a confidential client authenticates with HTTP Basic there
        basic = base64.b64encode(f"{p.client_id}:{p.client_secret}".encode()).decode()
        headers["authorization"] = f"Basic {basic}"
    else:
        form["client_secret"] = p.client_secret
    response = await _call(
        ports, p, "POST", p.token_url, headers=headers, body=urlencode(form).encode()
    )
    tokens = _json(response, p, "token")
    if not isinstance(tokens.get("access_token"), str):
        raise OAuthRefused(f"{p.name} refused the sign-in (token). Try again.")
    return tokens


async def _jwks(ports: Ports, p: Provider, *, fresh: bool) -> list[dict[str, Any]]:
    assert p.jwks_url is not None
    key = _JWKS_PREFIX + p.name
    if not fresh:
        cached = await ports.kv.get(key)
        if cached is not None:
            keys: list[dict[str, Any]] = json.loads(cached)
            return keys
    body = _json(await _call(ports, p, "GET", p.jwks_url), p, "keys")
    found = [k for k in body.get("keys", []) if isinstance(k, dict)]
    await ports.kv.put(key, json.dumps(found), ttl=JWKS_TTL)
    return found


def _b64d(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


async def verify_id_token(ports: Ports, p: Provider, token: str, nonce: str) -> dict[str, Any]:
    """Google's id_token: RS256 under a key of its JWKS (refetched once for an unknown
    ``kid``), then issuer, audience, expiry, issued-at and nonce."""
    refused = OAuthRefused(f"{p.name}'s identity token did not verify.", "bad_id_token")
    try:
        header = jwt.get_unverified_header(token)
        signing_input, _, signature = token.rpartition(".")
        sig = _b64d(signature)
    except (jwt.PyJWTError, ValueError):
        raise refused from None
    if header.get("alg") != "RS256" or not isinstance(header.get("kid"), str):
        raise refused
    key = None
    for fresh in (False, True):
        keys = await _jwks(ports, p, fresh=fresh)
        key = next(
            (k for k in keys if k.get("kid") == header["kid"] and k.get("kty") == "RSA"), None
        )
        if key is not None:
            break
    if key is None:
        raise refused
    try:
        modulus, exponent = _b64d(key["n"]), _b64d(key["e"])
    except (KeyError, ValueError, TypeError):
        raise refused from None
    assert ports.cipher is not None
    if not await ports.cipher.rsa_sha256_verify(modulus, exponent, signing_input.encode(), sig):
        raise refused
    try:
        claims: dict[str, Any] = jwt.decode(
            token,
            options={
                "verify_signature": False,  # checked above, against the JWKS
                "verify_exp": True,
                "verify_iat": True,
                "verify_aud": True,
                "verify_iss": True,
                "require": ["iss", "aud", "exp", "iat", "sub"],
            },
            audience=p.client_id,
            issuer=p.issuer,
            leeway=60,
        )
    except jwt.PyJWTError:
        raise refused from None
    if claims.get("nonce") != nonce:
        raise refused
    return claims


async def account_of(
    ports: Ports, p: Provider, tokens: dict[str, Any], pending: Pending
) -> ProviderAccount:
    """Who signed in: from Google's verified id_token, or the provider's user API."""
    if p.name == "google":
        id_token = tokens.get("id_token")
        if not isinstance(id_token, str):
            raise OAuthRefused("google sent no identity token.", "bad_id_token")
        c = await verify_id_token(ports, p, id_token, pending.nonce)
        return ProviderAccount(
            "google",
            str(c["sub"]),
            c.get("email") if isinstance(c.get("email"), str) else None,
            c.get("email_verified") is True,
            c.get("name") if isinstance(c.get("name"), str) else None,
            None,
        )
    auth = {"authorization": f"Bearer {tokens['access_token']}", "accept": "application/json"}
    me = _json(await _call(ports, p, "GET", p.userinfo_url, headers=auth), p, "profile")
    if p.name == "x":
        given = me.get("data")
        data: dict[str, Any] = given if isinstance(given, dict) else {}
        if not data.get("id"):
            raise OAuthRefused("x sent no account id.")
        return ProviderAccount(
            "x", str(data["id"]), None, False, data.get("name"), data.get("username")
        )
    if not me.get("id"):
        raise OAuthRefused("github sent no account id.")
    email, verified = None, False
    emails = await _call(ports, p, "GET", p.userinfo_url.rstrip("/") + "/emails", headers=auth)
    if emails.status == 200:
        listed = emails.json()
        primary = (
            next((e for e in listed if isinstance(e, dict) and e.get("primary")), None)
            if isinstance(listed, list)
            else None
        )
        if primary and isinstance(primary.get("email"), str):
            email, verified = primary["email"], primary.get("verified") is True
    return ProviderAccount(
        "github", str(me["id"]), email, verified, me.get("name"), me.get("login")
    )


def is_flow_error(error: Exception) -> bool:
    return isinstance(error, AppError)
