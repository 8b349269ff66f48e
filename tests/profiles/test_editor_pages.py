"""The editor pages (cookie session, plain forms) and the Origin check that
keeps cookie-authenticated API calls CSRF-safe."""

from __future__ import annotations

import re

from core.profiles.editor import script as editor_js
from tests.profiles.conftest import ORIGIN


def ids_in(html: str) -> list[str]:
    return re.findall(r'data-link-id="([0-9A-Z]{26})"', html)


async def test_the_editor_needs_a_session(client) -> None:
    response = await client.get("/editor")
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/editor"
    post = await client.post("/editor/profiles", headers=ORIGIN, data={"slug": "x"})
    assert post.status_code == 303 and post.headers["location"].startswith("/login")


async def test_create_edit_and_delete_a_profile_with_forms(client, session) -> None:
    cookie = {"cookie": session}
    home = await client.get("/editor", headers=cookie)
    assert home.status_code == 200 and 'action="/editor/profiles"' in home.text
    assert '<a href="/editor" aria-current="page">Editor</a>' in home.text

    created = await client.post(
        "/editor/profiles",
        headers={**ORIGIN, **cookie},
        data={"slug": "carols", "display_name": "Carol", "bio": "Hi", "is_public": "1"},
    )
    assert created.status_code == 303
    edit_path, done = created.headers["location"].split("?")
    assert done == "done=profile_created"
    profile_id = edit_path.rsplit("/", 1)[1]
    page = await client.get(created.headers["location"], headers=cookie)
    assert page.status_code == 200 and 'value="carols"' in page.text
    assert '<p class="notice" role="status">Profile created.' in page.text
    assert '<label for="slug">Slug' in page.text and "Address" not in page.text
    nonce = page.headers["content-security-policy"].split("'nonce-")[1].split("'")[0]
    assert f'<script nonce="{nonce}" src="{editor_js.URL}" defer></script>' in page.text

    saved = await client.post(
        edit_path,
        headers={**ORIGIN, **cookie},
        data={"slug": "carols", "display_name": "Carol C.", "bio": ""},  # unchecked: private
    )
    assert saved.status_code == 303 and saved.headers["location"].endswith("done=profile_saved")
    api = (await client.get(f"/api/profiles/{profile_id}", headers=cookie)).json()
    assert api["display_name"] == "Carol C." and api["is_public"] is False and api["bio"] is None

    # Deleting asks first: the profile is still there after the first post.
    asked = await client.post(f"{edit_path}/delete", headers={**ORIGIN, **cookie})
    assert asked.status_code == 200 and "Delete Carol C.?" in asked.text
    assert '<input type="hidden" name="confirm" value="1">' in asked.text
    assert f'href="{edit_path}">Cancel</a>' in asked.text
    assert (await client.get(edit_path, headers=cookie)).status_code == 200
    gone = await client.post(
        f"{edit_path}/delete", headers={**ORIGIN, **cookie}, data={"confirm": "1"}
    )
    assert gone.status_code == 303 and gone.headers["location"] == "/editor?done=profile_deleted"
    assert (
        "The profile is deleted."
        in (await client.get(gone.headers["location"], headers=cookie)).text
    )
    assert (await client.get(edit_path, headers=cookie)).status_code == 404


async def test_form_errors_are_shown_and_change_nothing(client, session, alice) -> None:
    cookie = {"cookie": session}
    await alice.post("/api/profiles", json={"slug": "taken", "display_name": "A"})
    for data, status, text in (
        ({"slug": "taken", "display_name": "Carol"}, 409, "already taken"),
        ({"slug": "admin", "display_name": "Carol"}, 422, "reserved"),
        ({"slug": "carols", "display_name": "x" * 5000}, 422, "too long"),
    ):
        response = await client.post("/editor/profiles", headers={**ORIGIN, **cookie}, data=data)
        assert response.status_code == status, response.text
        assert text in response.text and 'role="alert"' in response.text
        assert f'value="{data["slug"]}"' in response.text  # the form keeps what was typed
    assert (await client.get("/api/profiles", headers=cookie)).json()["items"] == []


