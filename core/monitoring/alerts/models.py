"""Alert rules and alerts as the API takes and answers them."""

from __future__ import annotations

from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, EmailStr, Field, model_validator

from core.monitoring.models import Severity

ConditionType = Literal["threshold", "trend", "pattern"]
Aggregate = Literal["avg", "max", "min", "sum", "count"]
_METRIC = r"^[A-Za-z][A-Za-z0-9_.:-]*$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ThresholdConfig(_Strict):
    """The metric's aggregate over the last ``window_minutes`` compared with ``value``."""

    metric: str = Field(min_length=1, max_length=64, pattern=_METRIC)
    aggregate: Aggregate = "avg"
    op: Literal[">", ">=", "<", "<="] = ">"
    value: float = Field(allow_inf_nan=False)
    window_minutes: int = Field(default=15, ge=5, le=1440)


class TrendConfig(_Strict):
    """The aggregate of the last window against the window before it, in percent."""

    metric: str = Field(min_length=1, max_length=64, pattern=_METRIC)
    aggregate: Aggregate = "avg"
    change_percent: float = Field(gt=0, le=100_000)
    direction: Literal["up", "down", "any"] = "up"
    window_minutes: int = Field(default=60, ge=5, le=1440)


class PatternConfig(_Strict):
    """Occurrences of error groups whose ``"<name>: <message>"`` matches the glob
    (``*`` any text, ``?`` one character, ``[...]`` a set) reach ``count``."""

    pattern: str = Field(min_length=1, max_length=200)
    count: int = Field(ge=1, le=10_000_000)
    window_minutes: int = Field(default=15, ge=5, le=1440)


CONFIGS: dict[str, type[_Strict]] = {
    "threshold": ThresholdConfig,
    "trend": TrendConfig,
    "pattern": PatternConfig,
}


class Channel(_Strict):
    type: Literal["webhook", "email"]
    url: str | None = Field(default=None, max_length=2048)
    to: EmailStr | None = None

    @model_validator(mode="after")
    def _target(self) -> Channel:
        if self.type == "webhook":
            if self.url is None or self.to is not None:
                raise ValueError("a webhook channel has a url (and no 'to')")
            parts = urlsplit(self.url)
            if parts.scheme not in ("https", "http") or not parts.hostname:
                raise ValueError("a webhook url is an https:// URL")
        elif self.to is None or self.url is not None:
            raise ValueError("an email channel has 'to' (and no url)")
        return self


class RuleIn(_Strict):
    name: str = Field(min_length=1, max_length=100)
    description: str | None = Field(default=None, max_length=1000)
    condition_type: ConditionType
    condition_config: dict[str, Any]
    severity: Severity = "medium"
    enabled: bool = True
    notification_channels: list[Channel] = Field(default_factory=list, max_length=5)
    cooldown_minutes: int = Field(default=30, ge=0, le=10080)

    @model_validator(mode="after")
    def _config(self) -> RuleIn:
        model = CONFIGS[self.condition_type]
        self.condition_config = model.model_validate(self.condition_config).model_dump()
        return self


class RulePatch(_Strict):
    name: str | None = Field(default=None, min_length=1, max_length=100)
    description: str | None = Field(default=None, max_length=1000)
    condition_config: dict[str, Any] | None = None
    severity: Severity | None = None
    enabled: bool | None = None
    notification_channels: list[Channel] | None = Field(default=None, max_length=5)
    cooldown_minutes: int | None = Field(default=None, ge=0, le=10080)


class Rule(BaseModel):
    id: str
    name: str
    description: str | None
    condition_type: str
    condition_config: dict[str, Any]
    severity: str
    enabled: bool
    notification_channels: list[dict[str, Any]]
    cooldown_minutes: int
    last_triggered: str | None
    created_by: str
    created_at: str
    updated_at: str
    # Shown on creation only: the key of the webhook's HMAC signature.
    webhook_secret: str | None = None


class Alert(BaseModel):
    id: str
    alert_rule_id: str | None
    source: str
    title: str
    message: str
    severity: str
    status: str
    triggered_data: Any
    acknowledged_by: str | None
    acknowledged_at: str | None
    resolved_by: str | None
    resolved_at: str | None
    created_at: str
