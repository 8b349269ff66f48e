"""Profiles and links: link-in-bio pages, their public page and redirect, the editor.

Profiles sit above assets (an avatar is an asset) and analytics (views and
clicks are recorded): to those it provides ``AvatarReferences`` and the
``Directory`` of profiles they may not import."""

from __future__ import annotations

from core.feature import Feature
from core.profiles import page_files, routes
from core.profiles.asset_references import AvatarReferences, avatar_removed
from core.profiles.directory import Directory
from core.profiles.editor import routes as pages
from core.profiles.public_page import routes as public
from core.profiles.public_page.page import forget_owner, owner_pages_changed
from core.profiles.repo import LINKS, PROFILES

FEATURE = Feature(
    name="profiles",
    # The public page and link redirect first: the busiest paths match without
    # trying every other route (FastAPI matches in order).
    routers=(public.router, routes.router, pages.router),
    owned_tables=(LINKS, PROFILES),
    # An erased account's pages leave the KV cache at once.
    erase_hooks=(forget_owner,),
    provides=(AvatarReferences(), Directory()),
    templates=page_files.FILES,
    # The cached public page is answered in the pipeline, as its route would.
    fast_paths=public.FAST_PATHS,
)

__all__ = ["FEATURE", "avatar_removed", "owner_pages_changed"]
