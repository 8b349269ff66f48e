"""SQL for profiles and links.

Owner-scoped reads and writes go through ``Owned`` (or bind ``owned.owner_id``
themselves where ``Owned`` has no form for the statement: position shifts,
reorders). The public page and the click redirect read without an actor,
and only what is public: a public profile and its active links."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Mapping, Sequence
from typing import Any, Literal, TypedDict, cast

from core.data.owned import Owned, OwnedTable, Page
from core.errors import BadRequest
from core.identity import account_active, inactive_among
from core.ports import Database, Param, Statement, stmt

# A links cursor wraps the last position and id seen.
_LINK_CURSOR = re.compile(r"^(\d{1,9}):([0-9A-Z]{26})$")

# Parents erase after their children (other features' rows that point at links).
LINKS = OwnedTable("links", "link", erase_order=190)
PROFILES = OwnedTable("profiles", "profile", erase_order=200)


class PublicProfile(TypedDict):
    """What the public page shows of a public profile."""

    id: str
    owner_id: str
    slug: str
    display_name: str
    bio: str | None
    avatar_asset_id: str | None
    version: int
    updated_at: str
    # d1_migrations/0022_oauth_consent.sql: how visitors are counted (issue 15).
    analytics_mode: Literal["anonymous", "consent"]


class ProfileRow(PublicProfile):
    """A row of ``profiles`` (d1_migrations/0003_profiles.sql)."""

    is_public: int
    created_at: str


class LinkRow(TypedDict):
    """A row of ``links`` (d1_migrations/0003_profiles.sql)."""

    id: str
    owner_id: str
    profile_id: str
    title: str
    url: str
    position: int
    is_active: int
    created_at: str
    updated_at: str


class ProfileRepo:
    """The acting user's profiles and links."""

    def __init__(self, owned: Owned) -> None:
        self.owned = owned

    @property
    def owner_id(self) -> str:
        return self.owned.owner_id

    async def profile(self, profile_id: str) -> ProfileRow:
        return cast(ProfileRow, await self.owned.get(PROFILES, profile_id))

    async def find_profile(self, profile_id: str) -> ProfileRow | None:
        return cast(ProfileRow | None, await self.owned.find(PROFILES, profile_id))

    async def profiles(self, *, limit: int, cursor: str | None) -> Page[ProfileRow]:
        page = await self.owned.list(PROFILES, limit=limit, cursor=cursor)
        return Page(cast(list[ProfileRow], page.items), page.next_cursor)

    async def link(self, link_id: str) -> LinkRow:
        return cast(LinkRow, await self.owned.get(LINKS, link_id))

    async def links(
        self, profile_id: str, *, limit: int = 10_000, cursor: str | None = None
    ) -> tuple[list[LinkRow], str | None]:
        """A profile's links in order, a page at a time (cursor: the last position and id)."""
        clauses = ["profile_id = ?", "owner_id = ?"]
        params: list[Param] = [profile_id, self.owner_id]
        if cursor:
            position, last_id = _decode_link_cursor(cursor)
            clauses.append("(position > ? OR (position = ? AND id > ?))")
            params += [position, position, last_id]
        rows = cast(
            list[LinkRow],
            await self.owned.db.all(
                f"SELECT * FROM links WHERE {' AND '.join(clauses)}"  # noqa: S608 (fixed clauses)
                " ORDER BY position, id LIMIT ?",
                *params,
                limit + 1,
            ),
        )
        if len(rows) <= limit:
            return rows, None
        rows = rows[:limit]
        last = f"{rows[-1]['position']}:{rows[-1]['id']}"
        return rows, base64.urlsafe_b64encode(last.encode()).decode().rstrip("=")

    async def slugs(self) -> list[str]:
        rows = await self.owned.db.all(
            "SELECT slug FROM profiles WHERE owner_id = ? ORDER BY id", self.owner_id
        )
        return [row["slug"] for row in rows]

    async def link_count(self, profile_id: str) -> int:
        row = await self.owned.db.first(
            "SELECT count(*) AS n FROM links WHERE profile_id = ? AND owner_id = ?",
            profile_id,
            self.owner_id,
        )
        return int(row["n"]) if row else 0

    # ------------------------------------------------------------ statements

    def insert_profile(self, values: Mapping[str, Any]) -> Statement:
        return self.owned.insert_statement(PROFILES, values)

    def update_profile(self, profile_id: str, values: Mapping[str, Any]) -> Statement:
        """Change fields and move the profile's revision on, in one statement."""
        sets = ", ".join(f"{column} = ?" for column in values)
        prefix = f"{sets}, " if sets else ""
        return stmt(
            f"UPDATE profiles SET {prefix}version = version + 1"  # noqa: S608 (model field names)
            " WHERE id = ? AND owner_id = ?",
            *values.values(),
            profile_id,
            self.owner_id,
        )

    def touch_profile(self, profile_id: str) -> Statement:
        """A change to the profile's links: the profile's revision moves on."""
        return self.update_profile(profile_id, {})

    def delete_profile(self, profile_id: str) -> Statement:
        return self.owned.delete_statement(PROFILES, profile_id)

    def insert_link(self, values: Mapping[str, Any], position: int | None) -> list[Statement]:
        """Insert at ``position`` (shifting the links from there down), or at the end."""
        profile_id = values["profile_id"]
        statements = []
        if position is not None:
            statements.append(
                stmt(
                    "UPDATE links SET position = position + 1"
                    " WHERE profile_id = ? AND owner_id = ? AND position >= ?",
                    profile_id,
                    self.owner_id,
                    position,
                )
            )
        # The position is computed by the statement itself, so two links added
        # at once both land at the end rather than on the same place.
        statements.append(
            stmt(
                "INSERT INTO links (id, owner_id, profile_id, title, url, position, is_active,"
                " created_at, updated_at)"
                " SELECT ?1, ?2, ?3, ?4, ?5,"
                " COALESCE(MIN(?6, MAX(position) + 1), MAX(position) + 1, 0), ?7, ?8, ?8"
                " FROM links WHERE profile_id = ?3 AND owner_id = ?2",
                values["id"],
                self.owner_id,
                profile_id,
                values["title"],
                values["url"],
                position,
                values["is_active"],
                values["created_at"],
            )
        )
        return statements

    def update_link(self, link_id: str, values: Mapping[str, Any]) -> Statement:
        return self.owned.update_statement(LINKS, link_id, values)

    def move_link(self, link: LinkRow, to: int) -> list[Statement]:
        """Move ``link`` to position ``to``, shifting the links in between by one."""
        start = link["position"]
        if to == start:
            return []
        if to > start:
            shift = stmt(
                "UPDATE links SET position = position - 1 WHERE profile_id = ? AND owner_id = ?"
                " AND position > ? AND position <= ? AND id != ?",
                link["profile_id"],
                self.owner_id,
                start,
                to,
                link["id"],
            )
        else:
            shift = stmt(
                "UPDATE links SET position = position + 1 WHERE profile_id = ? AND owner_id = ?"
                " AND position >= ? AND position < ? AND id != ?",
                link["profile_id"],
                self.owner_id,
                to,
                start,
                link["id"],
            )
        return [shift, self.owned.update_statement(LINKS, link["id"], {"position": to})]

    def delete_link(self, link: LinkRow) -> list[Statement]:
        """Delete ``link`` and close the gap it leaves."""
        return [
            self.owned.delete_statement(LINKS, link["id"]),
            stmt(
                "UPDATE links SET position = position - 1"
                " WHERE profile_id = ? AND owner_id = ? AND position > ?",
                link["profile_id"],
                self.owner_id,
                link["position"],
            ),
        ]

    def reorder_links(self, profile_id: str, link_ids: list[str], now: str) -> Statement:
        """Every link's position is its index in ``link_ids`` (one JSON parameter)."""
        return stmt(
            "UPDATE links SET updated_at = ?2, position ="
            " (SELECT CAST(j.key AS INTEGER) FROM json_each(?1) AS j WHERE j.value = links.id)"
            " WHERE profile_id = ?3 AND owner_id = ?4 AND id IN (SELECT value FROM json_each(?1))",
            json.dumps(link_ids),
            now,
            profile_id,
            self.owner_id,
        )


