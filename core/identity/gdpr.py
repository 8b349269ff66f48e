"""GDPR: everything stored about a user, and erasure of all of it.

Both walk the owned tables the app's features declare (``Feature.owned_tables``)
and the blob prefix every owned file lives under, so a feature that declares its
table is covered without touching this module. Features with state outside the
database and the blob store (a KV cache, say) declare an erase hook."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Sequence
from dataclasses import asdict
from typing import Any

from core.audit import AuditLog
from core.clock import iso
from core.data.actor import Actor
from core.data.owned import Owned, OwnedTable
from core.feature import Feature, erase_hooks, owned_tables
from core.identity.oauth_repo import linked_identities
from core.identity.pii import Pii
from core.identity.repo import SessionRepo, UserRepo
from core.identity.service import public_user
from core.ports import Ports

_BLOB_PAGE = 1000


def user_blob_prefix(user_id: str) -> str:
    """Every file a user owns lives under this prefix of the blob store."""
    return f"u/{user_id}/"


async def export(
    ports: Ports, actor: Actor, features: Sequence[Feature], pii: Pii
) -> AsyncIterator[bytes]:
    """Everything stored about the user, as one JSON document produced piece by piece:
    an owner of millions of analytics events does not need them all in memory."""
    user = await UserRepo(ports.db, pii).by_id(actor.user_id)
    assert user is not None
    audit = await AuditLog(ports.db, ports.clock).list(user_id=actor.user_id, limit=10_000)
    files: list[dict[str, Any]] = []
    cursor = None
    while True:
        page = await ports.blobs.list(user_blob_prefix(actor.user_id), cursor=cursor)
        files.extend(
            {
                "key": m.key,
                "size": m.size,
                "content_type": m.content_type,
                "uploaded": iso(m.uploaded.timestamp()),
            }
            for m in page.items
        )
        cursor = page.cursor
        if cursor is None:
            break
    head = {
        "exported_at": iso(ports.clock.now()),
        "user": public_user(user),
        "sessions": await SessionRepo(ports.db).for_user(actor.user_id),
        "linked_identities": await linked_identities(ports.db, pii, actor.user_id),
        "audit": [asdict(entry) for entry in audit],
        "files": files,
    }
    yield _json(head)[:-1].encode() + b', "data": {'
    owned = Owned(ports.db, actor)
    tables = sorted((t for t in owned_tables(features) if t.export), key=lambda t: t.name)
    for n, table in enumerate(tables):
        yield (", " if n else "").encode() + _json(table.name).encode() + b": ["
        first = True
        async for rows in owned.export_rows(table):
            if table.sealed:
                rows = [await _opened(pii, table, row) for row in rows]
            chunk = ", ".join(_json(row) for row in rows)
            yield (chunk if first else ", " + chunk).encode()
            first = False
        yield b"]"
    yield b"}}"


async def _opened(pii: Pii, table: OwnedTable, row: Any) -> dict[str, Any]:
    out = dict(row)
    for column in table.sealed:
        if out.get(column) is not None:
            out[column] = await pii.open(out[column], f"{table.name}.{column}:{out['id']}")
    return out


def _json(value: Any) -> str:
    return json.dumps(value, separators=(", ", ": "), default=str)


async def erase(
    ports: Ports, actor: Actor, features: Sequence[Feature], audit_fields: dict[str, Any]
) -> None:
    """Delete the account and everything it owns; audit entries stay, anonymised."""
    audit = AuditLog(ports.db, ports.clock)
    session_ids = await SessionRepo(ports.db).live_ids(actor.user_id, ports.clock.now())
    tables = owned_tables(features)
    statements = [
        *Owned(ports.db, actor).erase_statements(tables),
        SessionRepo(ports.db).delete_for_user_statement(actor.user_id),
        audit.anonymise_statement(actor.user_id),
        UserRepo(ports.db).delete_statement(actor.user_id),
        audit.statement("account.erased", **{**audit_fields, "ip_hash": None, "user_agent": None}),
    ]
    await Owned(ports.db, actor).erase_in_chunks(tables)
    await audit.anonymise_in_chunks(actor.user_id)
    await ports.db.batch(statements)
    from core.identity.sessions import Sessions

    sessions = Sessions(ports)
    for session_id in session_ids:
        await sessions.cache_revoked(session_id)
    prefix = user_blob_prefix(actor.user_id)
    while True:
        page = await ports.blobs.list(prefix, limit=_BLOB_PAGE)
        if not page.items:
            break
        await ports.blobs.delete([m.key for m in page.items])
    for hook in erase_hooks(features):
        await hook(ports, actor.user_id)
