"""``Kdf`` on hashlib (OpenSSL), in a thread: a hash takes tens of milliseconds."""

from __future__ import annotations

import asyncio
import hashlib

from core.ports import KDF_MAX_ITERATIONS


class HashlibKdf:
    async def pbkdf2_sha256(self, password: bytes, salt: bytes, iterations: int) -> bytes:
        if not 1 <= iterations <= KDF_MAX_ITERATIONS:
            # The same ceiling as the edge, so a hash made here verifies there.
            raise ValueError(f"iterations must be 1..{KDF_MAX_ITERATIONS} a call")
        return await asyncio.to_thread(hashlib.pbkdf2_hmac, "sha256", password, salt, iterations)
