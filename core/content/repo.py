"""SQL for posts and their tags.

Owner-scoped reads and writes go through ``Owned`` or bind its ``owner_id``
themselves; every change of a post moves its ``version`` on in the same
statement, guarded by the version (or status) the caller read."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any, TypedDict, cast

from core.clock import iso
from core.data.owned import Owned, OwnedTable, Page
from core.ports import Database, Param, Statement, stmt

# Children first: a post's tag links and embedding before the post.
CONTENT_TAGS = OwnedTable("content_tags", "tag link", erase_order=80)
EMBEDDINGS = OwnedTable("content_embeddings", "embedding", erase_order=80)
CONTENT = OwnedTable("content", "post", erase_order=90)

LIVE = "deleted_at IS NULL"


class ContentRow(TypedDict):
    """A row of ``content`` (d1_migrations/0019_content.sql)."""

    seq: int
    id: str
    owner_id: str
    title: str
    body: str
    type: str
    visibility: str
    status: str
    scheduled_at: float | None
    published_at: str | None
    first_published_at: str | None
    ai_generated: int
    ai_model: str | None
    ai_prompt: str | None
    moderation: str | None
    seo_title: str | None
    seo_description: str | None
    slug: str
    metadata: str
    views: int
    likes: int
    shares: int
    comments: int
    version: int
    write_token: str | None
    created_at: str
    updated_at: str
    deleted_at: str | None


class TagRow(TypedDict):
    """A row of ``tags``."""

    id: str
    name: str
    slug: str
    usage_count: int
    created_at: str


class ContentTagRow(TypedDict):
    """A row of ``content_tags``."""

    id: str
    owner_id: str
    content_id: str
    tag_id: str
    created_at: float


class EmbeddingRow(TypedDict):
    """A row of ``content_embeddings``."""

    id: str
    owner_id: str
    model: str
    text_hash: str
    public: int
    vector: str | None
    updated_at: str


def _set(values: Mapping[str, Any]) -> tuple[str, list[Param]]:
    for column in values:
        if not column.isidentifier() or column in {"owner_id", "id", "version", "seq"}:
            raise ValueError(f"bad column {column!r}")
    sets = "".join(f"{column} = ?, " for column in values)
    return sets, list(values.values())


class ContentRepo:
    """The acting user's posts."""

    def __init__(self, owned: Owned) -> None:
        self.owned = owned
        self.db = owned.db

    @property
    def owner_id(self) -> str:
        return self.owned.owner_id

    async def find(self, content_id: str) -> ContentRow | None:
        row = await self.db.first(
            f"SELECT * FROM content WHERE id = ? AND owner_id = ? AND {LIVE}",  # noqa: S608
            content_id,
            self.owner_id,
        )
        return cast(ContentRow | None, row)

    async def page(self, *, status: str | None, limit: int, cursor: str | None) -> Page[ContentRow]:
        where, params = LIVE, []
        if status is not None:
            where, params = f"{LIVE} AND status = ?", [status]
        page = await self.owned.list(
            CONTENT, where=where, params=params, limit=limit, cursor=cursor
        )
        return Page(cast(list[ContentRow], page.items), page.next_cursor)

    def insert(self, values: Mapping[str, Any]) -> Statement:
        return self.owned.insert_statement(CONTENT, values)

    def update(
        self,
        content_id: str,
        values: Mapping[str, Any],
        *,
        version: int | None = None,
        status: str | None = None,
        token: str | None = None,
    ) -> Statement:
        """Change fields and move the version on, only if the post is still at ``version``
        (and ``status``): the seed's ``UPDATE ... WHERE id = ? AND version = ?``."""
        sets, params = _set({**values, **({"write_token": token} if token else {})})
        guard, extra = "", cast(list[Param], [])
        if version is not None:
            guard += " AND version = ?"
            extra.append(version)
        if status is not None:
            guard += " AND status = ?"
            extra.append(status)
        return stmt(
            f"UPDATE content SET {sets}version = version + 1"  # noqa: S608 (checked names)
            f" WHERE id = ? AND owner_id = ? AND {LIVE}{guard}",
            *params,
            content_id,
            self.owner_id,
            *extra,
        )

    async def tags_of(self, content_ids: Sequence[str]) -> dict[str, list[str]]:
        if not content_ids:
            return {}
        rows = await self.db.all(
            "SELECT ct.content_id, t.name FROM content_tags ct JOIN tags t ON t.id = ct.tag_id"
            " WHERE ct.owner_id = ? AND ct.content_id IN (SELECT value FROM json_each(?))"
            " ORDER BY t.slug",
            self.owner_id,
            json.dumps(list(content_ids)),
        )
        found: dict[str, list[str]] = {}
        for row in rows:
            found.setdefault(row["content_id"], []).append(row["name"])
        return found

    async def tag_slugs(self, content_id: str) -> list[str]:
        rows = await self.db.all(
            "SELECT t.slug FROM content_tags ct JOIN tags t ON t.id = ct.tag_id"
            " WHERE ct.owner_id = ? AND ct.content_id = ?",
            self.owner_id,
            content_id,
        )
        return [row["slug"] for row in rows]

    def set_tags(
        self,
        content_id: str,
        tags: Mapping[str, str],
        *,
        old_slugs: Sequence[str],
        new_ids: Mapping[str, str],
        now: float,
    ) -> list[Statement]:
        """Make the post's tags exactly ``tags`` (slug to name): create the missing tags,
        link and unlink, and recount every tag touched (``old_slugs`` are those it had
        when read), all for one batch."""
        slugs = json.dumps(sorted(tags))
        statements: list[Statement] = [
            stmt(
                "INSERT INTO tags (id, name, slug, usage_count, created_at)"
                " VALUES (?, ?, ?, 0, ?) ON CONFLICT (slug) DO NOTHING",
                new_ids[slug],
                name,
                slug,
                iso(now),
            )
            for slug, name in sorted(tags.items())
        ]
        statements.append(
            stmt(
                "DELETE FROM content_tags WHERE content_id = ? AND owner_id = ? AND tag_id NOT IN"
                " (SELECT id FROM tags WHERE slug IN (SELECT value FROM json_each(?)))",
                content_id,
                self.owner_id,
                slugs,
            )
        )
        statements += [
            stmt(
                "INSERT INTO content_tags (id, owner_id, content_id, tag_id, created_at)"
                " SELECT ?, ?, ?, id, ? FROM tags WHERE slug = ?"
                " ON CONFLICT (content_id, tag_id) DO NOTHING",
                new_ids["link:" + slug],
                self.owner_id,
                content_id,
                now,
                slug,
            )
            for slug in sorted(tags)
        ]
        statements.append(recount(sorted({*tags, *old_slugs})))
        return statements

    def unlink_all(self, content_id: str, old_slugs: Sequence[str]) -> list[Statement]:
        """Remove every tag of a deleted post, and recount those tags."""
        return [
            stmt(
                "DELETE FROM content_tags WHERE content_id = ? AND owner_id = ?",
                content_id,
                self.owner_id,
            ),
            recount(old_slugs),
        ]


