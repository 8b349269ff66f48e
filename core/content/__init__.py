"""Content: posts with a status workflow, moderation before anything goes out,
AI drafts, scheduled publishing, tags, search by words and by meaning, and each
published post's public page (``/c/{slug}``)."""

from __future__ import annotations

from core.content import admin, jobs, page_files, public_page, routes
from core.content.embedding import forget_owner_vectors
from core.content.repo import CONTENT, CONTENT_TAGS, EMBEDDINGS, recount_tags_hook
from core.feature import Feature, Scheduled
from core.jobs.dispatcher import Job
from core.jobs.schedule import EVERY_FIVE_MINUTES

FEATURE = Feature(
    name="content",
    routers=(public_page.router, routes.router, admin.router),
    owned_tables=(CONTENT_TAGS, EMBEDDINGS, CONTENT),
    # An erased account's vectors leave the index; the tags it used are recounted.
    erase_hooks=(forget_owner_vectors, recount_tags_hook),
    policies=(routes.GENERATE,),
    jobs=(Scheduled(EVERY_FIVE_MINUTES, Job("publish_due_posts", jobs.publish_due_posts)),),
    templates=page_files.FILES,
)

__all__ = ["FEATURE"]
