"""The admin area (``/admin``): pages over the admin API for people with the
admin role. Users (search, role, deactivate) and the audit log (filters);
later features' admin views join its section list (``core.web.render.ADMIN_SECTIONS``)
and extend its layout (``admin_base.html``)."""

from __future__ import annotations

from core.admin import page_files, routes
from core.feature import Feature

FEATURE = Feature(name="admin", routers=(routes.router,), templates=page_files.FILES)

__all__ = ["FEATURE"]
