"""Monitoring's payloads: what clients send (beacons, reports, rules, layouts)
and what the API answers."""

from __future__ import annotations

import json
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from core.errors import BadRequest, Invalid, PayloadTooLarge
from core.jsonvalue import stored_json
from core.monitoring.thresholds import MAX_VALUE, Vital
from core.text import has_control_characters

MAX_BEACON_BYTES = 64 * 1024
MAX_METADATA_BYTES = 4096
Severity = Literal["low", "medium", "high", "critical"]
Device = Literal["mobile", "tablet", "desktop", "unknown"]
_SESSION = r"^[A-Za-z0-9_-]{8,64}$"
_ID = r"^[0-9A-Z]{26}$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _plain(text: str | None) -> str | None:
    if text is not None and has_control_characters(text, "\n\t\r"):
        raise ValueError("control characters are not allowed")
    return text


class VitalValue(_Strict):
    name: Vital
    value: float = Field(ge=0, allow_inf_nan=False)
    id: str | None = Field(default=None, max_length=64)
    navigation_type: str | None = Field(default=None, max_length=32)

    @model_validator(mode="after")
    def _in_range(self) -> VitalValue:
        if self.value > MAX_VALUE[self.name]:
            raise ValueError(f"{self.name} is at most {MAX_VALUE[self.name]:g}")
        return self


class VitalsBeacon(_Strict):
    profile_id: str | None = Field(default=None, pattern=_ID)
    page: str = Field(min_length=1, max_length=512, pattern=r"^/")
    device: Device = "unknown"
    session_id: str | None = Field(default=None, pattern=_SESSION)
    metrics: list[VitalValue] = Field(min_length=1, max_length=20)

    _page = field_validator("page")(_plain)


class ErrorReport(_Strict):
    type: Literal["javascript", "api", "network"] = "javascript"
    name: str = Field(default="Error", min_length=1, max_length=100)
    message: str = Field(min_length=1, max_length=8000)
    stack: str | None = Field(default=None, max_length=32_000)
    url: str | None = Field(default=None, max_length=2048)
    severity: Severity = "medium"
    profile_id: str | None = Field(default=None, pattern=_ID)
    session_id: str | None = Field(default=None, pattern=_SESSION)
    context: dict[str, Any] | None = None

    @field_validator("context")
    @classmethod
    def _context(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:
        if value is not None:
            stored_json(value, max_bytes=MAX_METADATA_BYTES, max_depth=4)
        return value


class MetricIn(_Strict):
    name: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z][A-Za-z0-9_.:-]*$")
    value: float = Field(allow_inf_nan=False, ge=-1e15, le=1e15)
    unit: Literal["ms", "bytes", "count", "percentage", "score"] = "count"
    session_id: str | None = Field(default=None, pattern=_SESSION)
    metadata: dict[str, Any] | None = None

    @field_validator("metadata")
    @classmethod
    def _metadata(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:
        if value is not None:
            stored_json(value, max_bytes=MAX_METADATA_BYTES, max_depth=4)
        return value


class MetricsIn(_Strict):
    metrics: list[MetricIn] = Field(min_length=1, max_length=100)


class ErrorPatch(_Strict):
    resolved: bool


class ErrorGroup(BaseModel):
    id: str
    fingerprint: str
    error_type: str
    name: str | None = None
    error_message: str
    error_stack: str | None
    severity: str
    url: str | None
    count: int
    first_seen: str
    last_seen: str
    resolved: bool
    resolved_at: str | None


class Percentiles(BaseModel):
    metric: str
    page: str | None
    device_type: str | None
    count: int
    p50: float | None
    p75: float | None
    p95: float | None
    rating: str | None  # of the p75
    unit: str


class Performance(BaseModel):
    start: str = Field(serialization_alias="from")
    end: str = Field(serialization_alias="to")
    relative_error: float
    items: list[Percentiles]


def parse_body(body: bytes, model: type[BaseModel], max_bytes: int = MAX_BEACON_BYTES) -> Any:
    """A JSON body (also sent as text/plain by sendBeacon): 413 over ``max_bytes``,
    400 malformed, 422 invalid."""
    if len(body) > max_bytes:
        raise PayloadTooLarge(details={"max_bytes": max_bytes})
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise BadRequest("The body is not valid JSON.", code="malformed_json") from None
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        details = [
            {"field": ".".join(str(p) for p in e["loc"]), "message": e["msg"], "type": e["type"]}
            for e in exc.errors(include_input=False)
        ]
        raise Invalid("A field is invalid.", details=details) from None
