"""Request and response shapes of the identity routes."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic.config import JsonDict

from core.jsonvalue import stored_json
from core.text import has_control_characters

_STRICT = ConfigDict(extra="forbid", str_strip_whitespace=False)


def _examples(*examples: JsonDict) -> ConfigDict:
    """The strict body config, with examples for the OpenAPI document."""
    return ConfigDict(**_STRICT, json_schema_extra={"examples": list(examples)})


METADATA_MAX_BYTES = 4096
METADATA_MAX_DEPTH = 8


def _plain_display_name(value: str | None) -> str | None:
    if value is not None and has_control_characters(value):
        raise ValueError("the display name may not contain control characters")
    return value


class RegisterIn(BaseModel):
    model_config = _examples(
        {
            "email": "ada@example.com",
            "username": "ada",
            "password": "correct horse battery",
            "display_name": "Ada Lovelace",
        }
    )
    email: str = Field(max_length=254)
    username: str = Field(max_length=64)
    password: str = Field(max_length=1024)
    display_name: str | None = Field(default=None, min_length=1, max_length=80)

    _display_name = field_validator("display_name")(_plain_display_name)


class LoginIn(BaseModel):
    """How a person signs in, the same for the API and the sign-in page: the
    password and exactly one of ``email``, ``username`` or ``login`` (either,
    as a person types it into the form's one field)."""

    model_config = _examples(
        {"email": "ada@example.com", "password": "correct horse battery"},
        {"username": "ada", "password": "correct horse battery"},
        {"login": "ada", "password": "correct horse battery"},
    )
    email: str | None = Field(default=None, max_length=254)
    username: str | None = Field(default=None, max_length=64)
    login: str | None = Field(
        default=None, max_length=254, description="an email address or a username"
    )
    password: str = Field(max_length=1024)

    @model_validator(mode="after")
    def _one_login(self) -> LoginIn:
        given = [v for v in (self.email, self.username, self.login) if v and v.strip()]
        if len(given) != 1:
            raise ValueError("give one of email, username or login")
        return self

    @property
    def identifier(self) -> str:
        """What was given, as the accounts are looked up: trimmed, lower case."""
        return (self.email or self.username or self.login or "").strip().lower()


class RefreshIn(BaseModel):
    model_config = _examples({"refresh_token": "01JD3F6Q2Z8V5M0XK9T4N7B1C2.3v8DdApf-UbIpj8e4"})
    refresh_token: str = Field(min_length=1, max_length=256)


class UserOut(BaseModel):
    id: str
    email: str
    username: str
    role: Literal["creator", "influencer", "admin"]
    display_name: str | None
    metadata: dict[str, Any]
    created_at: str
    updated_at: str


class TokensOut(BaseModel):
    user: UserOut
    access_token: str
    refresh_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105
    expires_in: int


class MePatch(BaseModel):
    model_config = _examples(
        {"display_name": "Ada L."},
        {"email": "ada@example.org", "current_password": "correct horse battery"},
        {"password": "a longer passphrase", "current_password": "correct horse battery"},
    )
    display_name: str | None = Field(default=None, min_length=1, max_length=80)
    metadata: dict[str, Any] | None = None
    username: str | None = Field(default=None, max_length=64)
    email: str | None = Field(default=None, max_length=254)
    password: str | None = Field(default=None, max_length=1024)
    current_password: str | None = Field(default=None, max_length=1024)

    _display_name = field_validator("display_name")(_plain_display_name)

    @field_validator("metadata")
    @classmethod
    def _storable_metadata(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:
        # null clears it, as in a JSON merge patch (RFC 7396): what is stored is
        # always an object that can be read back.
        if value is None:
            return {}
        try:
            stored_json(value, max_bytes=METADATA_MAX_BYTES, max_depth=METADATA_MAX_DEPTH)
        except ValueError as error:
            raise ValueError(f"metadata: {error}") from None
        return value


class ConfirmIn(BaseModel):
    model_config = _examples({"password": "correct horse battery"})
    password: str = Field(min_length=1, max_length=1024)


class SessionOut(BaseModel):
    id: str
    kind: Literal["api", "page"]
    device: str | None
    created_at: str
    last_active_at: str
    expires_at: str
    revoked_at: str | None
    current: bool


class AdminUserPatch(BaseModel):
    model_config = _examples({"role": "influencer"}, {"disabled": True})
    role: Literal["creator", "influencer", "admin"] | None = None
    disabled: bool | None = None


class FirstProfileIn(BaseModel):
    slug: str = Field(max_length=64)
    display_name: str = Field(min_length=1, max_length=80)


class OnboardingIn(BaseModel):
    """Onboarding: the username and role an account goes by, and perhaps a first profile."""

    username: str = Field(max_length=64)
    role: Literal["creator", "influencer"]
    profile: FirstProfileIn | None = None
