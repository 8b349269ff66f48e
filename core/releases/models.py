"""Request and response shapes of the release routes."""

from __future__ import annotations

import re
from typing import Any, Literal

from email_validator import EmailNotValidError, validate_email
from pydantic import BaseModel, ConfigDict, Field, field_validator

from core.clock import UtcTime
from core.releases import versions
from core.releases.notes import MAX_NOTES
from core.text import has_control_characters

_STRICT = ConfigDict(extra="forbid")

Os = Literal["windows", "macos", "linux"]
OS_NAMES: tuple[str, ...] = ("windows", "macos", "linux")
Channel = Literal["stable", "beta"]
MAX_MESSAGE = 1000
MAX_URL = 2048
# Tauri's platform keys: {target}-{arch}; darwin also "universal" (one build, both).
PLATFORM_KEY = re.compile(r"^(linux|windows|darwin)-(x86_64|aarch64|i686|armv7|universal)$")
_USER_ID = re.compile(r"^[0-9A-Za-z_-]{1,64}$")
_SHA512_B64 = re.compile(r"^[A-Za-z0-9+/]{86}==$")


def _https_url(value: str) -> str:
    if has_control_characters(value) or not re.match(r"^https?://[^\s/]+", value):
        raise ValueError("give an absolute http(s) URL")
    return value


def _plain_user_id(value: str | None) -> str | None:
    if value is not None and not _USER_ID.match(value):
        raise ValueError("not a user id")
    return value


def checked_email(value: str) -> str:
    """A valid address, lower-cased, its domain in ASCII; no DNS lookup."""
    try:
        found = validate_email(value.strip(), check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError as error:
        raise ValueError(str(error)) from None
    return (found.ascii_email or found.normalized).lower()


class PlatformBuild(BaseModel):
    """One platform's file of a version, with what each updater checks."""

    model_config = _STRICT
    url: str = Field(max_length=MAX_URL)
    # Tauri: the minisign signature of the file (the .sig file's content).
    signature: str | None = Field(default=None, min_length=1, max_length=4096)
    # Sparkle: the EdDSA (ed25519) signature of the file, base64.
    ed_signature: str | None = Field(default=None, min_length=1, max_length=512)
    # electron-builder: the file's SHA-512, base64 (88 characters).
    sha512: str | None = None
    size: int | None = Field(default=None, ge=1, le=2**53 - 1)

    _url = field_validator("url")(_https_url)

    @field_validator("signature", "ed_signature")
    @classmethod
    def _plain(cls, value: str | None) -> str | None:
        if value is not None and has_control_characters(value, allowed="\n\r"):
            raise ValueError("a signature is text without control characters")
        return value

    @field_validator("sha512")
    @classmethod
    def _sha512(cls, value: str | None) -> str | None:
        if value is not None and not _SHA512_B64.match(value):
            raise ValueError("give the SHA-512 of the file in base64 (88 characters)")
        return value


class VersionIn(BaseModel):
    """A version to publish (admin)."""

    model_config = _STRICT
    version: str = Field(max_length=versions.MAX_LENGTH)
    download_url: str = Field(max_length=MAX_URL)
    changelog: str = Field(default="", max_length=MAX_NOTES)
    release_date: UtcTime | None = None
    # Make it the latest (stable) version now: unset means yes for a release; a
    # pre-release never is (it is offered on beta).
    latest: bool | None = None
    rollout: int = Field(default=100, ge=0, le=100)
    platforms: dict[str, PlatformBuild] = Field(default_factory=dict, max_length=16)

    _url = field_validator("download_url")(_https_url)

    @field_validator("version")
    @classmethod
    def _semver(cls, value: str) -> str:
        if not versions.is_valid(value):
            raise ValueError("not a semantic version: MAJOR.MINOR.PATCH[-pre][+build]")
        return value

    @field_validator("changelog")
    @classmethod
    def _notes(cls, value: str) -> str:
        if has_control_characters(value, allowed="\n\r\t"):
            raise ValueError("the notes may not contain control characters")
        return value

    @field_validator("platforms")
    @classmethod
    def _platform_keys(cls, value: dict[str, PlatformBuild]) -> dict[str, PlatformBuild]:
        for key in value:
            if not PLATFORM_KEY.match(key):
                raise ValueError(f"unknown platform {key[:40]!r}: use {{os}}-{{arch}} keys")
        return value


class RolloutIn(BaseModel):
    model_config = _STRICT
    rollout: int = Field(ge=0, le=100)


class TrackDownloadIn(BaseModel):
    model_config = _STRICT
    os: Os


class FeedbackIn(BaseModel):
    model_config = _STRICT
    message: str = Field(max_length=4 * MAX_MESSAGE)
    email: str | None = Field(default=None, max_length=254)
    user_id: str | None = Field(default=None, max_length=64)

    @field_validator("message")
    @classmethod
    def _message(cls, value: str) -> str:
        value = value.strip()
        if not 1 <= len(value) <= MAX_MESSAGE:
            raise ValueError(f"a message has 1 to {MAX_MESSAGE} characters")
        if has_control_characters(value, allowed="\n\r\t"):
            raise ValueError("the message may not contain control characters")
        return value

    @field_validator("email")
    @classmethod
    def _email(cls, value: str | None) -> str | None:
        return None if value is None or not value.strip() else checked_email(value)

    _user_id = field_validator("user_id")(_plain_user_id)


class DiagnosticPathIn(BaseModel):
    """The seed's JSON variant: the app uploaded the file elsewhere and reports it."""

    model_config = _STRICT
    file_path: str = Field(min_length=1, max_length=1024)
    file_size: int = Field(ge=1, le=5 * 1024 * 1024)
    user_id: str | None = Field(default=None, max_length=64)

    @field_validator("file_path")
    @classmethod
    def _path(cls, value: str) -> str:
        if has_control_characters(value) or any(p in ("..", ".") for p in value.split("/")):
            raise ValueError("a plain path, without control characters or dot segments")
        return value

    _user_id = field_validator("user_id")(_plain_user_id)


class VersionOut(BaseModel):
    version: str
    release_date: str
    download_url: str
    changelog: str
    notes_html: str
    is_latest: bool
    prerelease: bool
    rollout: int
    platforms: dict[str, Any]
    update_available: bool | None = None


class VersionPage(BaseModel):
    items: list[VersionOut]
    next_cursor: str | None


class DownloadOut(BaseModel):
    os: Os
    url: str
    version: str


class FeedbackOut(BaseModel):
    id: str
    received: bool = True


class DiagnosticOut(BaseModel):
    id: str
    file_path: str
    file_size: int
