"""Browser tests: the real product served by ``python -m core serve`` in a
subprocess, driven by headless Chromium (Debian's /usr/bin/chromium) through
the PyPI ``playwright`` package, which never downloads a browser of its own.

Every test here is marked ``browser``. The server and the browser are shared by
the package; each test gets a fresh browser context (no cookies) and a page
whose console errors and uncaught exceptions fail the test.

- A context a test makes itself: ``browser.new_context(**server.context_options())``
  (the base URL, and a client address of its own for the per-client limits).
- The page CSP has no 'unsafe-eval': ``page.wait_for_function("x.y == 1")`` with a
  bare expression is eval'd in the page and refused; wait on a locator, or pass a
  function (``"() => ..."``).
- ``sign_up(page)`` and ``sign_in(page, account)`` go through the real forms;
  ``api_client(server, account)`` is an httpx client with a bearer token."""

from __future__ import annotations

import itertools
import os
import subprocess
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.served import served

CHROMIUM = os.environ.get("CREATOR_EDGE_CHROMIUM", "/usr/bin/chromium")
# Without the background-networking flags Chromium keeps dialling Google's
# hosts, which this machine's closed network refuses; Playwright adds
# --headless and a fresh --user-data-dir itself.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PASSWORD = "correct horse battery"
# Each browser context and HTTP client is its own client address, given in this
# header (the server trusts it, as it would a proxy's): per-client limits such
# as 5 sign-ups a minute then hold per test, not for the whole package.
CLIENT_IP_HEADER = "x-test-client-ip"
_addresses = itertools.count(1)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.path)).parents:
            item.add_marker(pytest.mark.browser)


def _chromium_or_skip() -> str:
    if os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK):
        return CHROMIUM
    message = f"{CHROMIUM} is missing: scripts/bootstrap --node installs Debian's chromium"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


@dataclass
class Server:
    """The product served in a subprocess."""

    base_url: str
    data_dir: Path
    log_path: Path
    process: subprocess.Popen[bytes] = field(repr=False)

    @staticmethod
    def new_address() -> str:
        """A client address no other client of this run has (198.18.0.0/15)."""
        n = next(_addresses)
        return f"198.18.{n // 256 % 512}.{n % 256}"

    def client_headers(self, address: str | None = None) -> dict[str, str]:
        return {CLIENT_IP_HEADER: address or self.new_address()}

    def client(self, address: str | None = None, **kwargs: Any) -> httpx.Client:
        """A plain HTTP client for the server (API calls, traffic), from a
        client address of its own unless ``address`` is given."""
        headers = {**self.client_headers(address), **kwargs.pop("headers", {})}
        return httpx.Client(base_url=self.base_url, timeout=10.0, headers=headers, **kwargs)

    def context_options(self, address: str | None = None) -> dict[str, Any]:
        """Options for ``browser.new_context``: this server as the base URL, and
        a client address of its own."""
        return {
            "base_url": self.base_url,
            "extra_http_headers": self.client_headers(address),
        }

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


@pytest.fixture(scope="package")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """``python -m core serve`` on a free port over a temporary data dir."""
    root = tmp_path_factory.mktemp("served")
    with served(
        root,
        CREATOR_EDGE_DEV="1",
        CREATOR_EDGE_RATE_LIMIT="100000",
        CREATOR_EDGE_CLIENT_IP_HEADER=CLIENT_IP_HEADER,
    ) as running:
        yield Server(running.base_url, root / "data", running.log_path, running.process)


@pytest.fixture(scope="package")
def browser() -> Iterator[object]:
    """One headless Chromium for the package."""
    path = _chromium_or_skip()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


@dataclass
class PageErrors:
    """What went wrong in the page: console errors and uncaught exceptions."""

    console: list[str] = field(default_factory=list)
    uncaught: list[str] = field(default_factory=list)

    def on_console(self, message) -> None:
        # Pages have no favicon yet; the browser's own request for one is not
        # the page's error.
        url = message.location.get("url", "")
        if message.type == "error" and not url.endswith("/favicon.ico"):
            self.console.append(f"{message.text} @ {url}")

    def all(self) -> list[str]:
        return [*self.console, *self.uncaught]


@pytest.fixture
def page_errors() -> PageErrors:
    return PageErrors()


@pytest.fixture
def page(browser, page_errors: PageErrors, server: Server) -> Iterator[object]:
    """A page in a fresh browser context; any console error or uncaught
    exception (CSP violations included) fails the test at teardown."""
    context = browser.new_context(**server.context_options())  # type: ignore[attr-defined]
    context.set_default_timeout(10_000)
    opened = context.new_page()
    opened.on("console", page_errors.on_console)
    opened.on("pageerror", lambda e: page_errors.uncaught.append(str(e)))
    try:
        yield opened
    finally:
        context.close()
    assert page_errors.all() == [], "\n".join(page_errors.all())


@dataclass(frozen=True)
class Account:
    username: str
    email: str
    password: str = PASSWORD


def new_account(prefix: str = "user") -> Account:
    name = f"{prefix}{uuid.uuid4().hex[:10]}"
    return Account(name, f"{name}@example.com")


def sign_up(page, account: Account | None = None) -> Account:
    """Create an account through the real /register page; the browser ends
    signed in (cookie session) on /account, with its next step."""
    account = account or new_account()
    page.goto("/register")
    page.get_by_label("Email").fill(account.email)
    page.get_by_label("Username").fill(account.username)
    page.get_by_label("Password").fill(account.password)
    page.get_by_role("button", name="Create account").click()
    page.wait_for_url("**/account?done=registered")
    return account


def sign_in(page, account: Account, next_path: str | None = None) -> None:
    """Sign in through the real /login page (cookie session)."""
    page.goto("/login" if next_path is None else f"/login?next={next_path}")
    page.get_by_label("Email or username").fill(account.username)
    page.get_by_label("Password").fill(account.password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"**{next_path or '/account'}")


@contextmanager
def api_client(server: Server, account: Account) -> Iterator[httpx.Client]:
    """An HTTP client signed in as ``account`` with a bearer token."""
    with server.client() as client:
        answer = client.post(
            "/api/auth/login", json={"username": account.username, "password": account.password}
        )
        assert answer.status_code == 200, answer.text
        client.headers["authorization"] = f"Bearer {answer.json()['access_token']}"
        yield client
