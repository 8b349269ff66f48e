"""Password hashes: OWASP's PBKDF2 count by default, parameters kept with the hash."""

from __future__ import annotations

import hashlib

from core.adapters.kdf_hashlib import HashlibKdf
from core.identity.passwords import ITERATIONS, PasswordHasher


async def test_default_hash_uses_600k_iterations_in_webcrypto_sized_calls() -> None:
    hasher = PasswordHasher(HashlibKdf())
    encoded = await hasher.hash("correct horse battery")
    scheme, total, per_call, salt, digest = encoded.split("$")
    assert (scheme, int(total), int(per_call)) == ("pbkdf2-sha256", 600_000, 100_000)
    assert ITERATIONS == 600_000
    assert (await hasher.verify("correct horse battery", encoded)).ok
    assert not (await hasher.verify("correct horse batterz", encoded)).ok
    # The chain is six sequential PBKDF2 calls, each on the previous output.
    import base64

    raw_salt = base64.b64decode(salt + "=" * (-len(salt) % 4))
    key = b"correct horse battery"
    for _ in range(6):
        key = hashlib.pbkdf2_hmac("sha256", key, raw_salt, 100_000)
    assert base64.b64encode(key).decode().rstrip("=") == digest


async def test_weaker_hashes_verify_and_ask_to_be_rehashed() -> None:
    weak = PasswordHasher(HashlibKdf(), iterations=1000)
    strong = PasswordHasher(HashlibKdf(), iterations=200_000)
    encoded = await weak.hash("a passphrase here")
    result = await strong.verify("a passphrase here", encoded)
    assert result.ok and result.needs_rehash
    assert not (
        await weak.verify("a passphrase here", await strong.hash("a passphrase here"))
    ).needs_rehash


async def test_malformed_hashes_never_verify() -> None:
    hasher = PasswordHasher(HashlibKdf(), iterations=1000)
    for bad in (
        "",
        "x",
        "pbkdf2-sha256$1$1$$",
        "md5$1$1$AA$AA",
        "pbkdf2-sha256$99999999$100000$A$A",
        "pbkdf2-sha256$1000$200000$AA$AA",
        "pbkdf2-sha256$a$b$c$d",
    ):
        assert not (await hasher.verify("anything at all", bad)).ok
