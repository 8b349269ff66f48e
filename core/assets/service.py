"""Uploading, listing and deleting the acting user's assets.

An upload is judged before anything is written: its size, its type by magic
bytes (415 unless it is an allowed image) and its pixel count from the header
(422 past ``MAX_PIXELS``). Then its row goes through the states of
``asset_uploads`` (see the migration): an image that turns out undecodable
takes its row with it (422, nothing kept); a storage failure marks the row
failed and deletes whatever part was written (503).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from fastapi import Request

from core.assets.form import UploadForm
from core.assets.images import ImageRejected, Reencoded, probe, reencode_off_loop
from core.assets.keys import BLOB_METADATA, AssetKeys, keys_for
from core.assets.models import PURPOSES, AssetOut, AssetPage
from core.assets.references import AssetReferences
from core.assets.repo import AssetRepo, AssetRow, ready_image_rows
from core.assets.sniff import ACCEPTED, HEAD_BYTES, describe, sniff
from core.audit import AuditLog
from core.data.owned import Owned
from core.errors import Conflict, DependencyDown, Invalid, PaymentRequired, UnsupportedMediaType
from core.http.context import RequestContext
from core.ids import new_id
from core.ports import Database, IntegrityError, Ports, Statement
from core.usage import ADMIT_ALL, Admission, Meter, admit

log = logging.getLogger("creator_edge.assets")

# A failed upload's row stays this long for its owner to see, then may be purged.
FAILED_KEPT_SECONDS = 7 * 86_400
MAX_DECLARED_SIZE = 2**53 - 1


def _invalid(field: str, message: str, detail: str, code: str = "invalid") -> Invalid:
    return Invalid(message, code=code, details=[{"field": field, "message": detail}])


@dataclass(frozen=True, slots=True)
class _Accepted:
    purpose: str
    media_type: str
    original_size: int
    width: int
    height: int
    profile_id: str | None


class Assets:
    """The acting user's assets."""

    def __init__(
        self,
        ports: Ports,
        owned: Owned,
        *,
        ctx: RequestContext | None = None,
        references: AssetReferences | None = None,
        request: Request | None = None,
    ) -> None:
        """``request`` lets the plan's usage gate count stored bytes (none: not counted)."""
        self.ports = ports
        self.request = request
        self.owned = owned
        self.repo = AssetRepo(owned)
        self.ctx = ctx
        self.references = references

    # ------------------------------------------------------------------ read

    async def get(self, asset_id: str) -> AssetOut:
        return asset_out(await self.repo.get(asset_id))

    async def list(self, *, limit: int, cursor: str | None, purpose: str | None) -> AssetPage:
        page = await self.repo.list(limit=limit, cursor=cursor, purpose=purpose)
        return AssetPage(items=[asset_out(row) for row in page.items], next_cursor=page.next_cursor)

    # ---------------------------------------------------------------- upload

    async def upload(self, form: UploadForm) -> AssetOut:
        """Check, re-encode and store one upload; the ready row."""
        data = bytes(form.file)
        accepted = await self._accept(form, data)
        asset_id = new_id(self.ports.clock.now())
        await self.repo.add_uploading(
            asset_id,
            self.ports.clock.now(),
            {
                "profile_id": accepted.profile_id,
                "purpose": accepted.purpose,
                "file_name": form.file_name,
                "file_type": accepted.media_type,
                "source_type": accepted.media_type,
                "file_size": len(data),
                "original_size": accepted.original_size,
                "compressed_size": len(data),
                "width": accepted.width,
                "height": accepted.height,
                "storage_provider": self.ports.blobs.provider,
            },
        )
        square = accepted.purpose == "avatar"
        result = await self._reencode(asset_id, data, accepted.media_type, square=square)
        stored = len(result.image.data) + len(result.thumbnail.data)
        try:
            # The plan's storage limit, before anything is written to storage.
            admission = await self._storage(stored)
        except PaymentRequired:
            await self.repo.forget(asset_id)
            raise
        keys = keys_for(self.owned.owner_id, result.image.data)
        await self.repo.set_processing(asset_id, self.ports.clock.now(), result, keys)
        await self._store(asset_id, result, keys)
        await self._set_ready(asset_id, keys, admission, stored)
        return asset_out(await self.repo.get(asset_id))

    async def _storage(self, amount: int) -> Admission:
        """The usage gate's answer for ``amount`` more (or, negative, fewer) stored bytes."""
        if self.request is None:
            return ADMIT_ALL
        return await admit(self.request, self.owned.owner_id, Meter.STORAGE_BYTES, amount)

    async def _set_ready(
        self, asset_id: str, keys: AssetKeys, admission: Admission, stored: int
    ) -> None:
        """Ready, and its bytes counted, in one batch."""
        ready = self.repo.set_ready_statement(asset_id, self.ports.clock.now())
        try:
            results = await self.ports.db.batch([*admission.statements, ready])
        except IntegrityError:
            await self._discard(asset_id, keys)
            await self.repo.forget(asset_id)
            await admission.recheck()  # 402 when a concurrent upload took the room
            raise
        if results[-1].changes == 0:
            # Deleted while its files were being written: its bytes are given back.
            release = await self._storage(-stored)
            if release.statements:
                await self.ports.db.batch(list(release.statements))
            await self._discard(asset_id, keys)
            raise Conflict("The asset was deleted while it was being stored.")

    async def _accept(self, form: UploadForm, data: bytes) -> _Accepted:
        """The cheap checks, before anything is written: fields, type, pixel count."""
        purpose = form.fields.get("purpose")
        if purpose not in PURPOSES:
            raise _invalid("purpose", "Say what the file is for.", "must be avatar or asset")
        original_size = self._declared_size(form.fields.get("original_size"), len(data))
        if not data:
            raise _invalid("file", "The file is empty.", "empty")
        media = sniff(data[:HEAD_BYTES])
        if media is None:
            raise UnsupportedMediaType(
                "Upload a JPEG, PNG, WebP or GIF image.",
                details={"accepted": list(ACCEPTED), "detected": describe(data[:HEAD_BYTES])},
            )
        try:
            width, height = probe(data, media)
        except ImageRejected as rejected:
            raise _invalid("file", rejected.message, rejected.code, rejected.code) from None
        profile_id = await self._profile(form.fields.get("profile_id"))
        return _Accepted(purpose, media, original_size, width, height, profile_id)

    def _declared_size(self, raw: str | None, received: int) -> int:
        if raw is None or not raw.strip():
            return received
        try:
            size = int(raw)
        except ValueError:
            size = -1
        if not 0 <= size <= MAX_DECLARED_SIZE:
            raise _invalid("original_size", "original_size is a size in bytes.", "not a size")
        return size

    async def _profile(self, raw: str | None) -> str | None:
        if raw is None or not raw.strip():
            return None
        if self.references is not None and await self.references.owns_profile(
            self.owned, raw.strip()
        ):
            return raw.strip()
        raise _invalid("profile_id", "No profile of yours has this id.", "unknown profile")

    async def _reencode(self, asset_id: str, data: bytes, media: str, *, square: bool) -> Reencoded:
        try:
            return await reencode_off_loop(self.ports.offload, data, media, square_thumbnail=square)
        except ImageRejected as rejected:
            await self.repo.forget(asset_id)  # bad input leaves nothing behind
            raise _invalid("file", rejected.message, rejected.code, rejected.code) from None
        except BaseException:
            await self._fail(asset_id, "The image could not be processed.")
            raise

    async def _store(self, asset_id: str, result: Reencoded, keys: AssetKeys) -> None:
        files = ((keys.image, result.image), (keys.thumbnail, result.thumbnail))
        try:
            for key, encoded in files:
                await self.ports.blobs.put(
                    key, encoded.data, content_type=encoded.media_type, metadata=BLOB_METADATA
                )
        except Exception:
            log.exception("storing asset %s failed", asset_id)
            await self._discard(asset_id, keys)
            await self._fail(asset_id, "The file could not be stored. Upload it again.")
            raise DependencyDown(
                "The file could not be stored, and nothing of it was kept. Try again shortly.",
                details={"asset_id": asset_id, "status": "failed"},
            ) from None

    async def _discard(self, asset_id: str, keys: AssetKeys) -> None:
        """Delete both files (whichever were written) unless another row uses them."""
        try:
            if not await self.repo.shares_files(asset_id, keys.image):
                await self.ports.blobs.delete(keys.both)
        except Exception:
            log.exception("cleaning up asset %s failed; its row keeps the keys", asset_id)

    async def _fail(self, asset_id: str, error: str) -> None:
        now = self.ports.clock.now()
        try:
            await self.repo.set_failed(asset_id, now, error, now + FAILED_KEPT_SECONDS)
        except Exception:
            log.exception("marking asset %s failed did not work", asset_id)

    # ---------------------------------------------------------------- delete

    async def delete(self, asset_id: str) -> None:
        """Delete the row and its files (kept while another row of the owner uses them)."""
        row = await self.repo.get(asset_id)
        key = row["storage_key"]
        if key and not await self.repo.shares_files(asset_id, key):
            try:
                await self.ports.blobs.delete([k for k in (key, row["thumbnail_key"]) if k])
            except Exception:
                log.exception("deleting the files of asset %s failed", asset_id)
                raise DependencyDown("The files could not be deleted. Try again shortly.") from None
        owner = self.owned.owner_id
        released = [] if self.references is None else self.references.asset_removed(owner, asset_id)
        counted = (
            (row["file_size"] + (row["thumbnail_size"] or 0))
            if row["upload_status"] == "ready"
            else 0
        )
        freed = await self._storage(-counted) if counted else ADMIT_ALL
        await self.ports.db.batch(
            [
                *freed.statements,
                self.repo.delete_statement(asset_id),
                *released,
                self._audit("asset.deleted", asset_id, {"storage_key": key}),
            ]
        )
        # A deleted avatar leaves the owner's public pages at once, not when the cache expires.
        if self.references is not None:
            await self.references.asset_removed_committed(self.ports, owner)

    def _audit(self, action: str, resource: str, details: Any) -> Statement:
        fields: dict[str, Any] = {}
        if self.ctx is not None:
            fields = {
                "ip_hash": self.ctx.client_key,
                "user_agent": self.ctx.user_agent,
                "request_id": self.ctx.request_id,
            }
        return AuditLog(self.ports.db, self.ports.clock).statement(
            action, user_id=self.owned.owner_id, resource=resource, details=details, **fields
        )


