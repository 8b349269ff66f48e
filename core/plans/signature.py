"""The payment provider's webhook signature, as Stripe makes it.

``Stripe-Signature: t=<unix time>,v1=<hex>[,v1=<hex>...]``: each ``v1`` is
HMAC-SHA256 of ``<t>.<raw body>`` under an endpoint secret. During a secret
rotation the provider signs with the old and the new secret (two ``v1``), and
this side may hold both too: any pair that matches is enough. Compared in
constant time; a timestamp more than the tolerance away from now is refused,
so a captured request cannot be replayed later."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence

from core.errors import BadRequest

HEADER = "stripe-signature"
TOLERANCE = 300  # seconds, as Stripe's libraries
_MAX_SIGNATURES = 8


def _refused(message: str, code: str = "invalid_signature") -> BadRequest:
    return BadRequest(message, code=code)


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """``v1`` for one secret (the stand-in provider signs with this)."""
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def header_for(secrets: Sequence[str], timestamp: int, body: bytes) -> str:
    return ",".join([f"t={timestamp}", *(f"v1={sign(s, timestamp, body)}" for s in secrets)])


def verify(
    header: str | None, body: bytes, secrets: Sequence[str], now: float, tolerance: int = TOLERANCE
) -> int:
    """The signed timestamp, or 400 for a missing, malformed, wrong or stale signature."""
    if not header:
        raise _refused("The Stripe-Signature header is missing.")
    timestamp: int | None = None
    signatures: list[str] = []
    for item in header.split(","):
        name, _, value = item.strip().partition("=")
        if name == "t" and value.isdigit() and len(value) <= 12:
            timestamp = int(value)
        elif name == "v1" and value:
            signatures.append(value.strip())
    if timestamp is None or not signatures or len(signatures) > _MAX_SIGNATURES:
        raise _refused("The Stripe-Signature header is malformed.")
    matched = False
    for secret in secrets:
        expected = sign(secret, timestamp, body).encode()
        for given in signatures:
            # Every pair is compared (no early exit): the time does not say which matched.
            matched |= hmac.compare_digest(expected, given.encode("utf-8", "replace"))
    if not matched:
        raise _refused("The signature does not match the body.")
    if abs(now - timestamp) > tolerance:
        raise _refused(
            "The signature's timestamp is outside the tolerance.", code="signature_too_old"
        )
    return timestamp
