"""The pages a person uses, under Pyodide through the worker entry over
Miniflare's bindings: the account forms (devices read by ua-parser), the
editor's confirm step, "my public page", the admin area, the API reference and
its bundled Swagger UI, the favicon and the one sign-in contract."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest

from tests.pyodide.edge import ORIGIN, Worker, rows, worker

PASSWORD = "correct horse battery"
# workerd's requests carry their Host (the SDK's ASGI scope has no "server"):
# the Origin check compares with it.
FORM = {
    "content-type": "application/x-www-form-urlencoded",
    "origin": ORIGIN,
    "host": ORIGIN.split("://", 1)[1],
}


@pytest.fixture
async def edge() -> Worker:
    return await worker()


async def post_form(
    edge: Worker, path: str, fields: dict[str, str], cookie: str = "", ip: str = "203.0.113.20"
):
    headers = {**FORM, **({"cookie": cookie} if cookie else {})}
    return await edge.fetch("POST", path, body=urlencode(fields), headers=headers, ip=ip)


async def sign_up(edge: Worker, name: str) -> str:
    made = await post_form(
        edge, "/register", {"email": f"{name}@example.com", "username": name, "password": PASSWORD}
    )
    assert made.status == 303, made.text
    assert made.headers["location"] == "/account?done=registered"
    return made.headers["set-cookie"].split(";", 1)[0]


async def test_the_account_page_and_its_forms_at_the_edge(edge) -> None:
    cookie = await sign_up(edge, "erin")
    page = await edge.fetch("GET", "/account?done=registered", headers={"cookie": cookie})
    assert page.status == 200, page.text
    assert "Welcome! Your account is ready." in page.text and "Create your profile" in page.text
    assert "Chrome" in page.text and "Mozilla/5.0" not in page.text  # a device, not the string
    named = await post_form(edge, "/account/name", {"display_name": "Erin E."}, cookie)
    assert named.status == 303 and named.headers["location"] == "/account?done=name_saved"
    assert (await rows("SELECT display_name FROM users"))[0]["display_name"] == "Erin E."

    for body in ({"login": "erin"}, {"email": "erin@example.com"}, {"username": "erin"}):
        login = await edge.fetch(
            "POST", "/api/auth/login", json_body={**body, "password": PASSWORD}
        )
        assert login.status == 200, login.text

    asked = await post_form(edge, "/account/delete", {}, cookie)
    assert asked.status == 200 and 'name="password"' in asked.text
    gone = await post_form(edge, "/account/delete", {"confirm": "1", "password": PASSWORD}, cookie)
    assert gone.status == 303 and gone.headers["location"] == "/?done=account_closed"
    closed = await rows("SELECT deleted_at, erase_after FROM users")
    assert closed[0]["deleted_at"] and closed[0]["erase_after"]  # closed, erased later


async def test_editor_confirm_step_my_page_admin_and_docs_at_the_edge(edge) -> None:
    cookie = await sign_up(edge, "fern")
    made = await post_form(
        edge,
        "/editor/profiles",
        {"slug": "fern-page", "display_name": "Fern", "is_public": "1"},
        cookie,
    )
    assert made.status == 303 and made.headers["location"].endswith("?done=profile_created")
    edit_path = made.headers["location"].split("?")[0]
    mine = await edge.fetch("GET", "/my-page", headers={"cookie": cookie})
    assert mine.status == 303 and mine.headers["location"] == "/p/fern-page"
    asked = await post_form(edge, f"{edit_path}/delete", {}, cookie)
    assert asked.status == 200 and "Delete Fern?" in asked.text
    assert len(await rows("SELECT id FROM profiles")) == 1

    refused = await edge.fetch("GET", "/admin", headers={"cookie": cookie})
    assert refused.status == 403
    await rows("UPDATE users SET role = 'admin'")
    signed = await post_form(edge, "/login", {"login": "fern", "password": PASSWORD})
    admin = signed.headers["set-cookie"].split(";", 1)[0]
    users = await edge.fetch("GET", "/admin?q=fern", headers={"cookie": admin})
    assert users.status == 200 and "@fern" in users.text
    audit = await edge.fetch("GET", "/admin/audit?action=auth.login", headers={"cookie": admin})
    assert audit.status == 200 and "<td>auth.login" in audit.text

    docs = await edge.fetch("GET", "/docs")
    assert docs.status == 200, docs.text
    script = docs.text.split('src="/docs/assets/swagger-ui.', 1)[1].split('"', 1)[0]
    bundle = await edge.fetch("GET", f"/docs/assets/swagger-ui.{script}")
    assert bundle.status == 200 and "SwaggerUIBundle" in bundle.text
    icon = await edge.fetch("GET", "/favicon.ico")
    assert icon.status == 200 and icon.headers["content-type"].startswith("image/svg+xml")
