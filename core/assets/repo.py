"""The ``asset_uploads`` table, always through ``Owned``: one owner's rows only.

Rows leave this module as ``AssetRow`` (its columns, typed as the migration
declares them; ``tests/core/test_typed_rows.py`` holds the two together)."""

from __future__ import annotations

import json
from typing import Any, TypedDict, cast

from core.assets.images import Reencoded
from core.assets.keys import AssetKeys
from core.clock import iso
from core.data.owned import Owned, OwnedTable, Page
from core.ports import Database, Row, Statement

TABLE = "asset_uploads"
# Before profiles (200): a profile's avatar may point at one of these rows.
ASSETS = OwnedTable(TABLE, "asset", erase_order=150)


class AssetRow(TypedDict):
    """A row of ``asset_uploads`` (d1_migrations/0005_assets.sql)."""

    id: str
    owner_id: str
    profile_id: str | None
    purpose: str
    file_name: str
    file_type: str
    source_type: str
    file_size: int
    original_size: int
    compressed_size: int | None
    thumbnail_size: int | None
    width: int | None
    height: int | None
    storage_provider: str
    storage_key: str | None
    thumbnail_key: str | None
    public_url: str | None
    thumbnail_url: str | None
    upload_status: str
    upload_error: str | None
    uploaded_at: str
    updated_at: str
    expires_at: str | None


def asset_row(row: Row) -> AssetRow:
    """The adapter's row as what it is: ``SELECT *`` of asset_uploads."""
    return cast(AssetRow, row)


class PublicImage(TypedDict):
    """What a public page may show of a ready image."""

    id: str
    purpose: str
    public_url: str
    thumbnail_url: str
    width: int
    height: int


async def ready_image_rows(db: Database, owner_id: str, asset_ids: list[str]) -> list[PublicImage]:
    """For public pages, which have no acting user: the public fields of those of
    ``asset_ids`` that are ready images of ``owner_id``."""
    wanted = sorted({i for i in asset_ids if i})
    if not wanted:
        return []
    rows = await db.all(
        f"SELECT id, purpose, public_url, thumbnail_url, width, height FROM {TABLE}"  # noqa: S608
        " WHERE owner_id = ? AND upload_status = 'ready'"
        " AND id IN (SELECT value FROM json_each(?))",
        owner_id,
        json.dumps(wanted),
    )
    return cast(list[PublicImage], rows)


class AssetRepo:
    def __init__(self, owned: Owned) -> None:
        self.owned = owned

    async def get(self, asset_id: str) -> AssetRow:
        return asset_row(await self.owned.get(ASSETS, asset_id))

    async def find(self, asset_id: str) -> AssetRow | None:
        row = await self.owned.find(ASSETS, asset_id)
        return None if row is None else asset_row(row)

    async def list(self, *, limit: int, cursor: str | None, purpose: str | None) -> Page[AssetRow]:
        if purpose is None:
            page = await self.owned.list(ASSETS, limit=limit, cursor=cursor)
        else:
            page = await self.owned.list(
                ASSETS, where="purpose = ?", params=(purpose,), limit=limit, cursor=cursor
            )
        return Page([asset_row(row) for row in page.items], page.next_cursor)

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

    def set_ready_statement(self, asset_id: str, now: float) -> Statement:
        """Ready (for a batch that counts its bytes too); no change when the row is gone."""
        return self.owned.update_statement(
            ASSETS, asset_id, {"upload_status": "ready", "updated_at": iso(now)}
        )

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
