"""Profiles and links: the rules, and the batches that keep them consistent.

Every write that changes what a public page shows moves the profile's
``version`` on in the same batch and, once it has committed, clears the page
from the cache; every link write carries its GitHub sync-job statements in
the same batch too, so no job is ever lost or left behind.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from core.audit import AuditLog
from core.clock import iso
from core.data.owned import Owned
from core.errors import Conflict, Invalid, NotFound
from core.github import github_details, job_statements_for_link
from core.http.context import RequestContext
from core.ids import new_id
from core.ports import IntegrityError, Ports, Statement
from core.profiles import avatars, validation
from core.profiles.models import (
    GitHubOut,
    LinkIn,
    LinkOut,
    LinkPage,
    ProfileIn,
    ProfileOut,
    ProfilePage,
)
from core.profiles.public_page import page
from core.profiles.repo import LinkRow, ProfileRepo, ProfileRow, PublicRepo

# A link-in-bio page with more links than this is no longer one.
MAX_LINKS_PER_PROFILE = 200

T = TypeVar("T")


def _checked(field: str, check: Callable[[], T]) -> T:
    try:
        return check()
    except validation.ValidationError as error:
        raise Invalid(str(error), details=[{"field": field, "message": str(error)}]) from None


def public_path(slug: str) -> str:
    return f"/p/{slug}"


def profile_out(row: ProfileRow, *, avatar_url: str | None = None) -> ProfileOut:
    return ProfileOut(
        id=row["id"],
        slug=row["slug"],
        display_name=row["display_name"],
        bio=row["bio"],
        avatar_asset_id=row["avatar_asset_id"],
        avatar_url=avatar_url,
        is_public=bool(row["is_public"]),
        analytics_mode=row["analytics_mode"],
        url=public_path(row["slug"]),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


def link_out(row: LinkRow, github: dict[str, Any] | None = None) -> LinkOut:
    return LinkOut(
        id=row["id"],
        profile_id=row["profile_id"],
        title=row["title"],
        url=row["url"],
        position=row["position"],
        is_active=bool(row["is_active"]),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        github=None if github is None else GitHubOut.model_validate(github),
    )


class Profiles:
    """The acting user's profiles and links."""

    def __init__(self, ports: Ports, owned: Owned, ctx: RequestContext | None = None) -> None:
        self.ports = ports
        self.owned = owned
        self.repo = ProfileRepo(owned)
        self.audit = AuditLog(ports.db, ports.clock)
        self.ctx = ctx

    def _now(self) -> float:
        return self.ports.clock.now()

    def _audit(self, action: str, resource: str, details: Any = None) -> Statement:
        fields: dict[str, Any] = {}
        if self.ctx is not None:
            fields = {
                "ip_hash": self.ctx.client_key,
                "user_agent": self.ctx.user_agent,
                "request_id": self.ctx.request_id,
            }
        return self.audit.statement(
            action, user_id=self.owned.owner_id, resource=resource, details=details, **fields
        )

    # -------------------------------------------------------------- profiles

    async def _free_slug(self, slug: str, profile_id: str | None = None) -> None:
        holder = await PublicRepo(self.ports.db).slug_owner(slug)
        if holder is not None and holder["id"] != profile_id:
            raise Conflict(
                "This slug is already taken.",
                code="slug_taken",
                details=[{"field": "slug", "message": "already taken"}],
            )

    async def _changed(self, *slugs: str, slugs_moved: bool = False) -> None:
        """After a committed change: the public pages of ``slugs`` are rendered
        afresh; when the owner's slugs changed, the list an erasure clears is kept."""
        await page.forget(self.ports, slugs)
        if slugs_moved:
            await page.keep_slugs(self.ports, self.owned.owner_id, await self.repo.slugs())

    async def _shape(self, row: ProfileRow) -> ProfileOut:
        urls = await avatars.urls(self.ports.db, self.owned.owner_id, [row["avatar_asset_id"]])
        return profile_out(row, avatar_url=urls.get(row["avatar_asset_id"] or ""))

    async def create(self, body: ProfileIn) -> ProfileOut:
        slug = _checked("slug", lambda: validation.normalize_slug(body.slug))
        values: dict[str, Any] = {
            "slug": slug,
            "display_name": self._display_name(body.display_name),
            "bio": self._bio(body.bio),
            "avatar_asset_id": await self._avatar(body.avatar_asset_id),
            "is_public": int(body.is_public),
            "analytics_mode": body.analytics_mode,
        }
        await self._free_slug(slug)
        now = self._now()
        profile_id, stamp = new_id(now), iso(now)
        values = {"id": profile_id, **values, "created_at": stamp, "updated_at": stamp}
        try:
            await self.ports.db.batch(
                [
                    self.repo.insert_profile(values),
                    self._audit("profile.created", profile_id, {"slug": slug}),
                ]
            )
        except IntegrityError:  # another profile took the slug in the meantime
            raise Conflict("This slug is already taken.", code="slug_taken") from None
        await self._changed(slug, slugs_moved=True)  # a cached "missing" goes too
        return await self.get(profile_id)

    async def list_mine(self, *, limit: int, cursor: str | None) -> ProfilePage:
        page = await self.repo.profiles(limit=limit, cursor=cursor)
        ids = [row["avatar_asset_id"] for row in page.items]
        urls = await avatars.urls(self.ports.db, self.owned.owner_id, ids)
        items = [
            profile_out(row, avatar_url=urls.get(row["avatar_asset_id"] or ""))
            for row in page.items
        ]
        return ProfilePage(items=items, next_cursor=page.next_cursor)

    async def get(self, profile_id: str) -> ProfileOut:
        """The profile with all its links, in order."""
        row = await self.repo.profile(profile_id)
        out = await self._shape(row)
        links, _ = await self.repo.links(profile_id)
        out.links = await self._links_out(links)
        return out

    async def update(self, profile_id: str, changes: dict[str, Any]) -> ProfileOut:
        row = await self.repo.profile(profile_id)
        values: dict[str, Any] = {}
        if "slug" in changes:
            raw = changes["slug"]
            if raw is None:
                raise Invalid("A profile needs a slug.", details=[{"field": "slug"}])
            values["slug"] = _checked("slug", lambda: validation.normalize_slug(raw))
        if "display_name" in changes:
            values["display_name"] = self._display_name(changes["display_name"] or "")
        if "bio" in changes:
            values["bio"] = self._bio(changes["bio"])
        if "avatar_asset_id" in changes:
            values["avatar_asset_id"] = await self._avatar(changes["avatar_asset_id"])
        if "is_public" in changes:
            if changes["is_public"] is None:
                raise Invalid("is_public is true or false.", details=[{"field": "is_public"}])
            values["is_public"] = int(changes["is_public"])
        if changes.get("analytics_mode") is not None:
            values["analytics_mode"] = changes["analytics_mode"]
        if values.get("slug", row["slug"]) != row["slug"]:
            await self._free_slug(values["slug"], profile_id)
        if not values:
            return await self.get(profile_id)
        values["updated_at"] = iso(self._now())
        statements = [self.repo.update_profile(profile_id, values)]
        audited = {
            "slug": row["slug"],
            "is_public": row["is_public"],
            "analytics_mode": row["analytics_mode"],
        }
        noted = {k: values[k] for k, was in audited.items() if k in values and values[k] != was}
        if noted:
            statements.append(self._audit("profile.updated", profile_id, noted))
        try:
            await self.ports.db.batch(statements)
        except IntegrityError:
            raise Conflict("This slug is already taken.", code="slug_taken") from None
        slug: str = values.get("slug") or row["slug"]
        await self._changed(row["slug"], slug, slugs_moved=slug != row["slug"])
        return await self.get(profile_id)

    async def delete(self, profile_id: str) -> None:
        row = await self.repo.profile(profile_id)
        await self.ports.db.batch(
            [
                self.repo.delete_profile(profile_id),
                self._audit("profile.deleted", profile_id, {"slug": row["slug"]}),
            ]
        )
        await self._changed(row["slug"], slugs_moved=True)

    def _display_name(self, value: str) -> str:
        name = _checked(
            "display_name",
            lambda: validation.clean_text(
                value, field="display name", max_length=validation.DISPLAY_NAME_MAX, required=True
            ),
        )
        assert name is not None
        return name

    def _bio(self, value: str | None) -> str | None:
        if value is None:
            return None
        return _checked(
            "bio",
            lambda: validation.clean_text(
                value, field="bio", max_length=validation.BIO_MAX, required=False
            ),
        )

    async def _avatar(self, asset_id: str | None) -> str | None:
        if asset_id is None:
            return None
        await avatars.check(self.owned, asset_id)
        return asset_id

    # ----------------------------------------------------------------- links

    async def _links_out(self, rows: list[LinkRow]) -> list[LinkOut]:
        if not rows:
            return []
        details = await github_details(
            self.ports.db, self.owned.owner_id, [row["id"] for row in rows]
        )
        return [link_out(row, details.get(row["id"])) for row in rows]

    async def link(self, link_id: str) -> LinkOut:
        return (await self._links_out([await self.repo.link(link_id)]))[0]

    def _title(self, value: str) -> str:
        title = _checked(
            "title",
            lambda: validation.clean_text(
                value, field="title", max_length=validation.TITLE_MAX, required=True
            ),
        )
        assert title is not None
        return title

    async def links(self, profile_id: str, *, limit: int, cursor: str | None) -> LinkPage:
        await self.repo.profile(profile_id)
        rows, next_cursor = await self.repo.links(profile_id, limit=limit, cursor=cursor)
        return LinkPage(items=await self._links_out(rows), next_cursor=next_cursor)

    async def add_link(self, profile_id: str, body: LinkIn) -> LinkOut:
        profile = await self.repo.profile(profile_id)
        title = self._title(body.title)
        url = _checked("url", lambda: validation.normalize_url(body.url))
        if await self.repo.link_count(profile_id) >= MAX_LINKS_PER_PROFILE:
            raise Conflict(
                f"A profile has at most {MAX_LINKS_PER_PROFILE} links.", code="too_many_links"
            )
        now = self._now()
        link_id, stamp = new_id(now), iso(now)
        values = {
            "id": link_id,
            "profile_id": profile_id,
            "title": title,
            "url": url,
            "is_active": int(body.is_active),
            "created_at": stamp,
        }
        try:
            await self.ports.db.batch(
                [
                    *self.repo.insert_link(values, body.position),
                    *job_statements_for_link(self.owned, link_id, url, now),
                    self.repo.touch_profile(profile_id),
                ]
            )
        except IntegrityError:  # the profile went away meanwhile
            raise NotFound("No profile has this id.") from None
        await self._changed(profile["slug"])
        return await self.link(link_id)

    async def update_link(self, link_id: str, changes: dict[str, Any]) -> LinkOut:
        link = await self.repo.link(link_id)
        now = self._now()
        values: dict[str, Any] = {}
        if "title" in changes:
            values["title"] = self._title(changes["title"] or "")
        if "url" in changes:
            raw = changes["url"] or ""
            values["url"] = _checked("url", lambda: validation.normalize_url(raw))
        if "is_active" in changes:
            if changes["is_active"] is None:
                raise Invalid("is_active is true or false.", details=[{"field": "is_active"}])
            values["is_active"] = int(changes["is_active"])
        statements: list[Statement] = []
        if changes.get("position") is not None:
            last = max(0, await self.repo.link_count(link["profile_id"]) - 1)
            statements += self.repo.move_link(link, min(changes["position"], last))
        if values:
            values["updated_at"] = iso(now)
            statements.append(self.repo.update_link(link_id, values))
        if "url" in values:
            statements += job_statements_for_link(self.owned, link_id, values["url"], now)
        if statements:
            statements.append(self.repo.touch_profile(link["profile_id"]))
            await self.ports.db.batch(statements)
            await self._profile_changed(link["profile_id"])
        return await self.link(link_id)

    async def delete_link(self, link_id: str) -> None:
        link = await self.repo.link(link_id)
        # The link's sync job goes with it (its foreign key cascades).
        await self.ports.db.batch(
            [*self.repo.delete_link(link), self.repo.touch_profile(link["profile_id"])]
        )
        await self._profile_changed(link["profile_id"])

    async def _profile_changed(self, profile_id: str) -> None:
        profile = await self.repo.find_profile(profile_id)
        if profile is not None:
            await self._changed(profile["slug"])

    async def reorder(self, profile_id: str, link_ids: list[str]) -> LinkPage:
        """Put the profile's links in the order of ``link_ids``, which must name each once."""
        profile = await self.repo.profile(profile_id)
        rows, _ = await self.repo.links(profile_id)
        current = {row["id"] for row in rows}
        if len(set(link_ids)) != len(link_ids) or set(link_ids) != current:
            raise Invalid(
                "link_ids must list each of the profile's links exactly once.",
                details=[{"field": "link_ids", "message": "not the profile's links"}],
            )
        if link_ids != [row["id"] for row in rows]:
            await self.ports.db.batch(
                [
                    self.repo.reorder_links(profile_id, link_ids, iso(self._now())),
                    self.repo.touch_profile(profile_id),
                ]
            )
            await self._changed(profile["slug"])
        rows, _ = await self.repo.links(profile_id)
        return LinkPage(items=await self._links_out(rows), next_cursor=None)
