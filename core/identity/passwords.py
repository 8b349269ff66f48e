"""Password hashing: PBKDF2-HMAC-SHA256, 600,000 iterations (OWASP), run as
chained calls of at most 100,000 so WebCrypto at the edge can compute it.

Stored as ``pbkdf2-sha256$<iterations>$<per call>$<salt>$<hash>`` (base64), so
the parameters travel with each hash and can be raised later: a verify against
a weaker hash reports that it needs rehashing.
"""

from __future__ import annotations

import base64
import hmac
import os
from dataclasses import dataclass

from core.ports import KDF_MAX_ITERATIONS, Kdf

SCHEME = "pbkdf2-sha256"
ITERATIONS = 600_000
SALT_BYTES = 16


@dataclass(frozen=True, slots=True)
class Verified:
    ok: bool
    needs_rehash: bool = False


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text + "=" * (-len(text) % 4))


class PasswordHasher:
    def __init__(self, kdf: Kdf, iterations: int = ITERATIONS) -> None:
        if iterations % KDF_MAX_ITERATIONS and iterations > KDF_MAX_ITERATIONS:
            raise ValueError("iterations above the per-call cap must be a multiple of it")
        self._kdf = kdf
        self.iterations = iterations
        self._decoy: str | None = None

    async def _derive(self, password: bytes, salt: bytes, total: int, per_call: int) -> bytes:
        # Chaining keeps the cost sequential: each call needs the previous output.
        key = password
        for _ in range(max(1, total // per_call)):
            key = await self._kdf.pbkdf2_sha256(key, salt, per_call)
        return key

    async def hash(self, password: str) -> str:
        salt = os.urandom(SALT_BYTES)
        per_call = min(self.iterations, KDF_MAX_ITERATIONS)
        digest = await self._derive(password.encode(), salt, self.iterations, per_call)
        return f"{SCHEME}${self.iterations}${per_call}${_b64(salt)}${_b64(digest)}"

    async def verify(self, password: str, encoded: str) -> Verified:
        try:
            scheme, total, per_call, salt, digest = encoded.split("$")
            total_n, per_call_n = int(total), int(per_call)
        except ValueError:
            return Verified(False)
        if scheme != SCHEME or not 0 < per_call_n <= KDF_MAX_ITERATIONS or total_n > 10_000_000:
            return Verified(False)
        actual = await self._derive(password.encode(), _unb64(salt), total_n, per_call_n)
        ok = hmac.compare_digest(actual, _unb64(digest))
        return Verified(ok, needs_rehash=ok and total_n < self.iterations)

    async def verify_decoy(self, password: str) -> None:
        """Spend the time of a real verify, for sign-ins of unknown accounts."""
        if self._decoy is None:
            self._decoy = await self.hash("decoy password that matches nothing")
        await self.verify(password, self._decoy)
