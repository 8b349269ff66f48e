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


# AESGCM(b"A" * 32).encrypt(b"N" * 12, b"alice@example.com", b"users.email:01X"),
# made by the cryptography package under CPython (the local Cipher).
AES_SEALED = "8cbbaaa6683b596a2947ac0aadaff71bb7db3b3075d5c9750dd7d08508d58965cb"
# A 2048-bit RSA key's modulus (exponent 65537) and its PKCS#1 v1.5 SHA-256
# signature of b"header.payload", made by cryptography under CPython.
RSA_N = (
    "b53fb46e10885de2a24ba440500f08de0e0cd718b2413fa8050d2771eac5ac428ffdf42af02d66f3b253d49f65"
    "b4546ad2494fd8500a2e7ce0f68908510217fbf552a2b1344629ccc73b3fb2112ac9e432301f0ffe7e825dc23e"
    "32224facb817c46f9bc52f8167c7b93a04e6ae93c92324f958d1b6f1eaf3529f738f587793f1c3427af0d59df1"
    "eaf7ff6237f496a2083efeee540861f6b305a39422dbe6d0d6410b4096989112b54b4a64304e904822e92dd9ad"
    "b291224e013d0a5a6f09904d7f6ea5289d0b8a5639f8cd085f598a1c69add1c4ed55ea5a75e24e9540eac0455a"
    "efdcc43f42b33d373c8243714ec54034a65fedb62c1e4858900f6e94d44b19"
)
RSA_SIG = (
    "894bc2aed5ed2fa4ad35fb64f875510271c25570bb12ceada8e55a93ec502d6a1d40eed7be00ffda02ac5df9f2"
    "022bd9f1bdaeebb1fb1d1fc976e31a4a8e54bdb62702380781d770ebb3c30b2683a2973206468dc2c52bc95361"
    "3e974a4209bfdfdfb9994daf7ac8dec537839578c5d0c2ed8606c51189cf403511ef1bebfe6fabc579d1e7947d"
    "e1731310b5032d59602205d92394c58d6cd07e6cec2627278d841b3c70600cffa529ef314ec3753c012b0a2441"
    "437a52a779e7e0c726c575946eda31ca25acad042d48c88e767af8d17f9704896fa00ce666616b986dd8240fdc"
    "b4b4c05bf1b023638ea947363c3715832604d36ea6ce1fd087d15b799e0400"
)


async def test_webcrypto_aes_gcm_opens_what_cryptography_sealed_and_back() -> None:
    from worker.crypto import WebCryptoCipher

    edge = WebCryptoCipher()
    key, nonce, aad = b"A" * 32, b"N" * 12, b"users.email:01X"
    sealed = bytes.fromhex(AES_SEALED)
    assert await edge.open(key, nonce, sealed, aad) == b"alice@example.com"
    assert await edge.seal(key, nonce, b"alice@example.com", aad) == sealed
    for wrong in ((b"B" * 32, nonce, aad), (key, nonce, b"users.email:02X")):
        try:
            await edge.open(wrong[0], wrong[1], sealed, wrong[2])
        except ValueError:
            continue
        raise AssertionError("a wrong key or aad opened the value")


async def test_a_pii_value_sealed_at_the_edge_has_the_local_format() -> None:
    from core.identity.pii import Pii, PiiKeys
    from worker.crypto import WebCryptoCipher

    pii = Pii(WebCryptoCipher(), PiiKeys("k1", {"k1": b"A" * 32}, b"index-key"))
    sealed = await pii.seal("alice@example.com", "users.email:01X")
    assert sealed.startswith("e1.k1.")
    assert await pii.open(sealed, "users.email:01X") == "alice@example.com"
    # The blind index is HMAC-SHA256 (hmac.new(b"index-key", ...) under CPython).
    assert pii.index("alice@example.com") == "900d1d8304f75adb2dbfe96fc334b616"


async def test_webcrypto_checks_an_rsa_signature_made_by_cryptography() -> None:
    from worker.crypto import WebCryptoCipher

    edge = WebCryptoCipher()
    n, e, sig = bytes.fromhex(RSA_N), (65537).to_bytes(3, "big"), bytes.fromhex(RSA_SIG)
    assert await edge.rsa_sha256_verify(n, e, b"header.payload", sig)
    assert not await edge.rsa_sha256_verify(n, e, b"header.payload!", sig)
    assert not await edge.rsa_sha256_verify(n, e, b"header.payload", sig[:-1] + b"\x01")
