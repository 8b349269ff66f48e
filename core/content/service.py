"""Posts: create, edit under optimistic locking, move through the status machine
(moderation first), soft delete. Returns the API's models."""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import Request

from core.clock import iso
from core.content import workflow
from core.content.embedding import reindex_later
from core.content.models import ContentIn, ContentOut, ContentPage, Moderated, schedule_time
from core.content.moderation import Moderation, Verdict
from core.content.repo import ContentRepo, ContentRow
from core.data.owned import Owned
from core.errors import (
    BadRequest,
    Conflict,
    DependencyDown,
    Invalid,
    NotFound,
    PreconditionRequired,
)
from core.ids import new_id
from core.jsonvalue import stored_json
from core.ports import AiUnavailable, IntegrityError, Ports, Statement
from core.usage import Admission, Meter, admit

_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_IF_MATCH = re.compile(r'^\s*(?:W/)?"?(\d{1,15})"?\s*$')
METADATA_MAX_BYTES = 16_384
METADATA_MAX_DEPTH = 8
MAX_TAG_CHARS = 50


def public_path(slug: str) -> str:
    return f"/c/{slug}"


def parse_if_match(value: str | None) -> int | None:
    """The version an ``If-Match`` names; None when absent, 400 when unreadable."""
    if value is None:
        return None
    found = _IF_MATCH.match(value)
    if not found:
        raise BadRequest("If-Match must be the post's version, as a number.", code="bad_if_match")
    return int(found.group(1))


def slugify(text: str, *, max_length: int = 80) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    slug = re.sub(r"[^a-z0-9]+", "-", plain).strip("-")
    return slug[:max_length].strip("-")


def tag_map(names: Sequence[str]) -> dict[str, str]:
    """Tag slug to its name (the first spelling given); 422 for a tag with no letters."""
    tags: dict[str, str] = {}
    for name in names:
        clean = " ".join(name.split())
        slug = slugify(clean, max_length=MAX_TAG_CHARS)
        if not slug or len(clean) > MAX_TAG_CHARS:
            raise Invalid(
                "A tag is 1 to 50 characters with at least one letter or digit.",
                details={"field": "tags", "tag": name[:60]},
            )
        tags.setdefault(slug, clean)
    return tags


