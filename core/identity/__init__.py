"""Identity: accounts, sign-in, sessions, and the acting user every owned query needs.

Other features use this surface only: the route dependencies (``current_actor``,
``optional_actor``, ``admin_actor``, ``owned``), the blob prefix every owned file
lives under, the reserved names and the command line's role change."""

from __future__ import annotations

from core.data.actor import Actor
from core.feature import Feature, Scheduled
from core.identity import page_files
from core.identity.account_sections import AccountSection
from core.identity.auth import admin_actor, current_actor, optional_actor, owned
from core.identity.gdpr import user_blob_prefix
from core.identity.jobs import purge_expired_sessions
from core.identity.routes import admin, api, pages
from core.identity.service import set_role_by_login
from core.identity.validation import RESERVED_USERNAMES
from core.jobs.dispatcher import Job
from core.jobs.schedule import DAILY

FEATURE = Feature(
    name="identity",
    routers=(api.router, admin.router, pages.router),
    policies=(api.LOGIN, api.LOGIN_PER_ACCOUNT, api.REGISTER, api.REFRESH),
    jobs=(Scheduled(DAILY, Job("purge_expired_sessions", purge_expired_sessions)),),
    templates=page_files.FILES,
)

__all__ = [
    "FEATURE",
    "RESERVED_USERNAMES",
    "AccountSection",
    "Actor",
    "admin_actor",
    "current_actor",
    "optional_actor",
    "owned",
    "set_role_by_login",
    "user_blob_prefix",
]
