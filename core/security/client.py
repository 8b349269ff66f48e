"""Who the client is, without keeping where it is: a keyed hash of its address."""

from __future__ import annotations

from collections.abc import Iterable
from hashlib import blake2b


def client_ip(
    headers: Iterable[tuple[bytes, bytes]], peer: tuple[str, int] | None, header: bytes | None
) -> str | None:
    """The client address: from ``header`` when configured (first hop), else the peer.

    A request without the header falls back to its socket peer: sharing one
    bucket would let one client lock out every other such client.
    """
    if header is not None:
        for name, value in headers:
            if name == header:
                first = value.split(b",", 1)[0].strip()
                if first:
                    return first.decode("latin-1")
                break
    return peer[0] if peer else None


def hash_ip(ip: str | None, pepper: bytes) -> str:
    """A stable, keyed, non-reversible token for an address (``anon`` when unknown).

    Keyed BLAKE2b is a MAC in one C call; the key (pepper) is a secret, so the
    token cannot be reversed by hashing the whole address space.
    """
    if not ip:
        return "anon"
    return blake2b(ip.encode(), key=pepper[:64], digest_size=16).hexdigest()
