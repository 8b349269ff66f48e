"""The ``asset_uploads`` table, always through ``Owned``: one owner's rows only."""

from __future__ import annotations

from typing import Any

from core.assets.images import Reencoded
from core.assets.keys import AssetKeys
from core.clock import iso
from core.data.owned import Owned, OwnedTable, Page
from core.ports import Row, Statement

TABLE = "asset_uploads"
# Before profiles (200): a profile's avatar may point at one of these rows.
ASSETS = OwnedTable(TABLE, "asset", erase_order=150)


class AssetRepo:
    def __init__(self, owned: Owned) -> None:
        self.owned = owned

    async def get(self, asset_id: str) -> Row:
        return await self.owned.get(ASSETS, asset_id)

    async def list(self, *, limit: int, cursor: str | None, purpose: str | None) -> Page:
        if purpose is None:
            return await self.owned.list(ASSETS, limit=limit, cursor=cursor)
        return await self.owned.list(
            ASSETS, where="purpose = ?", params=(purpose,), limit=limit, cursor=cursor
        )

    async def add_uploading(self, asset_id: str, now: float, values: dict[str, Any]) -> None:
        await self.owned.insert(
            ASSETS,
            {
                "id": asset_id,
                **values,
                "upload_status": "uploading",
                "uploaded_at": iso(now),
                "updated_at": iso(now),
            },
        )

    async def set_processing(
        self, asset_id: str, now: float, result: Reencoded, keys: AssetKeys
    ) -> None:
        await self.owned.update(
            ASSETS,
            asset_id,
            {
                "upload_status": "processing",
                "file_type": result.image.media_type,
                "file_size": len(result.image.data),
                "thumbnail_size": len(result.thumbnail.data),
                "width": result.image.width,
                "height": result.image.height,
                "storage_key": keys.image,
                "thumbnail_key": keys.thumbnail,
                "public_url": keys.image_url,
                "thumbnail_url": keys.thumbnail_url,
                "updated_at": iso(now),
            },
        )

    async def set_ready(self, asset_id: str, now: float) -> bool:
        """False when the row is gone (deleted while its files were being written)."""
        result = await self.owned.update(
            ASSETS, asset_id, {"upload_status": "ready", "updated_at": iso(now)}
        )
        return result.changes > 0

    async def set_failed(self, asset_id: str, now: float, error: str, expires: float) -> None:
        await self.owned.update(
            ASSETS,
            asset_id,
            {
                "upload_status": "failed",
                "upload_error": error,
                "updated_at": iso(now),
                "expires_at": iso(expires),
            },
        )

    def delete_statement(self, asset_id: str) -> Statement:
        return self.owned.delete_statement(ASSETS, asset_id)

    async def forget(self, asset_id: str) -> None:
        """Remove a row that never held anything (its upload was refused)."""
        statement = self.delete_statement(asset_id)
        await self.owned.db.run(statement.sql, *statement.params)

    async def shares_files(self, asset_id: str, storage_key: str) -> bool:
        """Whether another live row of this owner uses the same stored files."""
        page = await self.owned.list(
            ASSETS,
            where="storage_key = ? AND id <> ? AND upload_status <> 'failed'",
            params=(storage_key, asset_id),
            limit=1,
        )
        return bool(page.items)
