"""``Kdf`` over WebCrypto: PBKDF2 runs in native code at the edge, where a
pure-Python PBKDF2 under Pyodide would take seconds (see scripts/bench_passwords.py)."""

from __future__ import annotations

from core.ports import KDF_MAX_ITERATIONS
from worker import interop


class WebCryptoKdf:
    async def pbkdf2_sha256(self, password: bytes, salt: bytes, iterations: int) -> bytes:
        if not 1 <= iterations <= KDF_MAX_ITERATIONS:
            # Workers refuses more than this in one deriveBits call.
            raise ValueError(f"iterations must be 1..{KDF_MAX_ITERATIONS} a call")
        ffi = interop.js_interop()
        subtle = ffi.js.crypto.subtle
        key = await subtle.importKey(
            "raw", ffi.to_js(password), "PBKDF2", False, ffi.to_js(["deriveBits"])
        )
        params = interop.js_object(
            {
                "name": "PBKDF2",
                "hash": "SHA-256",
                "salt": ffi.to_js(salt),
                "iterations": iterations,
            },
            ffi,
        )
        bits = await subtle.deriveBits(params, key, 256)
        return interop.to_bytes(bits)