@dataclass(frozen=True, slots=True)
class ReadyImage:
    """What a public page needs to show an asset (an avatar, say)."""

    id: str
    purpose: str
    url: str
    thumbnail_url: str
    width: int
    height: int


async def ready_images(db: Database, owner_id: str, asset_ids: list[str]) -> dict[str, ReadyImage]:
    """For public pages, which have no acting user: those of ``asset_ids`` that are
    ready images of ``owner_id`` (any other id is simply left out)."""
    rows = await ready_image_rows(db, owner_id, asset_ids)
    return {
        row["id"]: ReadyImage(
            row["id"],
            row["purpose"],
            row["public_url"],
            row["thumbnail_url"],
            row["width"],
            row["height"],
        )
        for row in rows
    }


async def is_ready_image(owned: Owned, asset_id: str) -> bool:
    """Whether ``asset_id`` is one of the acting user's ready images."""
    row = await AssetRepo(owned).find(asset_id)
    return (
        row is not None
        and row["upload_status"] == "ready"
        and row["file_type"].startswith("image/")
    )


async def ready_image_urls(db: Database, owner_id: str, asset_ids: list[str]) -> dict[str, str]:
    """The public URL of each of ``asset_ids`` that is a ready image of ``owner_id``."""
    return {i: image.url for i, image in (await ready_images(db, owner_id, asset_ids)).items()}


def asset_out(row: AssetRow) -> AssetOut:
    """The API's view of an ``asset_uploads`` row."""
    ready = row["upload_status"] == "ready"
    return AssetOut.model_validate(
        {
            "id": row["id"],
            "purpose": row["purpose"],
            "status": row["upload_status"],
            "url": row["public_url"] if ready else None,
            "thumbnail_url": row["thumbnail_url"] if ready else None,
            "type": row["file_type"],
            "source_type": row["source_type"],
            "file_name": row["file_name"],
            "width": row["width"],
            "height": row["height"],
            "sizes": {
                "original": row["original_size"],
                "received": row["compressed_size"],
                "stored": row["file_size"],
                "thumbnail": row["thumbnail_size"],
            },
            "profile_id": row["profile_id"],
            "error": row["upload_error"],
            "uploaded_at": row["uploaded_at"],
            "expires_at": row["expires_at"],
        }
    )
