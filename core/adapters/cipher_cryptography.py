"""``Cipher`` on the ``cryptography`` package (OpenSSL): what WebCrypto does at the edge."""

from __future__ import annotations

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM


class CryptographyCipher:
    async def seal(self, key: bytes, nonce: bytes, plaintext: bytes, aad: bytes) -> bytes:
        return AESGCM(key).encrypt(nonce, plaintext, aad)

    async def open(self, key: bytes, nonce: bytes, sealed: bytes, aad: bytes) -> bytes:
        try:
            return AESGCM(key).decrypt(nonce, sealed, aad)
        except InvalidTag:
            raise ValueError("the sealed value does not open with this key") from None

    async def rsa_sha256_verify(
        self, modulus: bytes, exponent: bytes, message: bytes, signature: bytes
    ) -> bool:
        numbers = rsa.RSAPublicNumbers(
            int.from_bytes(exponent, "big"), int.from_bytes(modulus, "big")
        )
        try:
            numbers.public_key().verify(signature, message, padding.PKCS1v15(), hashes.SHA256())
        except (InvalidSignature, ValueError):
            return False
        return True
