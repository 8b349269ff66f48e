"""Request and response shapes of the profile and link routes.

Bodies check only types and sizes here; the rules (slug, URL) are checked by the
service after the profile is found, so someone else's id answers 404 whatever
the body holds."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic.config import JsonDict

_STRICT = ConfigDict(extra="forbid")


def _examples(*examples: JsonDict) -> ConfigDict:
    """The strict body config, with examples for the OpenAPI document."""
    return ConfigDict(**_STRICT, json_schema_extra={"examples": list(examples)})


_LOOSE = 4096  # an upper bound on any text field before the service's own rules


class ProfileIn(BaseModel):
    model_config = _examples(
        {
            "slug": "ada",
            "display_name": "Ada Lovelace",
            "bio": "Notes on the engine.",
            "is_public": True,
        }
    )
    slug: str = Field(max_length=_LOOSE)
    display_name: str = Field(max_length=_LOOSE)
    bio: str | None = Field(default=None, max_length=_LOOSE)
    avatar_asset_id: str | None = Field(default=None, max_length=64)
    is_public: bool = True
    # How visitors are counted: without a visitor hash (no consent needed), or with
    # one only for visitors who agreed (a banner asks). DNT and GPC win either way.
    analytics_mode: Literal["anonymous", "consent"] = "anonymous"


class ProfilePatch(BaseModel):
    model_config = _examples({"display_name": "Ada L.", "is_public": False})
    slug: str | None = Field(default=None, max_length=_LOOSE)
    display_name: str | None = Field(default=None, max_length=_LOOSE)
    bio: str | None = Field(default=None, max_length=_LOOSE)
    avatar_asset_id: str | None = Field(default=None, max_length=64)
    is_public: bool | None = None
    analytics_mode: Literal["anonymous", "consent"] | None = None


class LinkIn(BaseModel):
    model_config = _examples({"title": "My project", "url": "https://github.com/ada/engine"})
    title: str = Field(max_length=_LOOSE)
    url: str = Field(max_length=_LOOSE)
    position: int | None = Field(default=None, ge=0, le=10_000)
    is_active: bool = True


class LinkPatch(BaseModel):
    model_config = _examples({"title": "The engine", "is_active": False})
    title: str | None = Field(default=None, max_length=_LOOSE)
    url: str | None = Field(default=None, max_length=_LOOSE)
    position: int | None = Field(default=None, ge=0, le=10_000)
    is_active: bool | None = None


class LinkOrderIn(BaseModel):
    model_config = _examples(
        {"link_ids": ["01JD3F6Q2Z8V5M0XK9T4N7B1C2", "01JD3F6Q2Z8V5M0XK9T4N7B1"]}
    )
    link_ids: list[str] = Field(max_length=200)


class GitHubOut(BaseModel):
    """A GitHub link's repository as last synced (the GitHub feature's object)."""

    model_config = ConfigDict(extra="allow")
    repo: str | None = None
    stars: int | None = None
    forks: int | None = None
    language: str | None = None
    description: str | None = None
    topics: list[str] = Field(default_factory=list)
    pushed_at: str | None = None
    synced_at: str | None = None
    status: str | None = None
    gone: bool = False


class LinkOut(BaseModel):
    id: str
    profile_id: str
    title: str
    url: str
    position: int
    is_active: bool
    created_at: str
    updated_at: str
    github: GitHubOut | None = None


class ProfileOut(BaseModel):
    id: str
    slug: str
    display_name: str
    bio: str | None
    avatar_asset_id: str | None
    avatar_url: str | None = None
    is_public: bool
    analytics_mode: str = "anonymous"
    url: str
    created_at: str
    updated_at: str
    links: list[LinkOut] | None = None


class ProfilePage(BaseModel):
    items: list[ProfileOut]
    next_cursor: str | None


class LinkPage(BaseModel):
    items: list[LinkOut]
    next_cursor: str | None
