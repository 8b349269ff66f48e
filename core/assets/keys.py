"""Where an asset's files are stored, and the public address of each.

Keys come from the content: ``u/<owner id>/assets/<sha256 of the stored
bytes>.webp`` and the thumbnail beside it, ``<same>.thumb.webp``, under the
owner's blob prefix (so GDPR export and erasure find them). ``GET /a/<owner
id>/<file>`` serves them. Only names of exactly this shape, in this folder,
marked as assets when written, are ever served: other features' files under
the same owner's prefix are not reachable through it.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from core.identity import user_blob_prefix

FOLDER = "assets"
PUBLIC_PREFIX = "/a/"
# Custom metadata on every stored asset file: what the public route checks.
BLOB_METADATA = {"kind": "asset"}
_FILE = re.compile(r"^[0-9a-f]{64}(\.thumb)?\.webp$")
_OWNER = re.compile(r"^[0-9A-Za-z_-]{1,64}$")


@dataclass(frozen=True, slots=True)
class AssetKeys:
    image: str
    thumbnail: str
    image_url: str
    thumbnail_url: str

    @property
    def both(self) -> list[str]:
        return [self.image, self.thumbnail]


def _storage_key(owner_id: str, file: str) -> str:
    return f"{user_blob_prefix(owner_id)}{FOLDER}/{file}"


def _public_url(owner_id: str, file: str) -> str:
    return f"{PUBLIC_PREFIX}{owner_id}/{file}"


def keys_for(owner_id: str, stored: bytes) -> AssetKeys:
    """The keys and URLs of an image whose stored (re-encoded) bytes are ``stored``."""
    digest = hashlib.sha256(stored).hexdigest()
    image, thumbnail = f"{digest}.webp", f"{digest}.thumb.webp"
    return AssetKeys(
        image=_storage_key(owner_id, image),
        thumbnail=_storage_key(owner_id, thumbnail),
        image_url=_public_url(owner_id, image),
        thumbnail_url=_public_url(owner_id, thumbnail),
    )


def served_key(owner_id: str, file: str) -> str | None:
    """The storage key behind ``/a/<owner_id>/<file>``, or None when that path
    cannot name an asset file."""
    if not _OWNER.match(owner_id) or not _FILE.match(file):
        return None
    return _storage_key(owner_id, file)
