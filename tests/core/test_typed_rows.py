"""Typed rows against the migrated schema: a repo's row type names every column
of its table, with the column's type, optional exactly where the column is nullable."""

from __future__ import annotations

import types
from typing import Literal, Union, get_args, get_origin, get_type_hints

import pytest

from core.assets.repo import AssetRow
from core.content.repo import ContentRow, ContentTagRow, EmbeddingRow, TagRow
from core.github.repo import SyncJobRow
from core.identity.repo import SessionRecord, UserCredentials
from core.profiles.repo import LinkRow, ProfileRow
from core.releases.repo import DiagnosticRow, DownloadRow, FeedbackRow, VersionRow

ROW_TYPES = {
    "asset_uploads": AssetRow,
    "github_sync_jobs": SyncJobRow,
    "profiles": ProfileRow,
    "links": LinkRow,
    "users": UserCredentials,
    "sessions": SessionRecord,
    "content": ContentRow,
    "tags": TagRow,
    "content_tags": ContentTagRow,
    "content_embeddings": EmbeddingRow,
    "app_versions": VersionRow,
    "downloads": DownloadRow,
    "feedbacks": FeedbackRow,
    "diagnostics": DiagnosticRow,
}
SQL_TYPES = {"TEXT": str, "INTEGER": int, "REAL": float, "BLOB": bytes}


def _parts(hint: object) -> tuple[set[object], bool]:
    """The Python types a column's hint allows (a Literal's by its values), and
    whether it allows None."""
    args = set(get_args(hint)) if get_origin(hint) in (Union, types.UnionType) else {hint}
    kinds: set[object] = set()
    for arg in args - {type(None)}:
        kinds |= {type(v) for v in get_args(arg)} if get_origin(arg) is Literal else {arg}
    return kinds, type(None) in args


@pytest.mark.parametrize("table", sorted(ROW_TYPES))
async def test_a_row_type_is_its_tables_columns(runtime, table: str) -> None:
    columns = await runtime.database.all(
        'SELECT name, type, "notnull", pk FROM pragma_table_info(?)', table
    )
    hints = get_type_hints(ROW_TYPES[table])
    assert set(hints) == {c["name"] for c in columns}
    for column in columns:
        kinds, optional = _parts(hints[column["name"]])
        assert kinds == {SQL_TYPES[column["type"]]}, column["name"]
        nullable = not (column["notnull"] or column["pk"])
        assert optional == nullable, column["name"]