async def test_links_are_added_moved_hidden_and_removed_with_forms(client, session) -> None:
    cookie, post = {"cookie": session}, {**ORIGIN, "cookie": session}
    created = await client.post(
        "/editor/profiles",
        headers=post,
        data={"slug": "carols", "display_name": "Carol", "is_public": "1"},
    )
    edit_path = created.headers["location"].split("?")[0]
    for title in ("One", "Two", "Three"):
        added = await client.post(
            f"{edit_path}/links", headers=post, data={"title": title, "url": "https://example.com"}
        )
        assert added.status_code == 303 and added.headers["location"].endswith("done=link_added")
    bad = await client.post(
        f"{edit_path}/links", headers=post, data={"title": "Bad", "url": "javascript:alert(1)"}
    )
    assert bad.status_code == 422 and "http://" in bad.text
    assert 'value="javascript:alert(1)"' in bad.text

    page = (await client.get(edit_path, headers=cookie)).text
    one, two, three = ids_in(page)
    # Up only where a link is above, Down only where one is below.
    assert f'action="/editor/links/{one}/move" data-move="up" hidden>' in page
    assert f'action="/editor/links/{one}/move" data-move="down">' in page
    assert f'action="/editor/links/{three}/move" data-move="down" hidden>' in page
    assert f'action="/editor/links/{two}/move" data-move="up">' in page
    await client.post(f"/editor/links/{three}/move", headers=post, data={"direction": "up"})
    await client.post(f"/editor/links/{one}/move", headers=post, data={"direction": "up"})
    assert ids_in((await client.get(edit_path, headers=cookie)).text) == [one, three, two]
    await client.post(f"/editor/links/{one}/move", headers=post, data={"direction": "down"})
    assert ids_in((await client.get(edit_path, headers=cookie)).text) == [three, one, two]

    await client.post(f"/editor/links/{two}/visibility", headers=post, data={"is_active": "0"})
    page = (await client.get(edit_path, headers=cookie)).text
    assert "(hidden)" in page and "Show</button>" in page
    public = (await client.get("/p/carols")).text
    assert "Two" not in public and "Three" in public

    edited = await client.post(
        f"/editor/links/{one}", headers=post, data={"title": "Uno", "url": "https://uno.example"}
    )
    assert edited.status_code == 303 and edited.headers["location"].endswith("done=link_saved")
    bad_edit = await client.post(
        f"/editor/links/{one}", headers=post, data={"title": "Uno", "url": "ftp://x.example"}
    )
    assert bad_edit.status_code == 422 and 'role="alert"' in bad_edit.text
    links = await client.get(f"/api/profiles/{edit_path.rsplit('/', 1)[1]}", headers=cookie)
    first = next(link for link in links.json()["links"] if link["id"] == one)
    assert (first["title"], first["url"]) == ("Uno", "https://uno.example")

    asked = await client.post(f"/editor/links/{three}/delete", headers=post)
    assert asked.status_code == 200 and "Remove the link Three?" in asked.text
    assert ids_in((await client.get(edit_path, headers=cookie)).text) == [three, one, two]
    removed = await client.post(
        f"/editor/links/{three}/delete", headers=post, data={"confirm": "1"}
    )
    assert removed.status_code == 303
    assert ids_in((await client.get(edit_path, headers=cookie)).text) == [one, two]


async def test_my_public_page_leads_to_the_first_public_profile(client, session) -> None:
    cookie, post = {"cookie": session}, {**ORIGIN, "cookie": session}
    none_yet = await client.get("/my-page", headers=cookie)
    assert none_yet.status_code == 303
    assert none_yet.headers["location"] == "/editor?done=no_public_page"
    await client.post(
        "/editor/profiles", headers=post, data={"slug": "hidden1", "display_name": "H"}
    )
    await client.post(
        "/editor/profiles",
        headers=post,
        data={"slug": "shown1", "display_name": "S", "is_public": "1"},
    )
    found = await client.get("/my-page", headers=cookie)
    assert found.status_code == 303 and found.headers["location"] == "/p/shown1"
    assert (await client.get("/my-page")).headers["location"] == "/login?next=/my-page"


async def test_someone_elses_profile_is_not_found_in_the_editor(
    client, session, alice, profile
) -> None:
    cookie, post = {"cookie": session}, {**ORIGIN, "cookie": session}
    link = await alice.post(
        f"/api/profiles/{profile['id']}/links", json={"title": "A", "url": "https://example.com"}
    )
    lid = link.json()["id"]
    assert (
        await client.get(f"/editor/profiles/{profile['id']}", headers=cookie)
    ).status_code == 404
    for path in (
        f"/editor/profiles/{profile['id']}",
        f"/editor/profiles/{profile['id']}/delete",
        f"/editor/profiles/{profile['id']}/links",
        f"/editor/links/{lid}/delete",
        f"/editor/links/{lid}/move",
        f"/editor/links/{lid}",
    ):
        response = await client.post(
            path, headers=post, data={"title": "x", "url": "https://x.example", "slug": "stolen"}
        )
        assert response.status_code == 404, path
    mine = (await alice.get(f"/api/profiles/{profile['id']}")).json()
    assert mine["slug"] == "alice" and len(mine["links"]) == 1


async def test_form_posts_and_cookie_api_calls_need_this_sites_origin(client, session) -> None:
    cookie = {"cookie": session}
    evil = await client.post(
        "/editor/profiles",
        headers={"origin": "https://evil.example", **cookie},
        data={"slug": "carols", "display_name": "Carol"},
    )
    assert evil.status_code == 403 and evil.json()["error"]["code"] == "bad_origin"

    body = {"slug": "carols", "display_name": "Carol"}
    for headers in ({}, {"origin": "https://evil.example"}, {"origin": "null"}):
        refused = await client.post("/api/profiles", json=body, headers={**cookie, **headers})
        assert refused.status_code == 403, headers
        assert refused.json()["error"]["code"] == "bad_origin"
    assert (await client.get("/api/profiles", headers=cookie)).json()["items"] == []

    made = await client.post("/api/profiles", json=body, headers={**cookie, **ORIGIN})
    assert made.status_code == 201
    assert (await client.get("/api/profiles", headers=cookie)).status_code == 200  # reads: no check


async def test_bearer_clients_need_no_origin(alice) -> None:
    made = await alice.post("/api/profiles", json={"slug": "alices", "display_name": "Alice"})
    assert made.status_code == 201


async def test_the_editor_script_is_served_with_long_caching(client) -> None:
    response = await client.get(editor_js.URL)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/javascript")
    assert "immutable" in response.headers["cache-control"]
    assert "image/webp" in response.text and "image/jpeg" in response.text
