"""What the asset routes answer."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel

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
