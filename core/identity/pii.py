"""Personal data at rest: emails sealed with AES-256-GCM, found by a keyed blind index.

A stored value reads ``e1.<key id>.<base64url(nonce | ciphertext | tag)>``: the
format is the same whether WebCrypto (the edge) or ``cryptography`` (locally) made
it. The associated data names the column and the row (``users.email:<id>``), so a
value copied to another row or column does not open there. The blind index is
HMAC-SHA256 of the normalised address under a key that never rotates with the
encryption keys: equal addresses give equal indexes, for lookups and uniqueness.

Rotation: a new key is put first in ``CREATOR_EDGE_PII_KEYS``; the old ones keep
decrypting, and ``reencrypt`` (the daily cron, or ``python -m core pii reencrypt``)
moves rows to the new key in bounded chunks."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from dataclasses import dataclass

from core.ports import Cipher
from core.settings import Settings

PREFIX = "e1"
NONCE_BYTES = 12
DERIVED_KEY_ID = "k0"


class PiiKeyError(ValueError):
    """The PII keys setting is malformed, or a stored value names a key not held."""


def _b64d(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _b64e(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _derive(secret: str, label: str) -> bytes:
    return hmac.new(secret.encode(), label.encode(), hashlib.sha256).digest()


@dataclass(frozen=True, slots=True)
class PiiKeys:
    current: str
    keys: dict[str, bytes]
    index_key: bytes

    @classmethod
    def from_settings(cls, settings: Settings) -> PiiKeys:
        secret = settings.secret_key.get_secret_value() if settings.secret_key else None
        keys: dict[str, bytes] = {}
        order: list[str] = []
        if settings.pii_keys is not None:
            for part in settings.pii_keys.get_secret_value().split(","):
                key_id, sep, encoded = part.strip().partition(":")
                if not sep or not key_id.isalnum() or len(key_id) > 16:
                    raise PiiKeyError("CREATOR_EDGE_PII_KEYS: pairs of id:base64url-key")
                try:
                    key = _b64d(encoded.strip())
                except ValueError:
                    raise PiiKeyError(f"PII key {key_id!r} is not base64url") from None
                if len(key) != 32:
                    raise PiiKeyError(f"PII key {key_id!r} must be 32 bytes (AES-256)")
                keys[key_id] = key
                order.append(key_id)
        if secret is not None and DERIVED_KEY_ID not in keys:
            # Rows sealed before keys were set keep opening.
            keys[DERIVED_KEY_ID] = _derive(secret, "pii-key:k0")
            order.append(DERIVED_KEY_ID)
        if not order:
            raise PiiKeyError("no PII key: set CREATOR_EDGE_SECRET_KEY or CREATOR_EDGE_PII_KEYS")
        if settings.pii_index_key is not None:
            index_key = settings.pii_index_key.get_secret_value().encode()
        elif secret is not None:
            index_key = _derive(secret, "pii-blind-index")
        else:
            raise PiiKeyError("no blind index key: set CREATOR_EDGE_PII_INDEX_KEY")
        return cls(current=order[0], keys=keys, index_key=index_key)


def new_key() -> str:
    """A fresh key for ``CREATOR_EDGE_PII_KEYS`` (base64url, 32 bytes)."""
    return _b64e(os.urandom(32))


class Pii:
    """Seal, open and index personal values with one set of keys."""

    def __init__(self, cipher: Cipher | None, keys: PiiKeys) -> None:
        if cipher is None:
            raise RuntimeError("these ports have no Cipher: personal data cannot be sealed")
        self._cipher = cipher
        self.keys = keys

    def index(self, value: str) -> str:
        """The blind index of a normalised value: 32 hex digits of HMAC-SHA256."""
        return hmac.new(self.keys.index_key, value.encode(), hashlib.sha256).hexdigest()[:32]

    async def seal(self, value: str, aad: str) -> str:
        nonce = os.urandom(NONCE_BYTES)
        key = self.keys.keys[self.keys.current]
        sealed = await self._cipher.seal(key, nonce, value.encode(), aad.encode())
        return f"{PREFIX}.{self.keys.current}.{_b64e(nonce + sealed)}"

    async def open(self, stored: str, aad: str) -> str:
        """The plain value; a value written before encryption (no prefix) as it is."""
        if not is_sealed(stored):
            return stored
        _, key_id, body = stored.split(".", 2)
        key = self.keys.keys.get(key_id)
        if key is None:
            raise PiiKeyError(f"a value is sealed with key {key_id!r}, which is not configured")
        raw = _b64d(body)
        plain = await self._cipher.open(key, raw[:NONCE_BYTES], raw[NONCE_BYTES:], aad.encode())
        return plain.decode()

    def current(self, stored: str) -> bool:
        """Whether ``stored`` is sealed with the key that encrypts now."""
        return stored.startswith(f"{PREFIX}.{self.keys.current}.")


def is_sealed(stored: str) -> bool:
    # Ciphertext is base64url: an address (an "@") written before encryption is not.
    return stored.startswith(PREFIX + ".") and "@" not in stored and stored.count(".") >= 2


def pii_of(cipher: Cipher | None, settings: Settings) -> Pii:
    return Pii(cipher, PiiKeys.from_settings(settings))


def email_aad(user_id: str) -> str:
    return f"users.email:{user_id}"
