"""The account page shows the plan, its limits and the usage, a bar for each limit."""

from __future__ import annotations

import re

from tests.plans.poster import set_used

ORIGIN = {"origin": "http://testserver"}


async def test_the_account_page_shows_the_plan_with_a_bar_for_each_limit(
    client, runtime, clock
) -> None:
    created = await client.post(
        "/register",
        headers=ORIGIN,
        data={
            "email": "carol@example.com",
            "username": "carol",
            "password": "correct horse battery",
        },
    )
    session = created.headers["set-cookie"].split(";", 1)[0]
    me = (await client.get("/api/me", headers={"cookie": session})).json()
    await set_used(runtime.database, me["id"], "posts_used", 12, clock.now())
    page = await client.get("/account", headers={"cookie": session})
    assert page.status_code == 200
    assert "<h2>Plan</h2>" in page.text and "Free" in page.text
    meters = re.findall(r"<meter [^>]*>", page.text)
    assert len(meters) == 4
    posts = next(m for m in meters if "usage-posts" in m)
    assert 'max="30"' in posts and 'value="12"' in posts
    api = (await client.get("/api/subscription", headers={"cookie": session})).json()
    for usage in api["usage"]:
        assert usage["label"] in page.text
