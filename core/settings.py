"""One settings model for every runtime: environment variables locally,
``[vars]`` and secrets at the edge."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator

# Environment variable for each field; the README documents them all.
ENV_NAMES: dict[str, str] = {
    "data_dir": "CREATOR_EDGE_DATA_DIR",
    "dev": "CREATOR_EDGE_DEV",
    "client_ip_header": "CREATOR_EDGE_CLIENT_IP_HEADER",
    "redis_url": "REDIS_URL",
    "secret_key": "CREATOR_EDGE_SECRET_KEY",
    "ip_pepper": "CREATOR_EDGE_IP_PEPPER",
    "rate_limit": "CREATOR_EDGE_RATE_LIMIT",
    "rate_window": "CREATOR_EDGE_RATE_WINDOW",
    "max_body_bytes": "CREATOR_EDGE_MAX_BODY_BYTES",
    "max_upload_bytes": "CREATOR_EDGE_MAX_UPLOAD_BYTES",
    "run_cron": "CREATOR_EDGE_RUN_CRON",
    "shutdown_grace": "CREATOR_EDGE_SHUTDOWN_GRACE",
    "password_iterations": "CREATOR_EDGE_PASSWORD_ITERATIONS",
    "github_api_url": "GITHUB_API_URL",
    "github_token": "GITHUB_TOKEN",
    "github_sync_requests": "GITHUB_SYNC_REQUESTS",
    "analytics_raw_days": "CREATOR_EDGE_ANALYTICS_RAW_DAYS",
    "analytics_rollup_days": "CREATOR_EDGE_ANALYTICS_ROLLUP_DAYS",
    "geoip_db": "CREATOR_EDGE_GEOIP_DB",
}


class Settings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    data_dir: Path = Path(".data")
    dev: bool = False
    # Header that carries the client IP (``CF-Connecting-IP`` at the edge). Off
    # locally unless set: then the socket peer address is the client.
    client_ip_header: str | None = None
    redis_url: str | None = None
    # Signing key for tokens and the pepper for hashing client IPs. Required at
    # the edge; the local runtime makes and keeps its own in the data dir.
    secret_key: SecretStr | None = None
    ip_pepper: SecretStr | None = None
    rate_limit: int = Field(default=100, ge=1)
    rate_window: int = Field(default=60, ge=1)
    max_body_bytes: int = Field(default=1_048_576, ge=1024)
    # Largest file an upload (POST /api/assets) may carry: 5 MiB.
    max_upload_bytes: int = Field(default=5 * 1024 * 1024, ge=1024)
    run_cron: bool = True
    shutdown_grace: float = Field(default=10.0, ge=0)
    # PBKDF2-SHA256 iterations for new password hashes (OWASP: 600,000). Tests
    # lower it; hashes keep their own count, so raising it later rehashes on sign-in.
    password_iterations: int = Field(default=600_000, ge=1000)
    github_api_url: str = "https://api.github.com"
    github_token: SecretStr | None = None
    # GitHub requests one five-minute run may spend: well under the free plan's
    # 50 subrequests an invocation; raise it on the paid plan.
    github_sync_requests: int = Field(default=40, ge=1, le=1000)
    # Analytics retention: raw events, then hourly and daily rollups, in days.
    analytics_raw_days: int = Field(default=90, ge=1)
    analytics_rollup_days: int = Field(default=730, ge=1)
    # A MaxMind (GeoLite2/GeoIP2 City) database for the local runtime's geo facts;
    # at the edge request.cf gives them.
    geoip_db: Path | None = None

    @field_validator(
        "client_ip_header",
        "redis_url",
        "secret_key",
        "ip_pepper",
        "github_token",
        "geoip_db",
        mode="before",
    )
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @classmethod
    def from_env(cls, env: Mapping[str, str], **overrides: object) -> Settings:
        """Build settings from environment-style strings; unknown names are ignored."""
        values: dict[str, object] = {}
        for field, name in ENV_NAMES.items():
            raw = env.get(name)
            if raw is None:
                continue
            if field in ("dev", "run_cron"):
                values[field] = raw.strip().lower() in ("1", "true", "yes", "on")
            else:
                values[field] = raw
        values.update(overrides)
        return cls.model_validate(values)
