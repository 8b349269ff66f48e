"""The shapes of GitHub sync over HTTP."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Status = Literal["pending", "in_progress", "success", "failed", "gone"]


class GitHubOut(BaseModel):
    """The ``github`` object of a GitHub link."""

    repo: str
    stars: int | None
    forks: int | None
    language: str | None
    description: str | None
    topics: list[str]
    pushed_at: str | None
    synced_at: str | None
    status: Status
    gone: bool


class SyncStatusOut(BaseModel):
    link_id: str
    status: Status
    sync_interval_hours: int
    last_sync_at: str | None
    next_sync_at: str
    error_count: int
    last_error: str | None
    github: GitHubOut
    # Set when a "sync now" was queued instead of run: seconds until it may run.
    retry_after: int | None = None


class SyncSettingsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sync_interval_hours: int = Field(ge=1, le=168)
