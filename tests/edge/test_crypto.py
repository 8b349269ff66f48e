"""The edge's password KDF over a stand-in of WebCrypto that keeps Workers' cap."""

from __future__ import annotations

import hashlib

import pytest

from core.identity.passwords import PasswordHasher
from tests.edge.jsfakes import (
    FakeJs,
    JsArray,
    JsError,
    JsObject,
    Uint8Array,
    field,
    make_interop,
    options_of,
    patched_interop,
)
from worker.crypto import WebCryptoKdf

WORKERS_PBKDF2_CAP = 100_000


class FakeSubtle:
    """crypto.subtle.importKey / deriveBits for PBKDF2, as Workers behaves."""

    async def importKey(self, fmt, key_data, algorithm, extractable, usages):
        assert fmt == "raw" and algorithm == "PBKDF2" and extractable is False
        assert isinstance(key_data, Uint8Array) and isinstance(usages, JsArray)
        assert list(usages) == ["deriveBits"]
        return JsObject({"material": key_data.to_bytes()})

    async def deriveBits(self, params, key, length):
        params = options_of(params, "deriveBits")
        iterations = field(params, "iterations")
        if iterations > WORKERS_PBKDF2_CAP:
            raise JsError(
                "NotSupportedError: Pbkdf2 failed: iteration counts above 100000 are not "
                f"supported (requested {iterations})."
            )
        assert field(params, "name") == "PBKDF2" and field(params, "hash") == "SHA-256"
        salt = field(params, "salt")
        derived = hashlib.pbkdf2_hmac(
            "sha256", key.material, salt.to_bytes(), iterations, length // 8
        )
        return Uint8Array(derived)


@pytest.fixture
def webcrypto():
    js = FakeJs()
    js.crypto = JsObject({"subtle": FakeSubtle()})
    with patched_interop(make_interop(js)):
        yield


async def test_webcrypto_kdf_matches_hashlib(webcrypto) -> None:
    derived = await WebCryptoKdf().pbkdf2_sha256(b"pw", b"salt-salt-salt!!", 1000)
    assert derived == hashlib.pbkdf2_hmac("sha256", b"pw", b"salt-salt-salt!!", 1000)


async def test_a_hash_made_locally_verifies_at_the_edge(webcrypto) -> None:
    from core.adapters.kdf_hashlib import HashlibKdf

    encoded = await PasswordHasher(HashlibKdf(), iterations=300_000).hash("a long passphrase")
    edge = PasswordHasher(WebCryptoKdf(), iterations=300_000)
    assert (await edge.verify("a long passphrase", encoded)).ok
    assert not (await edge.verify("a wrong passphrase", encoded)).ok


async def test_no_call_asks_webcrypto_for_more_than_workers_allows(webcrypto) -> None:
    with pytest.raises(ValueError, match="100000"):
        await WebCryptoKdf().pbkdf2_sha256(b"pw", b"salt", 100_001)
