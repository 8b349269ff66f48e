"""Embeddings of posts, computed after the write (deferred) and again when the title
or body change; the vector index filters on owner and on public (published and
public) so a query sees only what its caller may see."""

from __future__ import annotations

import hashlib
import logging

from core.clock import iso
from core.ports import AiUnavailable, Ports

log = logging.getLogger("creator_edge.content")
# What of a post is embedded: its title and the start of its body.
EMBED_CHARS = 4000


def embed_text(title: str, body: str) -> str:
    return f"{title}\n\n{body[:EMBED_CHARS]}"


def reindex_later(ports: Ports, content_id: str) -> None:
    """After the response: bring the post's vector in line with the post."""
    if ports.embeddings is not None and ports.vectors is not None:
        ports.defer(reindex(ports, content_id))


async def reindex(ports: Ports, content_id: str) -> None:
    """Embed the post if its text changed, update its filter facts, or remove it."""
    embeddings, vectors = ports.embeddings, ports.vectors
    if embeddings is None or vectors is None:
        return
    row = await ports.db.first(
        "SELECT id, owner_id, title, body, status, visibility, deleted_at FROM content"
        " WHERE id = ?",
        content_id,
    )
    if row is None or row["deleted_at"] is not None:
        await vectors.delete([content_id])
        await ports.db.run("DELETE FROM content_embeddings WHERE id = ?", content_id)
        return
    public = row["status"] == "published" and row["visibility"] == "public"
    text = embed_text(row["title"], row["body"])
    digest = hashlib.sha256(f"{embeddings.model}\n{text}".encode()).hexdigest()
    known = await ports.db.first(
        "SELECT text_hash, public FROM content_embeddings WHERE id = ?", content_id
    )
    if known is not None and known["text_hash"] == digest and bool(known["public"]) == public:
        return
    try:
        [vector] = await embeddings.embed([text])
        await vectors.upsert(content_id, vector, owner_id=row["owner_id"], public=public)
    except AiUnavailable as error:
        log.warning("content %s not embedded: %s", content_id, error)
        return
    await ports.db.run(
        "INSERT INTO content_embeddings (id, owner_id, model, text_hash, public, updated_at)"
        " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET model = excluded.model,"
        " text_hash = excluded.text_hash, public = excluded.public,"
        " updated_at = excluded.updated_at",
        content_id,
        row["owner_id"],
        embeddings.model,
        digest,
        int(public),
        iso(ports.clock.now()),
    )


async def forget_owner_vectors(ports: Ports, owner_id: str) -> None:
    """An erase hook: the erased account's vectors leave the index."""
    if ports.vectors is not None:
        await ports.vectors.delete_owner(owner_id)