def to_out(row: ContentRow, tags: Sequence[str]) -> ContentOut:
    moderation = json.loads(row["moderation"]) if row["moderation"] else None
    public = row["status"] == "published" and row["visibility"] != "private"
    return ContentOut(
        id=row["id"],
        owner_id=row["owner_id"],
        title=row["title"],
        body=row["body"],
        type=row["type"],  # type: ignore[arg-type]
        visibility=row["visibility"],  # type: ignore[arg-type]
        status=row["status"],  # type: ignore[arg-type]
        scheduled_at=iso(row["scheduled_at"]) if row["scheduled_at"] is not None else None,
        published_at=row["published_at"],
        ai_generated=bool(row["ai_generated"]),
        ai_model=row["ai_model"],
        ai_prompt=row["ai_prompt"],
        moderation=Moderated.model_validate(moderation) if moderation else None,
        seo_title=row["seo_title"],
        seo_description=row["seo_description"],
        slug=row["slug"],
        url=public_path(row["slug"]) if public else None,
        metadata=json.loads(row["metadata"]),
        tags=list(tags),
        views=row["views"],
        likes=row["likes"],
        shares=row["shares"],
        comments=row["comments"],
        version=row["version"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


def cleared(row: ContentRow) -> bool:
    """An admin approved exactly this version: the check does not hold it again."""
    if not row["moderation"]:
        return False
    moderation = json.loads(row["moderation"])
    return bool(
        moderation.get("decision") == "approved" and moderation.get("version") == row["version"]
    )


async def run_check(moderation: Moderation, row: ContentRow | Mapping[str, Any]) -> Verdict:
    try:
        return await moderation.check(row["title"], row["body"])
    except AiUnavailable as error:
        raise DependencyDown(
            "The moderation check is unavailable; nothing was published. Try again shortly.",
            code="moderation_unavailable",
        ) from error


class Posts:
    """The acting user's posts."""

    def __init__(
        self, ports: Ports, owned: Owned, request: Request, moderation: Moderation
    ) -> None:
        self.ports = ports
        self.repo = ContentRepo(owned)
        self.request = request
        self.moderation = moderation

    @property
    def owner_id(self) -> str:
        return self.repo.owner_id

    async def _row(self, content_id: str) -> ContentRow:
        row = await self.repo.find(content_id)
        if row is None:
            raise NotFound("No post has this id.")
        return row

    async def _out(self, row: ContentRow) -> ContentOut:
        tags = await self.repo.tags_of([row["id"]])
        return to_out(row, tags.get(row["id"], []))

    async def get(self, content_id: str) -> ContentOut:
        return await self._out(await self._row(content_id))

    async def list_mine(self, *, status: str | None, limit: int, cursor: str | None) -> ContentPage:
        page = await self.repo.page(status=status, limit=limit, cursor=cursor)
        tags = await self.repo.tags_of([row["id"] for row in page.items])
        return ContentPage(
            items=[to_out(row, tags.get(row["id"], [])) for row in page.items],
            next_cursor=page.next_cursor,
        )

    # ---------------------------------------------------------------- create

    def _metadata(self, value: dict[str, Any]) -> str:
        try:
            return stored_json(value, max_bytes=METADATA_MAX_BYTES, max_depth=METADATA_MAX_DEPTH)
        except ValueError as error:
            raise Invalid(f"metadata: {error}.", details={"field": "metadata"}) from None

    def slug_for(self, wanted: str | None, title: str, content_id: str) -> str:
        if wanted is not None:
            if not _SLUG.match(wanted):
                raise Invalid(
                    "A slug is lower-case letters, digits and single hyphens.",
                    details={"field": "slug"},
                )
            return wanted
        base = slugify(title) or "post"
        return f"{base}-{content_id[-6:].lower()}"

    async def create(self, body: ContentIn) -> ContentOut:
        admission = await admit(self.request, self.owner_id, Meter.POSTS)
        now = self.ports.clock.now()
        content_id = new_id(now)
        values = {
            "id": content_id,
            "title": body.title,
            "body": body.body,
            "type": body.type,
            "visibility": body.visibility,
            "status": "draft",
            "seo_title": body.seo_title,
            "seo_description": body.seo_description,
            "slug": self.slug_for(body.slug, body.title, content_id),
            "metadata": self._metadata(body.metadata),
            "created_at": iso(now),
            "updated_at": iso(now),
        }
        return await self.insert(values, tag_map(body.tags), (admission,))

    async def insert(
        self,
        values: dict[str, Any],
        tags: Mapping[str, str],
        admissions: Sequence[Admission],
    ) -> ContentOut:
        """Insert a post with its tags, after what the admissions count, in one batch."""
        now = self.ports.clock.now()
        content_id = values["id"]
        statements: list[Statement] = [s for a in admissions for s in a.statements]
        statements.append(self.repo.insert(values))
        statements += self._tag_statements(content_id, tags, [], now, None)
        try:
            await self.ports.db.batch(statements)
        except IntegrityError:
            for admission in admissions:
                await admission.recheck()
            if await self.ports.db.first("SELECT 1 FROM content WHERE slug = ?", values["slug"]):
                raise Conflict(
                    "Another post has this slug.", code="slug_taken", details={"field": "slug"}
                ) from None
            raise
        reindex_later(self.ports, content_id)
        return await self.get(content_id)

    def _tag_statements(
        self,
        content_id: str,
        tags: Mapping[str, str],
        old: Sequence[str],
        now: float,
        guard: str | None,
    ) -> list[Statement]:
        ids = {slug: new_id(now) for slug in tags}
        ids.update({"link:" + slug: new_id(now) for slug in tags})
        statements = self.repo.set_tags(content_id, tags, old_slugs=old, new_ids=ids, now=now)
        return statements if guard is None else [guarded(s, content_id, guard) for s in statements]

    # ---------------------------------------------------------------- update

    async def update(
        self, content_id: str, changes: dict[str, Any], version: int | None
    ) -> ContentOut:
        """Needs the version read (``If-Match``): 428 without it, once the post is found
        (someone else's id answers 404 whatever the headers say)."""
        row = await self._row(content_id)
        if version is None:
            raise PreconditionRequired()
        if row["version"] != version:
            raise stale(row)
        now = self.ports.clock.now()
        tags = changes.pop("tags", None)
        values: dict[str, Any] = {}
        for field in ("title", "body", "type", "visibility", "seo_title", "seo_description"):
            if field in changes:
                if changes[field] is None and field in {"title", "body", "type", "visibility"}:
                    raise Invalid(f"{field} cannot be null.", details={"field": field})
                values[field] = changes[field]
        if "slug" in changes:
            if changes["slug"] is None:
                raise Invalid("slug cannot be null.", details={"field": "slug"})
            values["slug"] = self.slug_for(changes["slug"], row["title"], content_id)
        if "metadata" in changes:
            values["metadata"] = self._metadata(changes["metadata"] or {})
        text_changed = (
            values.get("title", row["title"]) != row["title"]
            or values.get("body", row["body"]) != row["body"]
        )
        if text_changed and row["status"] in {"published", "scheduled"}:
            # A live or due post changed its words: it passes the check again.
            merged = {
                "title": values.get("title", row["title"]),
                "body": values.get("body", row["body"]),
            }
            verdict = await run_check(self.moderation, merged)
            values["moderation"] = json.dumps(verdict.record(now))
            if verdict.flagged:
                values["status"] = "pending_review"
        values["updated_at"] = iso(now)
        token = new_id(now)
        statements = [self.repo.update(content_id, values, version=version, token=token)]
        if tags is not None:
            old = await self.repo.tag_slugs(content_id)
            statements += self._tag_statements(content_id, tag_map(tags), old, now, token)
        try:
            results = await self.ports.db.batch(statements)
        except IntegrityError:
            if "slug" in values:
                raise Conflict(
                    "Another post has this slug.", code="slug_taken", details={"field": "slug"}
                ) from None
            raise
        if results[0].changes == 0:
            raise stale(await self._row(content_id))
        reindex_later(self.ports, content_id)
        return await self.get(content_id)

    async def delete(self, content_id: str) -> None:
        row = await self._row(content_id)
        now = self.ports.clock.now()
        old = await self.repo.tag_slugs(content_id)
        token = new_id(now)
        gone = {"deleted_at": iso(now), "updated_at": iso(now)}
        statements = [
            self.repo.update(content_id, gone, version=row["version"], token=token),
            *(guarded(s, content_id, token) for s in self.repo.unlink_all(content_id, old)),
        ]
        results = await self.ports.db.batch(statements)
        if results[0].changes == 0:
            raise stale(await self._row(content_id))
        reindex_later(self.ports, content_id)

    # ----------------------------------------------------------- transitions

    async def publish(self, content_id: str, version: int | None) -> ContentOut:
        return await self._move(content_id, "publish", version, {})

    async def schedule(self, content_id: str, when: str, version: int | None) -> ContentOut:
        await self._row(content_id)
        at = schedule_time(when)
        if at <= self.ports.clock.now():
            raise Invalid("scheduled_at must be in the future.", details={"field": "scheduled_at"})
        return await self._move(content_id, "schedule", version, {"scheduled_at": at})

    async def archive(self, content_id: str, version: int | None) -> ContentOut:
        return await self._move(content_id, "archive", version, {})

    async def _move(
        self,
        content_id: str,
        action: workflow.Action,
        version: int | None,
        extra: dict[str, Any],
    ) -> ContentOut:
        row = await self._row(content_id)
        if version is not None and row["version"] != version:
            raise stale(row)
        to = workflow.target(action, row["status"])
        now = self.ports.clock.now()
        values: dict[str, Any] = {**extra, "updated_at": iso(now)}
        if action in {"publish", "schedule"} and not cleared(row):
            verdict = await run_check(self.moderation, row)
            values["moderation"] = json.dumps(verdict.record(now))
            if verdict.flagged:
                to = "pending_review"
                values.pop("scheduled_at", None)
        values.update(transition_values(to, now))
        values["status"] = to
        result = await self.ports.db.run(
            *_params(
                self.repo.update(content_id, values, version=row["version"], status=row["status"])
            )
        )
        if result.changes == 0:
            # Another request moved it first: nothing of this one applied.
            raise stale(await self._row(content_id))
        reindex_later(self.ports, content_id)
        return await self.get(content_id)


def transition_values(to: str, now: float) -> dict[str, Any]:
    if to == "published":
        return {"published_at": iso(now), "first_published_at": iso(now), "scheduled_at": None}
    return {}


def stale(row: ContentRow) -> Conflict:
    return Conflict(
        f"The post changed since it was read: it is at version {row['version']}.",
        code="version_conflict",
        details={"current_version": row["version"], "status": row["status"]},
    )


def _params(statement: Statement) -> tuple[Any, ...]:
    return (statement.sql, *statement.params)


_VALUES = re.compile(r"\sVALUES\s*\((.*)\)(\s+ON CONFLICT.*)?$", re.DOTALL)


def guarded(statement: Statement, content_id: str, token: str) -> Statement:
    """``statement``, applied only if the post carries ``token`` (the batch's own
    guarded UPDATE wrote it): a batch whose UPDATE matched nothing changes nothing else."""
    condition = "EXISTS (SELECT 1 FROM content WHERE id = ? AND write_token = ?)"
    sql = statement.sql
    found = _VALUES.search(sql)
    if sql.startswith("INSERT") and found:
        tail = found.group(2) or ""
        sql = f"{sql[: found.start()]} SELECT {found.group(1)} WHERE {condition}{tail}"
    elif sql.startswith("INSERT") and " SELECT " in sql and " WHERE " in sql:
        sql = sql.replace(" WHERE ", f" WHERE {condition} AND ", 1)
    elif " WHERE " in sql:
        sql = f"{sql} AND {condition}"
    else:
        raise ValueError("cannot guard this statement")
    if "?1" in sql or "?2" in sql:
        raise ValueError("numbered parameters cannot be guarded")
    # Parameters follow the order of the marks: the condition's sit where it was put.
    before = sql.split(condition, 1)[0].count("?")
    params = (*statement.params[:before], content_id, token, *statement.params[before:])
    return Statement(sql, params)
