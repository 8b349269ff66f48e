"""Accounts: registration, sign-in, refresh, profile changes, roles."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from core.audit import AuditLog
from core.audit import changes as audit_changes
from core.clock import iso
from core.data.actor import ROLES, Actor
from core.errors import Conflict, Forbidden, Invalid, NotFound, Unauthorized
from core.http.context import RequestContext
from core.identity import standing, validation
from core.identity.passwords import PasswordHasher
from core.identity.pii import pii_of
from core.identity.repo import UserCredentials, UserRepo, UserRow
from core.identity.sessions import Kind, NewSession, Sessions
from core.identity.tokens import ACCESS_TTL, issue_access, signing_key
from core.ids import new_id
from core.jsonvalue import stored_object
from core.ports import IntegrityError, Ports
from core.settings import Settings

if TYPE_CHECKING:
    from core.feature import Feature


REAUTH_WINDOW = 600  # a provider sign-in this recent confirms a password-less account


class SignInRefused(Unauthorized):
    """A wrong password for an existing account: the same answer as any other
    refusal, and the account's id for its owner's security event."""

    def __init__(self, user_id: str) -> None:
        super().__init__("The email, username or password is wrong.", code="bad_credentials")
        self.user_id = user_id


@dataclass(frozen=True, slots=True)
class SignedIn:
    user: UserRow
    session: NewSession
    access_token: str
    expires_in: int = ACCESS_TTL


def public_user(row: UserRow) -> dict[str, Any]:
    """What the API shows of a user: never the password hash."""
    return {
        "id": row["id"],
        "email": row["email"],
        "username": row["username"],
        "role": row["role"],
        "display_name": row["display_name"],
        "metadata": stored_object(row["metadata"]),
        "created_at": row["created_at"],
        "updated_at": row["updated_at"],
    }


def _invalid(field: str, error: validation.ValidationError) -> Invalid:
    return Invalid(str(error), details=[{"field": field, "message": str(error)}])


class Identity:
    def __init__(
        self,
        ports: Ports,
        settings: Settings,
        ctx: RequestContext | None = None,
        features: Sequence[Feature] = (),
    ) -> None:
        assert settings.secret_key is not None
        self.ports = ports
        self.ctx = ctx
        self.settings = settings
        self.features = features
        self.pii = pii_of(ports.cipher, settings)
        self.users = UserRepo(ports.db, self.pii)
        self.access_key = signing_key(settings.secret_key.get_secret_value(), "access-token")
        self.sessions = Sessions(
            ports,
            self.access_key,
            signing_key(settings.secret_key.get_secret_value(), "refresh-rotation"),
        )
        self.hasher = PasswordHasher(ports.kdf, settings.password_iterations)
        self.audit = AuditLog(ports.db, ports.clock)

    def _audit_fields(self) -> dict[str, Any]:
        if self.ctx is None:
            return {}
        return {
            "ip_hash": self.ctx.client_key,
            "user_agent": self.ctx.user_agent,
            "request_id": self.ctx.request_id,
        }

    async def record(self, action: str, **fields: Any) -> None:
        await self.audit.record(action, **self._audit_fields(), **fields)

    async def _sign_in(self, user: UserRow, kind: Kind) -> SignedIn:
        session = await self.sessions.start(
            user["id"],
            user["role"],
            kind,
            device=self.ctx.user_agent if self.ctx else None,
            visitor_hash=self.ctx.client_key if self.ctx else None,
        )
        token = issue_access(
            self.access_key,
            user_id=user["id"],
            session_id=session.session_id,
            now=self.ports.clock.now(),
        )
        return SignedIn(user, session, token)

    async def register(
        self,
        email: str,
        username: str,
        password: str,
        display_name: str | None,
        kind: Kind = "api",
    ) -> SignedIn:
        try:
            email = validation.normalize_email(email)
        except validation.ValidationError as e:
            raise _invalid("email", e) from None
        try:
            username = validation.normalize_username(username)
        except validation.ValidationError as e:
            raise _invalid("username", e) from None
        try:
            password = validation.check_password(password, email=email, username=username)
        except validation.ValidationError as e:
            raise _invalid("password", e) from None
        taken = await self.users.taken(email, username)
        if taken:
            raise Conflict(
                f"This {' and '.join(sorted(taken))} is already taken.",
                code="already_taken",
                details={"fields": sorted(taken)},
            )
        now = iso(self.ports.clock.now())
        user = {
            "id": new_id(self.ports.clock.now()),
            "email": email,
            "username": username,
            "role": "creator",
            "display_name": display_name or username,
            "password_hash": await self.hasher.hash(password),
            "metadata": "{}",
            "created_at": now,
            "updated_at": now,
        }
        statement = await self.users.insert_statement(user)
        audit = self.audit.statement(
            "account.registered", user_id=user["id"], **self._audit_fields()
        )
        try:
            await self.ports.db.batch([statement, audit])
        except IntegrityError:  # a concurrent registration took it first
            raise Conflict(
                "This email or username is already taken.", code="already_taken"
            ) from None
        created = await self.users.by_id(user["id"])
        assert created is not None
        return await self._sign_in(created, kind)

    async def login(self, login: str, password: str, kind: Kind = "api") -> SignedIn:
        """Unknown accounts and wrong passwords get the same answer in about the same time."""
        normalized = login.strip().lower()
        row = await self.users.credentials_by_login(normalized) if normalized else None
        if row is not None and row["deleted_at"] is not None and not self._restorable(row):
            row = None  # erased soon, or closed by an admin: as if it were not there
        if row is None or not row["has_password"]:
            await self.hasher.verify_decoy(password)
            await self.record("auth.login", status="denied", details={"reason": "bad_credentials"})
            raise Unauthorized("The email, username or password is wrong.", code="bad_credentials")
        verified = await self.hasher.verify(password, row["password_hash"])
        if not verified.ok:
            await self.record(
                "auth.login",
                status="denied",
                user_id=row["id"],
                details={"reason": "bad_credentials"},
            )
            raise SignInRefused(row["id"])
        if verified.needs_rehash:
            await self.users.update(
                row["id"],
                {"password_hash": await self.hasher.hash(password)},
                iso(self.ports.clock.now()),
            )
        if row["deleted_at"] is not None:
            row = await self.restore(row["id"])
        await self.record("auth.login", user_id=row["id"], details={"kind": kind})
        return await self._sign_in(row, kind)

    def _restorable(self, row: UserRow) -> bool:
        """Deactivated by its owner and still within the grace period."""
        erase_after = row["erase_after"]
        return erase_after is not None and erase_after > iso(self.ports.clock.now())

    async def restore(self, user_id: str) -> UserCredentials:
        """Signing in within the grace period: the account and its pages are back."""
        await self.users.update(
            user_id, {"deleted_at": None, "erase_after": None}, iso(self.ports.clock.now())
        )
        await self.record(
            "account.restored",
            user_id=user_id,
            details={"before": {"deactivated": True}, "after": {"deactivated": False}},
        )
        await standing.notify(self.ports, self.features, user_id)
        row = await self.users.credentials_by_id(user_id)
        assert row is not None
        return row

    async def deactivate_me(self, actor: Actor) -> UserRow:
        """``DELETE /api/me``: the account is closed at once (sessions end, public pages,
        redirects, analytics and syncs stop) and erased when the grace period ends,
        unless its owner signs in again before."""
        now = self.ports.clock.now()
        erase_after = iso(now + self.settings.account_grace_days * 86400)
        await self.users.update(
            actor.user_id, {"deleted_at": iso(now), "erase_after": erase_after}, iso(now)
        )
        await self.sessions.revoke_all(actor.user_id, "account_deactivated")
        await self.record(
            "account.deactivated",
            user_id=actor.user_id,
            details={
                "before": {"deactivated": False},
                "after": {"deactivated": True, "erase_after": erase_after},
            },
        )
        await standing.notify(self.ports, self.features, actor.user_id)
        user = await self.users.by_id(actor.user_id)
        assert user is not None
        return user

    async def refresh(self, refresh_token: str) -> SignedIn:
        try:
            session, user_id = await self.sessions.rotate(refresh_token)
        except Unauthorized as error:
            if error.code == "refresh_token_reused":
                await self.record(
                    "auth.refresh_reuse", status="denied", resource=refresh_token.partition(".")[0]
                )
            raise
        user = await self.users.by_id(user_id)
        if user is None or user["deleted_at"] is not None:
            raise Unauthorized("This account is closed.", code="account_closed")
        token = issue_access(
            self.access_key,
            user_id=user_id,
            session_id=session.session_id,
            now=self.ports.clock.now(),
        )
        return SignedIn(user, session, token)

    async def logout(self, actor: Actor) -> None:
        if actor.session_id:
            await self.sessions.revoke(actor.session_id, "logout")
        await self.record("auth.logout", user_id=actor.user_id, resource=actor.session_id)

    async def me(self, actor: Actor) -> UserRow:
        user = await self.users.by_id(actor.user_id)
        if user is None:
            raise Unauthorized("This account is closed.", code="account_closed")
        return user

    async def update_me(self, actor: Actor, changes: dict[str, Any]) -> UserRow:
        """Display name, metadata, username, email; a password change needs the current one."""
        user = await self.me(actor)
        values: dict[str, Any] = {}
        if "display_name" in changes:
            values["display_name"] = changes["display_name"]
        if "metadata" in changes:
            values["metadata"] = json.dumps(changes["metadata"])
        try:
            if changes.get("username") is not None:
                values["username"] = validation.normalize_username(changes["username"])
            if changes.get("email") is not None:
                values["email"] = validation.normalize_email(changes["email"])
        except validation.ValidationError as e:
            raise _invalid("username" if "username" in changes else "email", e) from None
        new_password = changes.get("password")
        if new_password is not None or "email" in values:
            await self.confirm_password(actor, changes.get("current_password"))
        if new_password is not None:
            try:
                checked = validation.check_password(
                    new_password,
                    email=str(values.get("email", user["email"])),
                    username=str(values.get("username", user["username"])),
                )
            except validation.ValidationError as e:
                raise _invalid("password", e) from None
            values["password_hash"] = await self.hasher.hash(checked)
        taken = await self.users.taken(
            values.get("email") if values.get("email") != user["email"] else None,
            values.get("username") if values.get("username") != user["username"] else None,
        )
        if taken:
            raise Conflict(
                f"This {' and '.join(sorted(taken))} is already taken.",
                code="already_taken",
                details={"fields": sorted(taken)},
            )
        if values:
            try:
                await self.users.update(actor.user_id, values, iso(self.ports.clock.now()))
            except IntegrityError:
                raise Conflict(
                    "This email or username is already taken.", code="already_taken"
                ) from None
        if "password_hash" in values:
            await self.sessions.revoke_all(
                actor.user_id, "password_changed", except_id=actor.session_id
            )
            await self.record("account.password_changed", user_id=actor.user_id)
        if "email" in values or "username" in values:
            await self.record(
                "account.identity_changed",
                user_id=actor.user_id,
                details=sorted(k for k in values if k in ("email", "username")),
            )
        diff = audit_changes(
            {**user, "password_hash": "old"},
            {k: v for k, v in values.items() if k != "email_index"},
        )
        if diff["after"]:
            await self.record("account.updated", user_id=actor.user_id, details=diff)
        return await self.me(actor)

    async def confirm_password(self, actor: Actor, password: str | None) -> None:
        """Re-authentication for sensitive changes: ``Forbidden`` unless ``password`` is
        right. An account without a password (made by a provider) re-authenticates by
        a provider sign-in of the last ``REAUTH_WINDOW`` seconds instead."""
        row = await self.users.credentials_by_id(actor.user_id)
        if row is not None and not row["has_password"] and actor.session_id:
            session = await self.sessions.find(actor.session_id)
            started = session["created_at"] if session else ""
            if started >= iso(self.ports.clock.now() - REAUTH_WINDOW):
                return
        stored = await self.users.password_hash(actor.user_id)
        if not password or stored is None or not (await self.hasher.verify(password, stored)).ok:
            await self.record("account.reauth", status="denied", user_id=actor.user_id)
            raise Forbidden("Confirm with your current password.", code="password_required")

    async def set_role(
        self, admin: Actor, user_id: str, role: str | None, disabled: bool | None
    ) -> UserRow:
        if not admin.is_admin:
            raise Forbidden("Only an admin can do this.")
        user = await self.users.by_id(user_id)
        if user is None:
            raise NotFound("No user has this id.")
        values: dict[str, Any] = {}
        if role is not None:
            if role not in ROLES:
                raise Invalid(f"The role is one of {', '.join(ROLES)}.")
            if user_id == admin.user_id and role != "admin":
                raise Conflict("An admin cannot remove their own admin role.", code="self_demotion")
            values["role"] = role
        if disabled is not None:
            values["deleted_at"] = iso(self.ports.clock.now()) if disabled else None
            # An admin's deactivation lasts until an admin lifts it: no grace period,
            # no erasure by the cron, no restoring by signing in.
            values["erase_after"] = None
        if values:
            await self.users.update(user_id, values, iso(self.ports.clock.now()))
        if disabled:
            await self.sessions.revoke_all(user_id, "disabled_by_admin")
        elif role is not None and role != user["role"]:
            await self.sessions.recache_role(user_id, role)
        if disabled is not None and disabled != (user["deleted_at"] is not None):
            await standing.notify(self.ports, self.features, user_id)
        await self.record(
            "admin.user_changed",
            user_id=admin.user_id,
            resource=user_id,
            details={
                "from_role": user["role"],
                **{k: v for k, v in (("role", role), ("disabled", disabled)) if v is not None},
                **audit_changes(
                    {"role": user["role"], "disabled": user["deleted_at"] is not None},
                    {k: v for k, v in (("role", role), ("disabled", disabled)) if v is not None},
                ),
            },
        )
        updated = await self.users.by_id(user_id)
        assert updated is not None
        return updated


async def set_role_by_login(
    ports: Ports, settings: Settings, login: str, role: str
) -> UserCredentials | None:
    """From the machine itself (the command line), how the first admin is made:
    the account's row before the change, or None when no account has ``login``."""
    if role not in ROLES:
        raise Invalid(f"The role is one of {', '.join(ROLES)}.")
    users = UserRepo(ports.db, pii_of(ports.cipher, settings))
    user = await users.credentials_by_login(login.strip().lower())
    if user is None:
        return None
    await users.update(user["id"], {"role": role}, iso(ports.clock.now()))
    await Sessions(ports).recache_role(user["id"], role)
    await AuditLog(ports.db, ports.clock).record(
        "admin.user_changed",
        resource=user["id"],
        details={"from_role": user["role"], "role": role, "via": "command line"},
    )
    return user
