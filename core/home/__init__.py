"""The home page: what the product is, and the way in (``GET /``)."""

from __future__ import annotations

from core.feature import Feature
from core.home import page_files, routes

FEATURE = Feature(name="home", routers=(routes.router,), templates=page_files.FILES)

__all__ = ["FEATURE"]
