"""Provider identities and accounts: sign in, sign up, link, unlink.

- A provider identity already linked signs its account in (a closed account within
  its grace period is restored, as by a password sign-in).
- Signed in and coming back from a provider: that identity is linked to this account
  (unless it is another account's).
- Otherwise an email the provider has verified links to the account holding it; an
  unverified one never does (anyone can type an address into some providers). With
  neither, a new account is made: no password, a placeholder username, and the
  onboarding page next.
- Unlinking leaves at least one way to sign in: a password, or another identity."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from core.clock import iso
from core.data.actor import Actor
from core.errors import Conflict, NotFound, Unauthorized
from core.identity import oauth_repo, validation
from core.identity.oauth import ProviderAccount
from core.identity.repo import UserCredentials
from core.identity.service import Identity, SignedIn
from core.ids import new_id
from core.ports import IntegrityError

# Stored as the password hash of an account made by a provider: no scheme
# ``PasswordHasher`` knows, so nothing verifies against it.
NO_PASSWORD = "none$provider-account"  # noqa: S105 (a marker, not a secret)
Outcome = Literal["signed_in", "created", "linked"]


@dataclass(frozen=True, slots=True)
class ProviderSignIn:
    outcome: Outcome
    signed: SignedIn | None  # None when an identity was linked to the signed-in account
    user: UserCredentials


def _email(account: ProviderAccount) -> str | None:
    if not account.email:
        return None
    try:
        return validation.normalize_email(account.email)
    except validation.ValidationError:
        return None


async def _identity_row(
    service: Identity, owner_id: str, account: ProviderAccount
) -> dict[str, object]:
    now = iso(service.ports.clock.now())
    return {
        "id": new_id(service.ports.clock.now()),
        "owner_id": owner_id,
        "provider": account.provider,
        "subject": account.subject,
        "email": _email(account),
        "email_verified": 1 if account.email_verified else 0,
        "display_name": account.display_name,
        "created_at": now,
        "last_used_at": now,
    }


async def _link(service: Identity, owner_id: str, account: ProviderAccount) -> None:
    row = await _identity_row(service, owner_id, account)
    statement = await oauth_repo.insert_statement(service.pii, dict(row))
    audit = service.audit.statement(
        "account.identity_linked",
        user_id=owner_id,
        resource=str(row["id"]),
        details={"before": {}, "after": {"provider": account.provider}},
        **service._audit_fields(),
    )
    try:
        await service.ports.db.batch([statement, audit])
    except IntegrityError:
        raise Conflict(
            f"This {account.provider} account is linked to another account.", code="identity_taken"
        ) from None


async def _usable(service: Identity, user: UserCredentials | None) -> UserCredentials:
    if user is not None and user["deleted_at"] is not None and service._restorable(user):
        return await service.restore(user["id"])
    if user is None or user["deleted_at"] is not None:
        raise Unauthorized("This account is closed.", code="account_closed")
    return user


async def sign_in_with(
    service: Identity, account: ProviderAccount, link_user_id: str | None
) -> ProviderSignIn:
    db, pii = service.ports.db, service.pii
    existing = await oauth_repo.by_subject(db, pii, account.provider, account.subject)
    if link_user_id is not None:
        if existing is not None and existing["owner_id"] != link_user_id:
            raise Conflict(
                f"This {account.provider} account is linked to another account.",
                code="identity_taken",
            )
        if existing is None:
            await _link(service, link_user_id, account)
        user = await service.users.credentials_by_id(link_user_id)
        assert user is not None
        return ProviderSignIn("linked", None, user)
    if existing is not None:
        user = await _usable(service, await service.users.credentials_by_id(existing["owner_id"]))
        touch = oauth_repo.touch_statement(existing["id"], iso(service.ports.clock.now()))
        await db.run(touch.sql, *touch.params)
        return ProviderSignIn("signed_in", await _signed_in(service, user, account), user)
    email = _email(account)
    if email and account.email_verified:
        owner = await service.users.id_by_email(email)
        if owner is not None:
            user = await _usable(service, await service.users.credentials_by_id(owner))
            await _link(service, owner, account)
            return ProviderSignIn("signed_in", await _signed_in(service, user, account), user)
    user = await _create(service, account, email if account.email_verified else None)
    return ProviderSignIn("created", await _signed_in(service, user, account), user)


async def _signed_in(
    service: Identity, user: UserCredentials, account: ProviderAccount
) -> SignedIn:
    await service.record(
        "auth.login", user_id=user["id"], details={"kind": "page", "provider": account.provider}
    )
    return await service._sign_in(user, "page")


async def _create(
    service: Identity, account: ProviderAccount, email: str | None
) -> UserCredentials:
    now = service.ports.clock.now()
    user_id = new_id(now)
    if email is not None and await service.users.id_by_email(email) is not None:
        email = None
    user = {
        "id": user_id,
        "email": email or "",
        "username": "u-" + user_id.lower()[-12:],  # chosen at onboarding
        "role": "creator",
        "display_name": (account.display_name or account.username or "New account")[:80],
        "password_hash": NO_PASSWORD,
        "metadata": "{}",
        "created_at": iso(now),
        "updated_at": iso(now),
        "onboarded": 0,
        "has_password": 0,
    }
    identity = await _identity_row(service, user_id, account)
    statements = [
        await service.users.insert_statement(user),
        await oauth_repo.insert_statement(service.pii, dict(identity)),
        service.audit.statement(
            "account.registered",
            user_id=user_id,
            details={"via": account.provider},
            **service._audit_fields(),
        ),
    ]
    try:
        await service.ports.db.batch(statements)
    except IntegrityError:  # the same provider account, signing up twice at once
        raise Conflict("This account is being created already. Try again.") from None
    created = await service.users.credentials_by_id(user_id)
    assert created is not None
    return created


async def unlink(service: Identity, actor: Actor, identity_id: str) -> None:
    db = service.ports.db
    linked = await oauth_repo.linked_identities(db, service.pii, actor.user_id)
    target = next((i for i in linked if i["id"] == identity_id), None)
    if target is None:
        raise NotFound("No linked identity has this id.")
    user = await service.users.credentials_by_id(actor.user_id)
    assert user is not None
    if not user["has_password"] and len(linked) == 1:
        raise Conflict(
            "This is your only way to sign in: set a password or link another account first.",
            code="last_sign_in_method",
        )
    await db.batch(
        [
            oauth_repo.delete_statement(actor.user_id, identity_id),
            service.audit.statement(
                "account.identity_unlinked",
                user_id=actor.user_id,
                resource=identity_id,
                details={"before": {"provider": target["provider"]}, "after": {}},
                **service._audit_fields(),
            ),
        ]
    )