def _decode_link_cursor(cursor: str) -> tuple[int, str]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        decoded = base64.urlsafe_b64decode(padded.encode()).decode()
    except (ValueError, UnicodeDecodeError):
        decoded = ""
    match = _LINK_CURSOR.match(decoded)
    if match is None:
        raise BadRequest("The cursor is not one this API gave out.", code="bad_cursor")
    return int(match[1]), match[2]


class SlugHolder(TypedDict):
    id: str
    owner_id: str


class PublicLink(TypedDict):
    id: str
    title: str
    url: str


class LinkTarget(TypedDict):
    """Where an active link of a public profile goes, and whose it is."""

    url: str
    owner_id: str
    profile_id: str
    slug: str


class PublicRepo:
    """What anyone may read: public profiles and their active links."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def slug_owner(self, slug: str) -> SlugHolder | None:
        """Who holds ``slug``, public or not (for uniqueness checks only)."""
        row = await self.db.first("SELECT id, owner_id FROM profiles WHERE slug = ?", slug)
        return cast(SlugHolder | None, row)

    async def public_owners(self, ids: Sequence[str]) -> dict[str, str]:
        """Owner of each public profile among ``ids`` (unknown and private ones left out)."""
        if not ids:
            return {}
        rows = await self.db.all(
            "SELECT id, owner_id FROM profiles WHERE is_public = 1"
            " AND id IN (SELECT value FROM json_each(?))",
            json.dumps(sorted(set(ids))),
        )
        # A deactivated account's profiles collect nothing (issue 15).
        closed = await inactive_among(self.db, (row["owner_id"] for row in rows))
        return {row["id"]: row["owner_id"] for row in rows if row["owner_id"] not in closed}

    async def consent_profiles(self, ids: Sequence[str]) -> set[str]:
        """Those of ``ids`` whose visitors are hashed only after they consent."""
        if not ids:
            return set()
        rows = await self.db.all(
            "SELECT id FROM profiles WHERE analytics_mode = 'consent'"
            " AND id IN (SELECT value FROM json_each(?))",
            json.dumps(sorted(set(ids))),
        )
        return {row["id"] for row in rows}

    async def slugs_of(self, owner_id: str) -> list[str]:
        rows = await self.db.all("SELECT slug FROM profiles WHERE owner_id = ?", owner_id)
        return [row["slug"] for row in rows]

    async def profile_by_slug(self, slug: str) -> PublicProfile | None:
        row = await self.db.first(
            "SELECT id, owner_id, slug, display_name, bio, avatar_asset_id, version, updated_at,"
            " analytics_mode FROM profiles WHERE slug = ? AND is_public = 1",
            slug,
        )
        if row is not None and not await account_active(self.db, row["owner_id"]):
            return None  # the owner closed the account (or an admin did): no page
        return cast(PublicProfile | None, row)

    async def active_links(self, profile_id: str) -> list[PublicLink]:
        rows = await self.db.all(
            "SELECT id, title, url FROM links WHERE profile_id = ? AND is_active = 1"
            " ORDER BY position, id",
            profile_id,
        )
        return cast(list[PublicLink], rows)

    async def link_target(self, link_id: str) -> LinkTarget | None:
        """An active link of a public profile: where it goes, and whose it is."""
        row = await self.db.first(
            "SELECT l.url, l.owner_id, l.profile_id, p.slug FROM links AS l"
            " JOIN profiles AS p ON p.id = l.profile_id"
            " WHERE l.id = ? AND l.is_active = 1 AND p.is_public = 1",
            link_id,
        )
        if row is not None and not await account_active(self.db, row["owner_id"]):
            return None
        return cast(LinkTarget | None, row)


def version_bump_for_avatar(owner_id: str, asset_id: str) -> Statement:
    """For the assets feature: an avatar asset is gone; profiles showing it drop it."""
    return stmt(
        "UPDATE profiles SET avatar_asset_id = NULL, version = version + 1"
        " WHERE owner_id = ? AND avatar_asset_id = ?",
        owner_id,
        asset_id,
    )
