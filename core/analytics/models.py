"""Analytics in the product's words: event types, the beacon's shape, the API's answers."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from core.jsonvalue import stored_json

EVENT_TYPES = (
    "profile_view",
    "link_click",
    "asset_upload",
    "security_event",
    "page_view",
    "custom",
    "share",
    "conversion",
)
# Only the server records these: a beacon cannot inflate views or clicks.
SERVER_TYPES = frozenset({"profile_view", "link_click", "asset_upload", "security_event"})
BEACON_TYPES = ("page_view", "custom", "share", "conversion")


# Rollup dimensions, each the name of the column it folds ('referrer' is referrer_host).
DIMENSIONS = ("link", "country", "city", "device", "browser", "os", "referrer", "utm_source")
DIMENSION_COLUMNS = {
    "link": "link_id",
    "country": "country",
    "city": "city",
    "device": "device",
    "browser": "browser",
    "os": "os",
    "referrer": "referrer_host",
    "utm_source": "utm_source",
}

MAX_BATCH_EVENTS = 50
MAX_BATCH_BYTES = 64 * 1024
MAX_PROPERTIES_BYTES = 2048
PROPERTIES_MAX_DEPTH = 4

_Id = Field(default=None, min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")


class BeaconEvent(BaseModel):
    """One event of a beacon batch, as the page script sends it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    type: Literal["page_view", "custom", "share", "conversion"]
    profile_id: str | None = _Id
    link_id: str | None = _Id
    content_id: str | None = _Id
    # The page's path, with its query (UTM parameters are read from it, then dropped).
    path: str | None = Field(default=None, max_length=2048)
    x: float | None = Field(default=None, ge=0, le=1, allow_inf_nan=False)
    y: float | None = Field(default=None, ge=0, le=1, allow_inf_nan=False)
    selector: str | None = Field(default=None, max_length=200)
    load_ms: int | None = Field(default=None, ge=0, le=600_000)
    # document.referrer: the beacon's own Referer header is the profile page itself.
    referrer: str | None = Field(default=None, max_length=2048)
    tz_offset: int | None = Field(default=None, ge=-840, le=840)
    properties: dict[str, Any] | None = None

    @field_validator("properties")
    @classmethod
    def _small_properties(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:
        if value is not None:
            try:
                stored_json(value, max_bytes=MAX_PROPERTIES_BYTES, max_depth=PROPERTIES_MAX_DEPTH)
            except ValueError as error:
                raise ValueError(f"properties: {error}") from None
        return value


class Beacon(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        json_schema_extra={
            "examples": [
                {
                    "events": [
                        {
                            "type": "page_view",
                            "profile_id": "01JD3F6Q2Z8V5M0XK9T4N7B1C2",
                            "path": "/p/ada?utm_source=newsletter",
                            "load_ms": 420,
                        },
                        {
                            "type": "custom",
                            "profile_id": "01JD3F6Q2Z8V5M0XK9T4N7B1C2",
                            "x": 0.5,
                            "y": 0.32,
                            "properties": {"name": "click"},
                        },
                    ]
                }
            ]
        },
    )

    events: list[BeaconEvent] = Field(min_length=1, max_length=MAX_BATCH_EVENTS)


class Count(BaseModel):
    events: int
    uniques: int


class Point(BaseModel):
    """One bucket of the time series: its start (ISO-8601 UTC) and counts per type."""

    at: str
    events: dict[str, int]
    uniques: dict[str, int]
    visitors: int


class Ranked(BaseModel):
    value: str | None  # None when unknown
    events: int
    uniques: int


class LinkRate(BaseModel):
    link_id: str
    clicks: int
    uniques: int
    ctr: float | None  # clicks per profile view; None when there was no view


class Summary(BaseModel):
    profile_id: str
    from_: str = Field(serialization_alias="from")
    to: str
    interval: Literal["hour", "day"]
    totals: dict[str, Count]
    visitors: int
    series: list[Point]
    top: dict[str, list[Ranked]]
    links: list[LinkRate]
    folded_to: str | None


class Heatmap(BaseModel):
    profile_id: str
    path: str | None
    from_: str = Field(serialization_alias="from")
    to: str
    grid: int
    total: int
    max: int
    cells: list[list[int]]  # cells[row][column]: row is y, column is x
