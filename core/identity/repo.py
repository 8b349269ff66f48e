"""SQL for users and sessions. Rows leave as the TypedDicts below, held to the
migrated schema by ``tests/core/test_typed_rows.py``."""

from __future__ import annotations

from typing import Any, Literal, TypedDict, cast

from core.identity.pii import Pii, email_aad, is_sealed
from core.ports import Database, Statement, stmt

USER_COLUMNS = (
    "id, email, username, role, display_name, metadata, created_at, updated_at, deleted_at,"
    " erase_after, onboarded, has_password"
)
SESSION_COLUMNS = (
    "id, user_id, family_id, kind, generation, device, created_at, last_active_at, expires_at,"
    " revoked_at, revoked_reason"
)


class UserRow(TypedDict):
    """A user as ``USER_COLUMNS`` reads it: everything but the password hash."""

    id: str
    email: str
    username: str
    role: str
    display_name: str | None
    metadata: str
    created_at: str
    updated_at: str
    deleted_at: str | None
    # d1_migrations/0021_account_trust.sql, 0022_oauth_consent.sql
    erase_after: str | None
    onboarded: int
    has_password: int


class UserCredentials(UserRow):
    """A row of ``users`` (d1_migrations/0002_identity.sql), hash included."""

    password_hash: str
    email_index: str | None


class SessionRow(TypedDict):
    """A session as ``SESSION_COLUMNS`` reads it: no hashes."""

    id: str
    user_id: str
    family_id: str
    kind: Literal["api", "page"]
    generation: int
    device: str | None
    created_at: str
    last_active_at: str
    expires_at: float
    revoked_at: str | None
    revoked_reason: str | None


class SessionRecord(SessionRow):
    """A row of ``sessions`` (d1_migrations/0002_identity.sql, 0016_refresh_grace.sql)."""

    refresh_hash: str
    visitor_hash: str | None
    # The hash a rotation replaced, and when: a parallel refresh within the grace window.
    previous_hash: str | None
    rotated_at: float | None


class SessionState(SessionRecord):
    """A session with what its user is now: what a token check needs."""

    role: str
    user_deleted_at: str | None


class UserRepo:
    """Emails leave this class in the clear and enter it sealed (``Pii``): the rows
    hold ciphertext and a blind index, never the address."""

    def __init__(self, db: Database, pii: Pii | None = None) -> None:
        self.db = db
        self.pii = pii

    def _need_pii(self) -> Pii:
        if self.pii is None:
            raise RuntimeError("UserRepo made without Pii reads or writes an email")
        return self.pii

    async def _plain(self, row: Any) -> Any:
        if row is not None and is_sealed(row["email"]):
            row = dict(row)
            row["email"] = await self._need_pii().open(row["email"], email_aad(row["id"]))
        return row

    async def sealed_email(self, user_id: str, email: str) -> dict[str, str | None]:
        """The two columns an address is stored as ("" is no address: no index)."""
        pii = self._need_pii()
        index = pii.index(email) if email else None
        return {"email": await pii.seal(email, email_aad(user_id)), "email_index": index}

    async def insert_statement(self, user: dict[str, Any]) -> Statement:
        """The INSERT for a new user; its plain ``email`` is sealed on the way."""
        user = {**user, **await self.sealed_email(user["id"], user["email"])}
        columns = list(user)
        return stmt(
            f"INSERT INTO users ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})",  # noqa: S608
            *user.values(),
        )

    async def by_id(self, user_id: str) -> UserRow | None:
        row = await self.db.first(f"SELECT {USER_COLUMNS} FROM users WHERE id = ?", user_id)  # noqa: S608
        return cast(UserRow | None, await self._plain(row))

    async def credentials_by_login(self, login: str) -> UserCredentials | None:
        """The user whose email or username is ``login`` (already normalised), with its hash.
        An email is found by its blind index (a row not yet indexed, by its plain value)."""
        index = self._need_pii().index(login) if "@" in login else None
        row = await self.db.first(
            f"SELECT {USER_COLUMNS}, password_hash, email_index FROM users"  # noqa: S608
            " WHERE email_index = ?1 OR username = ?2 OR (email_index IS NULL AND email = ?2)",
            index,
            login,
        )
        return cast(UserCredentials | None, await self._plain(row))

    async def credentials_by_id(self, user_id: str) -> UserCredentials | None:
        row = await self.db.first(
            f"SELECT {USER_COLUMNS}, password_hash, email_index FROM users WHERE id = ?",  # noqa: S608
            user_id,
        )
        return cast(UserCredentials | None, await self._plain(row))

    async def id_by_email(self, email: str) -> str | None:
        """The account holding ``email`` (normalised), if any."""
        row = await self.db.first(
            "SELECT id FROM users WHERE email_index = ? OR (email_index IS NULL AND email = ?)",
            self._need_pii().index(email),
            email,
        )
        return row["id"] if row else None

    async def password_hash(self, user_id: str) -> str | None:
        row = await self.db.first("SELECT password_hash FROM users WHERE id = ?", user_id)
        return row["password_hash"] if row else None

    async def taken(self, email: str | None, username: str | None) -> set[str]:
        """Which of ``email`` and ``username`` another account already holds."""
        taken: set[str] = set()
        if email is not None and await self.id_by_email(email) is not None:
            taken.add("email")
        if username is not None and await self.db.first(
            "SELECT id FROM users WHERE username = ?", username
        ):
            taken.add("username")
        return taken

    async def update(self, user_id: str, values: dict[str, Any], now: str) -> None:
        if "email" in values:
            values = {**values, **await self.sealed_email(user_id, values["email"])}
        sets = ", ".join(f"{column} = ?" for column in values)
        await self.db.run(
            f"UPDATE users SET {sets}, updated_at = ? WHERE id = ?",  # noqa: S608 (fixed columns)
            *values.values(),
            now,
            user_id,
        )

    async def page(
        self, *, role: str | None, query: str | None, before_id: str | None, limit: int
    ) -> list[UserRow]:
        """Users newest first; ``query`` matches part of a username, or a whole email
        (emails are sealed: only their blind index can be searched)."""
        clauses, params = ["1 = 1"], []
        if role:
            clauses.append("role = ?")
            params.append(role)
        if query:
            clauses.append("(username LIKE ? ESCAPE '\\' OR email_index = ?)")
            like = "%" + query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            params.extend([like, self._need_pii().index(query.strip().lower())])
        if before_id:
            clauses.append("id < ?")
            params.append(before_id)
        rows = await self.db.all(
            f"SELECT {USER_COLUMNS} FROM users WHERE {' AND '.join(clauses)}"  # noqa: S608
            " ORDER BY id DESC LIMIT ?",
            *params,
            limit,
        )
        return cast(list[UserRow], [await self._plain(r) for r in rows])

    def delete_statement(self, user_id: str) -> Statement:
        return stmt("DELETE FROM users WHERE id = ?", user_id)


class SessionRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def insert(self, session: dict[str, Any]) -> None:
        columns = list(session)
        marks = ", ".join("?" for _ in columns)
        await self.db.run(
            f"INSERT INTO sessions ({', '.join(columns)}) VALUES ({marks})",  # noqa: S608
            *session.values(),
        )

    async def get(self, session_id: str) -> SessionState | None:
        row = await self.db.first(
            "SELECT s.*, u.role, u.deleted_at AS user_deleted_at FROM sessions s"
            " JOIN users u ON u.id = s.user_id WHERE s.id = ?",
            session_id,
        )
        return cast(SessionState | None, row)

    async def rotate(
        self, session_id: str, old_hash: str, new_hash: str, now: float, now_iso: str
    ) -> bool:
        """Swap the refresh hash if ``old_hash`` is the current one and the session
        lives, keeping the hash it replaced and when (the grace window)."""
        result = await self.db.run(
            "UPDATE sessions SET previous_hash = refresh_hash, rotated_at = ?,"
            " refresh_hash = ?, generation = generation + 1,"
            " last_active_at = ? WHERE id = ? AND refresh_hash = ? AND revoked_at IS NULL"
            " AND expires_at > ?",
            now,
            new_hash,
            now_iso,
            session_id,
            old_hash,
            now,
        )
        return result.changes == 1

    async def revoke(self, session_id: str, reason: str, now_iso: str) -> bool:
        result = await self.db.run(
            "UPDATE sessions SET revoked_at = ?, revoked_reason = ?"
            " WHERE id = ? AND revoked_at IS NULL",
            now_iso,
            reason,
            session_id,
        )
        return result.changes == 1

    async def revoke_all(
        self, user_id: str, reason: str, now_iso: str, *, except_id: str | None = None
    ) -> list[str]:
        """Revoke the user's live sessions (but ``except_id``); returns their ids."""
        result = await self.db.run(
            "UPDATE sessions SET revoked_at = ?, revoked_reason = ?"
            " WHERE user_id = ? AND revoked_at IS NULL AND id IS NOT ? RETURNING id",
            now_iso,
            reason,
            user_id,
            except_id,
        )
        return [row["id"] for row in result.rows]

    async def live_ids(self, user_id: str, now: float) -> list[str]:
        rows = await self.db.all(
            "SELECT id FROM sessions WHERE user_id = ? AND revoked_at IS NULL AND expires_at > ?",
            user_id,
            now,
        )
        return [row["id"] for row in rows]

    async def for_user(self, user_id: str) -> list[SessionRow]:
        rows = await self.db.all(
            f"SELECT {SESSION_COLUMNS} FROM sessions WHERE user_id = ? ORDER BY id DESC",  # noqa: S608
            user_id,
        )
        return cast(list[SessionRow], rows)

    async def page_for_user(
        self, user_id: str, *, before_id: str | None, limit: int
    ) -> list[SessionRow]:
        """Newest first, at most ``limit``, those older than ``before_id`` (ids sort by time)."""
        rows = await self.db.all(
            f"SELECT {SESSION_COLUMNS} FROM sessions"  # noqa: S608
            " WHERE user_id = ? AND (? IS NULL OR id < ?) ORDER BY id DESC LIMIT ?",
            user_id,
            before_id,
            before_id,
            limit,
        )
        return cast(list[SessionRow], rows)

    async def delete_expired(self, before: float, limit: int) -> int:
        result = await self.db.run(
            "DELETE FROM sessions WHERE rowid IN"
            " (SELECT rowid FROM sessions WHERE expires_at < ? LIMIT ?)",
            before,
            limit,
        )
        return result.changes

    def delete_for_user_statement(self, user_id: str) -> Statement:
        return stmt("DELETE FROM sessions WHERE user_id = ?", user_id)
