"""The harness itself: the served product, a cookie session through the real
pages, and a page with no console errors."""

from __future__ import annotations

from tests.browser.conftest import api_client, sign_in, sign_up


def test_register_then_account_page(page, server) -> None:
    account = sign_up(page)

    assert page.get_by_role("heading", level=1).inner_text() == account.username
    assert account.email in page.content()
    cookies = {c["name"]: c for c in page.context.cookies()}
    assert cookies["ce_session"]["httpOnly"] is True

    with api_client(server, account) as client:
        assert client.get("/api/me").json()["username"] == account.username


def test_sign_in_page_returns_to_next(page) -> None:
    account = sign_up(page)
    page.context.clear_cookies()
    page.goto("/account")
    page.wait_for_url("**/login?next=/account")

    sign_in(page, account, next_path="/account")

    assert page.get_by_role("heading", level=1).inner_text() == account.username
