"""What the asset routes answer."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel

from core.ports import Row

Purpose = Literal["avatar", "asset"]
Status = Literal["uploading", "processing", "ready", "failed"]
PURPOSES: tuple[str, ...] = ("avatar", "asset")


class AssetSizes(BaseModel):
    original: int  # before the browser compressed it, as the client said
    received: int | None  # what the server received
    stored: int  # the stored file (the received size until it is re-encoded)
    thumbnail: int | None


class AssetOut(BaseModel):
    id: str
    purpose: Purpose
    status: Status
    url: str | None  # where GET /a/{key} serves the file, once ready
    thumbnail_url: str | None
    type: str  # the stored file's MIME type
    source_type: str  # the type the upload's bytes showed
    file_name: str
    width: int | None
    height: int | None
    sizes: AssetSizes
    profile_id: str | None
    error: str | None
    uploaded_at: str
    expires_at: str | None


class AssetPage(BaseModel):
    items: list[AssetOut]
    next_cursor: str | None


def asset_json(row: Row) -> dict[str, Any]:
    """The API's view of an ``asset_uploads`` row."""
    ready = row["upload_status"] == "ready"
    return {
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
