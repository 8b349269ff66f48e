"""Shared by the content tests: a post over HTTP, an admin's headers, the cron."""

from __future__ import annotations

from core.content.jobs import publish_due_posts
from core.jobs.dispatcher import JobContext
from core.jobs.schedule import EVERY_FIVE_MINUTES
from tests.conftest import bearer

POST = {"title": "First post", "body": "Some words about bicycles and wheels.", "type": "blog_post"}
FLAGGED = {"title": "Deal", "body": "Buy followers now, the cheapest anywhere on the web."}


async def create(client, **fields) -> dict:
    response = await client.post("/api/content", json={**POST, **fields})
    assert response.status_code == 201, response.text
    return response.json()


async def admin_headers(client, runtime) -> dict[str, str]:
    """``client``'s account made admin, and the bearer of a fresh sign-in (roles are cached)."""
    user_id = client.tokens["user"]["id"]
    await runtime.database.run("UPDATE users SET role = 'admin' WHERE id = ?", user_id)
    name = client.tokens["user"]["username"]
    login = await client.post(
        "/api/auth/login", json={"username": name, "password": "correct horse battery"}
    )
    assert login.status_code == 200, login.text
    return bearer(login.json())


async def run_schedule(runtime, settings, at: float) -> None:
    await publish_due_posts(JobContext(runtime.ports(), settings, EVERY_FIVE_MINUTES, at))
