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


def _b64url(data: bytes) -> str:
    import base64

    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class WebCryptoCipher:
    """``Cipher`` over WebCrypto: AES-GCM output is ciphertext then the 16-byte tag,
    as ``cryptography``'s, so values sealed at either end open at the other."""

    async def _aes(self, key: bytes, usage: str) -> object:
        ffi = interop.js_interop()
        return await ffi.js.crypto.subtle.importKey(
            "raw", ffi.to_js(key), "AES-GCM", False, ffi.to_js([usage])
        )

    def _params(self, nonce: bytes, aad: bytes) -> object:
        ffi = interop.js_interop()
        return interop.js_object(
            {"name": "AES-GCM", "iv": ffi.to_js(nonce), "additionalData": ffi.to_js(aad)}, ffi
        )

    async def seal(self, key: bytes, nonce: bytes, plaintext: bytes, aad: bytes) -> bytes:
        ffi = interop.js_interop()
        aes = await self._aes(key, "encrypt")
        out = await ffi.js.crypto.subtle.encrypt(
            self._params(nonce, aad), aes, ffi.to_js(plaintext)
        )
        return interop.to_bytes(out)

    async def open(self, key: bytes, nonce: bytes, sealed: bytes, aad: bytes) -> bytes:
        ffi = interop.js_interop()
        aes = await self._aes(key, "decrypt")
        try:
            out = await ffi.js.crypto.subtle.decrypt(
                self._params(nonce, aad), aes, ffi.to_js(sealed)
            )
        except Exception:  # an OperationError from JS: wrong key, aad or bytes
            raise ValueError("the sealed value does not open with this key") from None
        return interop.to_bytes(out)

    async def rsa_sha256_verify(
        self, modulus: bytes, exponent: bytes, message: bytes, signature: bytes
    ) -> bool:
        ffi = interop.js_interop()
        jwk = interop.js_object(
            {"kty": "RSA", "n": _b64url(modulus), "e": _b64url(exponent), "ext": True}, ffi
        )
        algorithm = interop.js_object({"name": "RSASSA-PKCS1-v1_5", "hash": "SHA-256"}, ffi)
        try:
            key = await ffi.js.crypto.subtle.importKey(
                "jwk", jwk, algorithm, False, ffi.to_js(["verify"])
            )
            ok = await ffi.js.crypto.subtle.verify(
                algorithm, key, ffi.to_js(signature), ffi.to_js(message)
            )
        except Exception:  # a malformed key: no signature checks out
            return False
        return bool(ok)
