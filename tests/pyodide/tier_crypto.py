"""The edge's password KDF over the real WebCrypto (Node's, native PBKDF2 as
workerd's), against values CPython's hashlib made (Pyodide's hashlib has no
``pbkdf2_hmac``: there is no OpenSSL under it)."""

from __future__ import annotations

from core.identity.passwords import PasswordHasher
from worker.crypto import WebCryptoKdf

# hashlib.pbkdf2_hmac("sha256", b"pw", b"salt-salt-salt!!", 1000), under CPython.
PW_1000 = "2e48f0af515357249829d11fa7f4e9e0c5936a576b66af3d648974ae6180797b"
# PasswordHasher(HashlibKdf(), iterations=3000).hash("a long passphrase"), locally.
LOCAL_HASH = (
    "pbkdf2-sha256$3000$3000$fILBOxOaZOmUWU6PL4A+Tw$JMvilbrY3d/5bft6aoEFhQwDcaPuapr2MSKr9bJEp7w"
)


async def test_webcrypto_kdf_matches_hashlib() -> None:
    derived = await WebCryptoKdf().pbkdf2_sha256(b"pw", b"salt-salt-salt!!", 1000)
    assert derived.hex() == PW_1000


async def test_a_hash_made_locally_verifies_at_the_edge() -> None:
    edge = PasswordHasher(WebCryptoKdf(), iterations=3000)
    assert (await edge.verify("a long passphrase", LOCAL_HASH)).ok
    assert not (await edge.verify("a wrong passphrase", LOCAL_HASH)).ok
    assert (await edge.verify("mine", await edge.hash("mine"))).ok
