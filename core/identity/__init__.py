"""Identity: accounts, sign-in, sessions, and the acting user every owned query needs.

Other features use this surface only: the route dependencies (``current_actor``,
``optional_actor``, ``admin_actor``, ``owned``), the blob prefix every owned file
lives under, the reserved names and the command line's role change."""

from __future__ import annotations

from core.data.actor import Actor
from core.data.owned import OwnedTable
from core.feature import Feature, Scheduled
from core.identity import page_files
from core.identity.account_sections import AccountSection
from core.identity.auth import admin_actor, current_actor, identity, optional_actor, owned
from core.identity.gdpr import user_blob_prefix
from core.identity.jobs import purge_expired_sessions
from core.identity.lifecycle import erase_closed_accounts
from core.identity.models import AdminUserPatch
from core.identity.onboarding import ProfileStarter
from core.identity.pii import Pii, pii_of
from core.identity.pii import new_key as new_pii_key
from core.identity.rekey import reencrypt, reencrypt_job
from core.identity.routes import account, admin, api, oauth, pages
from core.identity.routes.admin import audit_log as read_audit_log
from core.identity.routes.admin import change_user, list_users
from core.identity.service import set_role_by_login
from core.identity.standing import StandingWatcher, account_active, inactive_among
from core.identity.validation import RESERVED_USERNAMES
from core.jobs.dispatcher import Job
from core.jobs.schedule import DAILY

FEATURE = Feature(
    name="identity",
    routers=(api.router, admin.router, pages.router, account.router, oauth.router),
    policies=(api.LOGIN, api.LOGIN_PER_ACCOUNT, api.REGISTER, api.REFRESH, oauth.OAUTH),
    # Linked provider identities: erased with the account; exported (emails opened)
    # under "linked_identities" rather than as sealed rows.
    owned_tables=(OwnedTable("oauth_identities", "linked identity", export=False),),
    jobs=(
        Scheduled(DAILY, Job("purge_expired_sessions", purge_expired_sessions)),
        # A key rotation's re-encryption, a bounded share a day (core/identity/rekey.py).
        Scheduled(DAILY, Job("reencrypt_personal_data", reencrypt_job)),
    ),
    templates=page_files.FILES,
)

__all__ = [
    "FEATURE",
    "RESERVED_USERNAMES",
    "AccountSection",
    "Actor",
    "AdminUserPatch",
    "Pii",
    "ProfileStarter",
    "StandingWatcher",
    "account_active",
    "admin_actor",
    "change_user",
    "current_actor",
    "erase_closed_accounts",
    "identity",
    "inactive_among",
    "list_users",
    "new_pii_key",
    "optional_actor",
    "owned",
    "pii_of",
    "read_audit_log",
    "reencrypt",
    "set_role_by_login",
    "user_blob_prefix",
]
