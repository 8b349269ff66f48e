"""AI drafts (the seed's AI generation pipeline): the plan's monthly AI limit first,
then the generator (a port, with its timeout), then the same moderation as a
publish; the draft is stored only when all of that answered."""

from __future__ import annotations

import json
import re

from core.clock import iso
from core.content.models import ContentOut, GenerateIn
from core.content.service import Posts, run_check
from core.errors import DependencyDown
from core.ids import new_id
from core.ports import AiUnavailable
from core.usage import Meter, admit

SYSTEM = (
    "You write drafts for a creator. Answer with the post only: a title on the first"
    " line, then the body. No preamble."
)
KINDS = {
    "blog_post": "a blog post of a few paragraphs",
    "social_post": "a short social media post of at most 280 characters",
    "video_script": "a short video script with scene directions",
}
MAX_TOKENS = 1024
_HEADING = re.compile(r"^\s*(?:#+\s*|title:\s*|\*\*)", re.IGNORECASE)


def split_draft(text: str) -> tuple[str, str]:
    """The generated text as a title (its first line) and a body (all of it)."""
    lines = [line for line in text.strip().splitlines()]
    first = next((line for line in lines if line.strip()), "")
    title = _HEADING.sub("", first).strip().strip("*").strip()
    return title[:200], text.strip()[:50_000]


async def generate_draft(posts: Posts, body: GenerateIn) -> ContentOut:
    ai = await admit(posts.request, posts.owner_id, Meter.AI_GENERATIONS)
    counted = await admit(posts.request, posts.owner_id, Meter.POSTS)
    generator = posts.ports.text
    if generator is None:
        raise DependencyDown("No text generator is configured here.", code="generator_unavailable")
    prompt = f"Write {KINDS[body.type]} about: {body.prompt}"
    try:
        generated = await generator.generate(SYSTEM, prompt, max_tokens=MAX_TOKENS)
    except AiUnavailable as error:
        raise DependencyDown(
            "The text generator did not answer; nothing was stored. Try again shortly.",
            code="generator_unavailable",
        ) from error
    title, text = split_draft(generated.text)
    if len(text) < 10:
        raise DependencyDown(
            "The text generator answered with too little text; nothing was stored.",
            code="generator_unavailable",
        )
    title = body.title or title or body.prompt[:200]
    verdict = await run_check(posts.moderation, {"title": title, "body": text})
    now = posts.ports.clock.now()
    content_id = new_id(now)
    values = {
        "id": content_id,
        "title": title,
        "body": text,
        "type": body.type,
        "visibility": "private",
        "status": "pending_review" if verdict.flagged else "draft",
        "ai_generated": 1,
        "ai_model": generated.model[:200],
        "ai_prompt": body.prompt,
        "moderation": json.dumps(verdict.record(now)),
        "slug": posts.slug_for(None, title, content_id),
        "metadata": "{}",
        "created_at": iso(now),
        "updated_at": iso(now),
    }
    return await posts.insert(values, {}, (ai, counted))
