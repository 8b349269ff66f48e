"""The edge's password KDF keeps Workers' cap on PBKDF2 iterations a call. (Its
results against hashlib's run over the real WebCrypto: tests/pyodide/tier_crypto.py.)"""

from __future__ import annotations

import pytest

from worker.crypto import WebCryptoKdf


async def test_no_call_asks_webcrypto_for_more_than_workers_allows() -> None:
    # Workers refuses more than 100,000 iterations in one deriveBits call; the
    # check comes before anything reaches WebCrypto.
    with pytest.raises(ValueError, match="100000"):
        await WebCryptoKdf().pbkdf2_sha256(b"pw", b"salt", 100_001)
