"""Apply ``d1_migrations/*.sql`` to a local SQLite database the way wrangler does.

Files run in numeric order, once each, and each is recorded in the
wrangler-shaped ``d1_migrations`` table in the same transaction as its
statements, so a database file can move between core and ``wrangler d1``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "d1_migrations"
_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


class MigrationTarget(Protocol):
    async def applied_migrations(self) -> list[str]: ...

    async def apply_migration(self, sql_script: str, name: str) -> None: ...


@dataclass(frozen=True)
class Migration:
    number: int
    name: str
    path: Path


def discover(directory: Path = MIGRATIONS_DIR) -> list[Migration]:
    """The migration files in order; a misnamed or duplicate-numbered file is an error."""
    found: list[Migration] = []
    for path in directory.glob("*.sql"):
        match = _NAME.match(path.name)
        if not match:
            raise ValueError(f"migration file {path.name!r} is not named NNNN_name.sql")
        found.append(Migration(int(match.group(1)), path.name, path))
    found.sort(key=lambda m: m.number)
    numbers = [m.number for m in found]
    if len(numbers) != len(set(numbers)):
        raise ValueError("two migration files share a number")
    return found


async def migrate(target: MigrationTarget, directory: Path = MIGRATIONS_DIR) -> list[str]:
    """Apply every pending migration; returns the names applied now."""
    applied = set(await target.applied_migrations())
    done: list[str] = []
    for migration in discover(directory):
        if migration.name in applied:
            continue
        await target.apply_migration(migration.path.read_text(encoding="utf-8"), migration.name)
        done.append(migration.name)
    return done
