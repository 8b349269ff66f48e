"""One settings model for every runtime: environment variables locally,
``[vars]`` and secrets at the edge.

pydantic-settings reads them: each field's ``validation_alias`` is its
variable's name (the README lists them all), and ``from_env`` takes the
variables it is given, ``os.environ`` locally, the Worker's env at the edge,
never the process's behind the caller's back: ``Settings()`` is the defaults."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic.fields import FieldInfo
from pydantic_settings import (
    BaseSettings,
    EnvSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        frozen=True,
        extra="forbid",
        populate_by_name=True,  # code passes field names; the environment, aliases
        case_sensitive=True,
        env_ignore_empty=True,  # a blank variable is an unset one
    )

    data_dir: Path = Field(Path(".data"), validation_alias="CREATOR_EDGE_DATA_DIR")
    dev: bool = Field(False, validation_alias="CREATOR_EDGE_DEV")
    # Header that carries the client IP (``CF-Connecting-IP`` at the edge). Off
    # locally unless set: then the socket peer address is the client.
    client_ip_header: str | None = Field(None, validation_alias="CREATOR_EDGE_CLIENT_IP_HEADER")
    redis_url: str | None = Field(None, validation_alias="REDIS_URL")
    # Where the local rate-limit counter lives without Redis: "memory" (one process
    # serves the data dir: no file write per request) or "file" (a SQLite file in
    # the data dir, exact across several processes serving it).
    rate_counter: Literal["memory", "file"] = Field(
        "memory", validation_alias="CREATOR_EDGE_RATE_COUNTER"
    )
    # Signing key for tokens and the pepper for hashing client IPs. Required at
    # the edge; the local runtime makes and keeps its own in the data dir.
    secret_key: SecretStr | None = Field(None, validation_alias="CREATOR_EDGE_SECRET_KEY")
    ip_pepper: SecretStr | None = Field(None, validation_alias="CREATOR_EDGE_IP_PEPPER")
    rate_limit: int = Field(default=100, ge=1, validation_alias="CREATOR_EDGE_RATE_LIMIT")
    rate_window: int = Field(default=60, ge=1, validation_alias="CREATOR_EDGE_RATE_WINDOW")
    max_body_bytes: int = Field(
        default=1_048_576, ge=1024, validation_alias="CREATOR_EDGE_MAX_BODY_BYTES"
    )
    # Largest file an upload (POST /api/assets) may carry: 5 MiB.
    max_upload_bytes: int = Field(
        default=5 * 1024 * 1024, ge=1024, validation_alias="CREATOR_EDGE_MAX_UPLOAD_BYTES"
    )
    run_cron: bool = Field(True, validation_alias="CREATOR_EDGE_RUN_CRON")
    shutdown_grace: float = Field(
        default=10.0, ge=0, validation_alias="CREATOR_EDGE_SHUTDOWN_GRACE"
    )
    # PBKDF2-SHA256 iterations for new password hashes (OWASP: 600,000). Tests
    # lower it; hashes keep their own count, so raising it later rehashes on sign-in.
    password_iterations: int = Field(
        default=600_000, ge=1000, validation_alias="CREATOR_EDGE_PASSWORD_ITERATIONS"
    )
    github_api_url: str = Field("https://api.github.com", validation_alias="GITHUB_API_URL")
    github_token: SecretStr | None = Field(None, validation_alias="GITHUB_TOKEN")
    # GitHub requests one five-minute run may spend: well under the free plan's
    # 50 subrequests an invocation; raise it on the paid plan.
    github_sync_requests: int = Field(
        default=40, ge=1, le=1000, validation_alias="GITHUB_SYNC_REQUESTS"
    )
    # Analytics retention: raw events, then hourly and daily rollups, in days.
    analytics_raw_days: int = Field(
        default=90, ge=1, validation_alias="CREATOR_EDGE_ANALYTICS_RAW_DAYS"
    )
    analytics_rollup_days: int = Field(
        default=730, ge=1, validation_alias="CREATOR_EDGE_ANALYTICS_ROLLUP_DAYS"
    )
    # Accounts and trust (issue 15). A self-deactivated account (DELETE /api/me)
    # can be restored by signing in for this many days, then the daily cron erases it.
    account_grace_days: int = Field(
        default=30, ge=1, le=365, validation_alias="CREATOR_EDGE_ACCOUNT_GRACE_DAYS"
    )
    # Keys for personal data at rest (AES-256-GCM): ``id:base64url-key`` pairs,
    # comma-separated, the first encrypts, all decrypt. Unset, one key derived from
    # the secret key ("k0") is used; it keeps decrypting after keys are set.
    pii_keys: SecretStr | None = Field(None, validation_alias="CREATOR_EDGE_PII_KEYS")
    # The blind index key (HMAC of normalised emails). It never rotates with the
    # encryption keys; unset, it is derived from the secret key.
    pii_index_key: SecretStr | None = Field(None, validation_alias="CREATOR_EDGE_PII_INDEX_KEY")
    # Audit entries older than this many days are purged by the daily cron (a signed
    # checkpoint keeps the chain verifiable).
    audit_retention_days: int = Field(
        default=365, ge=1, validation_alias="CREATOR_EDGE_AUDIT_RETENTION_DAYS"
    )
    # Local backups (``python -m core backup`` and the daily cron): where, and how long kept.
    backup_dir: Path | None = Field(None, validation_alias="CREATOR_EDGE_BACKUP_DIR")
    backup_retention_days: int = Field(
        default=30, ge=1, validation_alias="CREATOR_EDGE_BACKUP_RETENTION_DAYS"
    )
    # OAuth sign-in: per provider a JSON object {"client_id", "client_secret"} and,
    # to point elsewhere than the provider itself (a stand-in), "authorize_url",
    # "token_url", "userinfo_url", "jwks_url", "issuer". Unset: that provider is off.
    oauth_github: SecretStr | None = Field(None, validation_alias="CREATOR_EDGE_OAUTH_GITHUB")
    oauth_google: SecretStr | None = Field(None, validation_alias="CREATOR_EDGE_OAUTH_GOOGLE")
    oauth_x: SecretStr | None = Field(None, validation_alias="CREATOR_EDGE_OAUTH_X")
    # A MaxMind (GeoLite2/GeoIP2 City) database for the local runtime's geo facts;
    # at the edge request.cf gives them.
    geoip_db: Path | None = Field(None, validation_alias="CREATOR_EDGE_GEOIP_DB")
    # The payment provider's webhook endpoint secret(s): several, comma-separated,
    # while one is rotated out. Unset: the webhook answers 503.
    billing_webhook_secret: SecretStr | None = Field(
        None, validation_alias="CREATOR_EDGE_BILLING_WEBHOOK_SECRET"
    )
    # Days a failed payment keeps the paid plan before it falls back to free.
    billing_grace_days: int = Field(
        default=7, ge=0, le=60, validation_alias="CREATOR_EDGE_BILLING_GRACE_DAYS"
    )
    # Alert webhooks may be plain http:// (a receiver on a private network, tests).
    alert_webhook_http: bool = Field(False, validation_alias="CREATOR_EDGE_ALERT_WEBHOOK_HTTP")
    # Content's AI services. Locally: an OpenAI-compatible chat-completions endpoint
    # (llama.cpp, Ollama: ``http://127.0.0.1:8080/v1``) for drafts, an optional
    # OpenAI-compatible moderation endpoint, and the embedding model shipped in the
    # wordllama wheel. At the edge the Workers AI binding and Vectorize instead.
    ai_url: str | None = Field(None, validation_alias="CREATOR_EDGE_AI_URL")
    ai_model: str = Field("llama-3.1-8b-instruct", validation_alias="CREATOR_EDGE_AI_MODEL")
    ai_key: SecretStr | None = Field(None, validation_alias="CREATOR_EDGE_AI_KEY")
    ai_timeout: float = Field(30.0, gt=0, le=120, validation_alias="CREATOR_EDGE_AI_TIMEOUT")
    moderation_url: str | None = Field(None, validation_alias="CREATOR_EDGE_MODERATION_URL")
    embeddings: Literal["wordllama", "none"] = Field(
        "wordllama", validation_alias="CREATOR_EDGE_EMBEDDINGS"
    )
    # App releases: how long diagnostic uploads are kept, and the prefix a path the
    # desktop app reports (the JSON variant of POST /api/diagnostics) must start with.
    diagnostics_retention_days: int = Field(
        default=30, ge=1, validation_alias="CREATOR_EDGE_DIAGNOSTICS_RETENTION_DAYS"
    )
    diagnostics_path_prefix: str = Field(
        default="s3://creator-edge-diagnostics/",
        min_length=6,
        validation_alias="CREATOR_EDGE_DIAGNOSTICS_PATH_PREFIX",
    )

    @field_validator(
        "client_ip_header",
        "redis_url",
        "secret_key",
        "ip_pepper",
        "github_token",
        "geoip_db",
        "billing_webhook_secret",
        "ai_url",
        "ai_key",
        "moderation_url",
        "pii_keys",
        "pii_index_key",
        "backup_dir",
        "oauth_github",
        "oauth_google",
        "oauth_x",
        mode="before",
    )
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # Arguments only: from_env hands over the variables of the runtime.
        return (init_settings,)

    @classmethod
    def from_env(cls, env: Mapping[str, str], **overrides: object) -> Settings:
        """Settings from environment-style strings (``overrides`` by field name win);
        names that are no setting's are ignored."""
        values = _GivenEnvironment(cls, env)()
        # The source keys by variable name, and a name given twice takes that one.
        fields = cls.model_fields
        named = {_env_name(fields[k]) if k in fields else k: v for k, v in overrides.items()}
        return cls(**{**values, **named})


class _GivenEnvironment(EnvSettingsSource):
    """pydantic-settings' environment source over a mapping it is given."""

    def __init__(self, settings_cls: type[BaseSettings], env: Mapping[str, str]) -> None:
        self._given = dict(env)
        super().__init__(settings_cls)

    def _load_env_vars(self) -> Mapping[str, str | None]:
        # The one hook EnvSettingsSource reads its variables through (pinned version).
        return {k: v for k, v in self._given.items() if not (self.env_ignore_empty and v == "")}


def _env_name(field: FieldInfo) -> str:
    assert isinstance(field.validation_alias, str)
    return field.validation_alias


# Each field's environment variable, from the model (wrangler.toml's [vars] are checked
# against it).
ENV_NAMES: dict[str, str] = {
    name: _env_name(field) for name, field in Settings.model_fields.items()
}
