"""Request and response shapes of the content routes (the seed's content schema)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, field_validator

from core.clock import UtcTime
from core.content.workflow import Status
from core.errors import Invalid
from core.text import has_control_characters

_STRICT = ConfigDict(extra="forbid")
ContentType = Literal["blog_post", "social_post", "video_script"]
Visibility = Literal["public", "private", "unlisted"]
# Title and body keep newlines and tabs; nothing else of the control range.
_TEXT_ALLOWED = "\n\r\t"
MAX_TAGS = 20


def _clean(value: str | None, allowed: str = "") -> str | None:
    if value is not None and has_control_characters(value, allowed):
        raise ValueError("must not contain control characters")
    return value


class _Fields(BaseModel):
    model_config = _STRICT

    @field_validator("title", "seo_title", "seo_description", "slug", check_fields=False)
    @classmethod
    def _no_controls(cls, value: str | None) -> str | None:
        return _clean(value)

    @field_validator("body", check_fields=False)
    @classmethod
    def _no_controls_in_body(cls, value: str | None) -> str | None:
        return _clean(value, _TEXT_ALLOWED)

    @field_validator("tags", check_fields=False)
    @classmethod
    def _tags(cls, value: list[str] | None) -> list[str] | None:
        for tag in value or ():
            _clean(tag)
        return value


class ContentIn(_Fields):
    title: str = Field(min_length=1, max_length=200)
    body: str = Field(min_length=10, max_length=50_000)
    type: ContentType = "blog_post"
    visibility: Visibility = "private"
    seo_title: str | None = Field(default=None, max_length=200)
    seo_description: str | None = Field(default=None, max_length=320)
    slug: str | None = Field(default=None, min_length=1, max_length=120)
    metadata: dict[str, Any] = Field(default_factory=dict)
    tags: list[str] = Field(default_factory=list, max_length=MAX_TAGS)


class ContentPatch(_Fields):
    title: str | None = Field(default=None, min_length=1, max_length=200)
    body: str | None = Field(default=None, min_length=10, max_length=50_000)
    type: ContentType | None = None
    visibility: Visibility | None = None
    seo_title: str | None = Field(default=None, max_length=200)
    seo_description: str | None = Field(default=None, max_length=320)
    slug: str | None = Field(default=None, min_length=1, max_length=120)
    metadata: dict[str, Any] | None = None
    tags: list[str] | None = Field(default=None, max_length=MAX_TAGS)


class ScheduleIn(BaseModel):
    """``scheduled_at`` is an ISO-8601 UTC time, read once the post is found (someone
    else's id answers 404 whatever the body holds)."""

    model_config = _STRICT
    scheduled_at: str = Field(max_length=40, json_schema_extra={"format": "date-time"})


_WHEN: TypeAdapter[datetime] = TypeAdapter(UtcTime)


def schedule_time(value: str) -> float:
    """Epoch seconds of a client's ISO time, or 422."""
    try:
        return _WHEN.validate_python(value).timestamp()
    except ValueError:
        raise Invalid(
            "scheduled_at is an ISO-8601 time in UTC, like 2026-11-21T10:00:00Z.",
            details={"field": "scheduled_at"},
        ) from None


class GenerateIn(BaseModel):
    model_config = _STRICT
    prompt: str = Field(min_length=3, max_length=2000)
    type: ContentType = "blog_post"
    title: str | None = Field(default=None, min_length=1, max_length=200)

    @field_validator("prompt", "title")
    @classmethod
    def _no_controls(cls, value: str | None) -> str | None:
        return _clean(value, _TEXT_ALLOWED)


class Moderated(BaseModel):
    flagged: bool
    reasons: list[str] = []
    checker: str | None = None
    checked_at: str | None = None
    decision: str | None = None


class ContentOut(BaseModel):
    id: str
    owner_id: str
    title: str
    body: str
    type: ContentType
    visibility: Visibility
    status: Status
    scheduled_at: str | None
    published_at: str | None
    ai_generated: bool
    ai_model: str | None
    ai_prompt: str | None
    moderation: Moderated | None
    seo_title: str | None
    seo_description: str | None
    slug: str
    url: str | None  # the public page, for a published post that is not private
    metadata: dict[str, Any]
    tags: list[str]
    views: int
    likes: int
    shares: int
    comments: int
    version: int
    created_at: str
    updated_at: str


class ContentPage(BaseModel):
    items: list[ContentOut]
    next_cursor: str | None


class SearchHit(BaseModel):
    id: str
    title: str
    slug: str
    status: Status
    visibility: Visibility
    mine: bool
    score: float
    # Title and a passage of the body with the matched words in <mark>; the rest escaped.
    title_highlight: str | None = None
    snippet: str | None = None


class SearchOut(BaseModel):
    mode: Literal["words", "semantic", "hybrid"]
    items: list[SearchHit]


class TagOut(BaseModel):
    name: str
    slug: str
    usage_count: int
    recent_uses: int


class TrendingOut(BaseModel):
    items: list[TagOut]


class ReviewIn(BaseModel):
    model_config = _STRICT
    note: str | None = Field(default=None, max_length=1000)
