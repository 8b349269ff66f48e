"""A stand-in OAuth provider for GitHub, Google and X on 127.0.0.1, over real HTTP
(uvicorn serving a small Starlette app in the test's loop).

``/{p}/authorize`` approves at once as ``who[p]`` and redirects back with a code;
``/{p}/token`` checks the client, the exact redirect URI, the PKCE verifier (S256)
and that the code is used once (a reused code: 400 invalid_grant); Google's answer
carries an RS256 ``id_token`` signed by a key its ``/google/jwks`` publishes;
``/github/user``, ``/github/user/emails`` and ``/x/2/users/me`` answer for a bearer
token. ``down`` makes every endpoint answer 503. Every request is recorded."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import secrets
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import jwt
import uvicorn
from cryptography.hazmat.primitives.asymmetric import rsa
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from tests.served import free_port

CLIENT_ID, CLIENT_SECRET = "standin-client", "standin-secret"


@dataclass
class Person:
    subject: str
    email: str | None = None
    email_verified: bool = True
    name: str = "Someone"
    login: str = "someone"


def _b64(n: int) -> str:
    raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


@dataclass
class OAuthStandin:
    who: dict[str, Person] = field(default_factory=dict)
    down: bool = False
    seen: list[tuple[str, str]] = field(default_factory=list)
    codes: dict[str, dict[str, Any]] = field(default_factory=dict)
    tokens: dict[str, tuple[str, Person]] = field(default_factory=dict)
    kid: str = "standin-key-1"
    # Set to make the next id_token wrong in one way: "audience", "expired", "signature", "nonce".
    spoil: str | None = None

    def __post_init__(self) -> None:
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._server: uvicorn.Server | None = None
        self._task: asyncio.Task[None] | None = None

    def settings_env(self, provider: str) -> str:
        import json

        base = f"{self.url}/{provider}"
        config = {
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "authorize_url": f"{base}/authorize",
            "token_url": f"{base}/token",
            "userinfo_url": {"github": f"{base}/user", "x": f"{base}/2/users/me"}.get(
                provider, f"{base}/userinfo"
            ),
        }
        if provider == "google":
            config |= {"jwks_url": f"{base}/jwks", "issuer": "https://accounts.google.com"}
        return json.dumps(config)

    # ------------------------------------------------------------ endpoints

    async def _authorize(self, request: Request) -> Response:
        p = request.path_params["p"]
        q = request.query_params
        self.seen.append(("authorize", p))
        if self.down:
            return Response("down", status_code=503)
        if q.get("code_challenge_method") != "S256" or not q.get("code_challenge"):
            return JSONResponse({"error": "invalid_request"}, status_code=400)
        code = secrets.token_urlsafe(16)
        self.codes[code] = {
            "provider": p,
            "redirect_uri": q["redirect_uri"],
            "challenge": q["code_challenge"],
            "nonce": q.get("nonce"),
            "person": self.who[p],
            "used": False,
        }
        back = f"{q['redirect_uri']}?{urlencode({'code': code, 'state': q['state']})}"
        return RedirectResponse(back, status_code=302)

    def _client_ok(self, request: Request, form: Any, p: str) -> bool:
        if p == "x":
            header = request.headers.get("authorization", "")
            want = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
            return header == f"Basic {want}"
        return form.get("client_id") == CLIENT_ID and form.get("client_secret") == CLIENT_SECRET

    async def _token(self, request: Request) -> Response:
        p = request.path_params["p"]
        self.seen.append(("token", p))
        if self.down:
            return Response("down", status_code=503)
        form = await request.form()
        if not self._client_ok(request, form, p):
            return JSONResponse({"error": "invalid_client"}, status_code=401)
        grant = self.codes.get(str(form.get("code")))
        if grant is None or grant["used"] or grant["provider"] != p:
            return JSONResponse({"error": "invalid_grant"}, status_code=400)
        grant["used"] = True
        if form.get("redirect_uri") != grant["redirect_uri"]:
            return JSONResponse({"error": "invalid_grant", "why": "redirect_uri"}, status_code=400)
        verifier = str(form.get("code_verifier", ""))
        digest = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=")
        if digest.decode() != grant["challenge"]:
            return JSONResponse({"error": "invalid_grant", "why": "pkce"}, status_code=400)
        access = secrets.token_urlsafe(16)
        person: Person = grant["person"]
        self.tokens[access] = (p, person)
        body: dict[str, Any] = {"access_token": access, "token_type": "bearer"}
        if p == "google":
            body["id_token"] = self.id_token(person, grant["nonce"])
        return JSONResponse(body)

    def id_token(self, person: Person, nonce: str | None) -> str:
        now = int(time.time())
        claims = {
            "iss": "https://accounts.google.com",
            "aud": CLIENT_ID,
            "sub": person.subject,
            "email": person.email,
            "email_verified": person.email_verified,
            "name": person.name,
            "iat": now,
            "exp": now + 3600,
            "nonce": nonce,
        }
        spoil, self.spoil = self.spoil, None
        if spoil == "audience":
            claims["aud"] = "someone-else"
        elif spoil == "expired":
            claims["exp"] = now - 3600
        elif spoil == "nonce":
            claims["nonce"] = "not-the-nonce"
        key = self.key
        if spoil == "signature":
            key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        return jwt.encode(claims, key, algorithm="RS256", headers={"kid": self.kid})

    async def _jwks(self, request: Request) -> Response:
        self.seen.append(("jwks", "google"))
        numbers = self.key.public_key().public_numbers()
        keys = [
            {
                "kty": "RSA",
                "kid": self.kid,
                "alg": "RS256",
                "use": "sig",
                "n": _b64(numbers.n),
                "e": _b64(numbers.e),
            }
        ]
        return JSONResponse({"keys": keys})

    def _bearer(self, request: Request) -> Person | None:
        token = request.headers.get("authorization", "").removeprefix("Bearer ")
        found = self.tokens.get(token)
        return found[1] if found else None

    async def _github_user(self, request: Request) -> Response:
        self.seen.append(("user", "github"))
        person = self._bearer(request)
        if self.down:
            return Response("down", status_code=503)
        if person is None:
            return JSONResponse({"message": "Bad credentials"}, status_code=401)
        return JSONResponse(
            {"id": int(person.subject), "login": person.login, "name": person.name, "email": None}
        )

    async def _github_emails(self, request: Request) -> Response:
        person = self._bearer(request)
        if person is None:
            return JSONResponse({"message": "Bad credentials"}, status_code=401)
        emails = (
            [{"email": person.email, "primary": True, "verified": person.email_verified}]
            if person.email
            else []
        )
        return JSONResponse(emails)

    async def _x_me(self, request: Request) -> Response:
        self.seen.append(("user", "x"))
        person = self._bearer(request)
        if self.down:
            return Response("down", status_code=503)
        if person is None:
            return JSONResponse({"title": "Unauthorized"}, status_code=401)
        return JSONResponse(
            {"data": {"id": person.subject, "name": person.name, "username": person.login}}
        )

    # ------------------------------------------------------------ lifecycle

    async def start(self) -> OAuthStandin:
        app = Starlette(
            routes=[
                Route("/{p}/authorize", self._authorize),
                Route("/{p}/token", self._token, methods=["POST"]),
                Route("/google/jwks", self._jwks),
                Route("/github/user", self._github_user),
                Route("/github/user/emails", self._github_emails),
                Route("/x/2/users/me", self._x_me),
            ]
        )
        config = uvicorn.Config(
            app, host="127.0.0.1", port=self.port, log_config=None, access_log=False, lifespan="off"
        )
        self._server = uvicorn.Server(config)
        self._task = asyncio.create_task(self._server.serve())
        while not self._server.started:
            await asyncio.sleep(0.01)
        return self

    async def stop(self) -> None:
        if self._server is not None and self._task is not None:
            self._server.should_exit = True
            await self._task