def recount(slugs: Sequence[str]) -> Statement:
    """Set ``usage_count`` of the tags named by ``slugs`` from their links."""
    return stmt(
        "UPDATE tags SET usage_count ="
        " (SELECT count(*) FROM content_tags ct WHERE ct.tag_id = tags.id)"
        " WHERE slug IN (SELECT value FROM json_each(?))",
        json.dumps(list(slugs)),
    )


def recount_all() -> Statement:
    return stmt(
        "UPDATE tags SET usage_count ="
        " (SELECT count(*) FROM content_tags ct WHERE ct.tag_id = tags.id)"
    )


class PublicContent:
    """What anyone may read: published, live posts that are not private."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def by_slug(self, slug: str) -> ContentRow | None:
        row = await self.db.first(
            f"SELECT * FROM content WHERE slug = ? AND status = 'published'"  # noqa: S608
            f" AND visibility != 'private' AND {LIVE}",
            slug,
        )
        return cast(ContentRow | None, row)

    async def public_by_ids(self, ids: Sequence[str]) -> list[ContentRow]:
        rows = await self.db.all(
            f"SELECT * FROM content WHERE id IN (SELECT value FROM json_each(?))"  # noqa: S608
            f" AND status = 'published' AND visibility = 'public' AND {LIVE}",
            json.dumps(list(ids)),
        )
        return cast(list[ContentRow], rows)

    async def tag_names(self, content_id: str) -> list[str]:
        rows = await self.db.all(
            "SELECT t.name FROM content_tags ct JOIN tags t ON t.id = ct.tag_id"
            " WHERE ct.content_id = ? ORDER BY t.slug",
            content_id,
        )
        return [row["name"] for row in rows]

    async def trending(self, *, since: float, limit: int) -> list[dict[str, Any]]:
        """Tags by their uses on published public posts since ``since`` (epoch seconds)."""
        return await self.db.all(
            "SELECT t.name, t.slug, t.usage_count, count(*) AS recent_uses"  # noqa: S608 (fixed clauses)
            " FROM content_tags ct JOIN tags t ON t.id = ct.tag_id"
            " JOIN content c ON c.id = ct.content_id"
            f" WHERE ct.created_at >= ? AND c.status = 'published' AND c.visibility = 'public'"
            f" AND c.{LIVE}"
            " GROUP BY t.id ORDER BY recent_uses DESC, t.usage_count DESC, t.slug LIMIT ?",
            since,
            limit,
        )


async def recount_tags_hook(ports: Any, owner_id: str) -> None:
    """An erase hook: the erased account's tag links are gone, so every count is redone."""
    await ports.db.run(recount_all().sql)
