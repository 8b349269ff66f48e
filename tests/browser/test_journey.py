"""The whole journey a person takes, in a real browser, and an admin's.

Each step goes through the pages as a person would (forms, buttons, the
navigation), each page on the way is audited (tests/browser/audit.py: axe-core
in both colour schemes, Lighthouse's best-practice and SEO checks, the
headers), and a screenshot of each is kept in ``test-artifacts/browser/``
(git-ignored) for a person to look at."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from PIL import Image

from tests.browser.audit import AXE, ROOT, audit
from tests.browser.conftest import PASSWORD, Account, new_account, sign_in

pytestmark = pytest.mark.skipif(not AXE.is_file(), reason="axe-core is missing: npm install")

ARTIFACTS = ROOT / "test-artifacts" / "browser"


class Walk:
    """The pages of one journey: each audited, each kept as a screenshot."""

    def __init__(self, page, name: str) -> None:
        self.page = page
        self.folder = ARTIFACTS / name
        self.folder.mkdir(parents=True, exist_ok=True)
        for old in self.folder.glob("*.png"):
            old.unlink()
        self.findings: list[str] = []
        self.step = 0

    def at(self, name: str, response=None) -> None:
        """The page as it stands: audited (when ``response`` is its navigation's
        answer, the headers too) and photographed."""
        self.page.wait_for_load_state("load")
        self.step += 1
        if response is not None:
            self.findings += [f"{name}: {f}" for f in audit(self.page, response)]
        self.page.screenshot(path=str(self.folder / f"{self.step:02d}-{name}.png"), full_page=True)

    def goto(self, path: str, name: str) -> None:
        self.at(name, self.page.goto(path))

    def follow(self, name: str, action) -> None:
        """Do ``action`` (a click that loads a page) and audit where it lands."""
        with self.page.expect_navigation() as landed:
            action()
        self.at(name, landed.value)


def notice(page, text: str) -> None:
    page.locator("p.notice[role='status']", has_text=text).wait_for()


def small_png(path: Path) -> Path:
    Image.linear_gradient("L").resize((320, 320)).convert("RGB").save(path, "PNG")
    return path


def test_a_person_does_everything_in_the_browser(page, server, tmp_path) -> None:
    walk = Walk(page, "journey")
    account = new_account("walker")
    walk.goto("/", "home")
    nav = page.get_by_role("navigation", name="creator-edge")
    walk.follow("register", lambda: nav.get_by_role("link", name="Create an account").click())

    # Register, then the account page's next step.
    page.get_by_label("Email").fill(account.email)
    page.get_by_label("Username").fill(account.username)
    page.get_by_label("Password").fill(account.password)
    walk.follow("welcome", lambda: page.get_by_role("button", name="Create account").click())
    notice(page, "Welcome! Your account is ready.")
    walk.follow("editor", lambda: page.get_by_role("link", name="Create your profile").click())

    # A profile, its links: add, edit, reorder, hide, delete.
    slug = f"w{uuid.uuid4().hex[:10]}"
    page.get_by_label("Slug").fill(slug)
    page.get_by_label("Display name").fill("Walker Page")
    walk.follow("profile", lambda: page.get_by_role("button", name="Create profile").click())
    notice(page, "Profile created.")
    for title in ("Docs", "Blog", "Shop"):
        page.locator("#link-title").fill(title)
        page.locator("#link-url").fill(f"https://example.com/{title.lower()}")
        page.get_by_role("button", name="Add link").click()
        notice(page, "Link added.")
    assert page.get_by_role("button", name="Move Docs up").is_hidden()
    assert page.get_by_role("button", name="Move Shop down").is_hidden()
    page.locator("summary", has_text="Blog").click()
    blog = page.locator("li", has=page.locator("summary", has_text="Blog"))
    blog.get_by_label("Title").fill("Writing")
    blog.get_by_label("URL").fill("https://example.com/writing")
    blog.get_by_role("button", name="Save link").click()
    notice(page, "Link saved.")
    page.get_by_role("button", name="Move Shop up").click()
    page.get_by_text("Order saved.").wait_for()
    titles = page.locator("#links li strong").all_inner_texts()
    assert titles == ["Docs", "Shop", "Writing"]
    assert page.get_by_role("button", name="Move Writing down").is_hidden()
    assert page.get_by_role("button", name="Move Shop down").is_visible()
    page.get_by_role("button", name="Hide Docs").click()
    notice(page, "hidden from your public page")
    walk.follow("confirm-remove", lambda: page.get_by_role("button", name="Remove Writing").click())
    assert page.get_by_role("heading", level=1).inner_text() == "Remove the link Writing?"
    page.get_by_role("button", name="Remove this link").click()
    notice(page, "The link is removed.")
    assert page.locator("#links li strong").all_inner_texts() == ["Docs", "Shop"]

    # An avatar, shrunk in the browser and uploaded.
    page.set_input_files("#avatar-file", str(small_png(tmp_path / "me.png")))
    page.get_by_role("button", name="Upload avatar").click()
    page.get_by_text("Avatar saved.").wait_for(timeout=30_000)
    walk.at("profile-done", None)

    # My public page, from the navigation.
    nav = page.get_by_role("navigation", name="creator-edge")
    walk.follow("public", lambda: nav.get_by_role("link", name="My public page").click())
    assert page.url.endswith(f"/p/{slug}")
    assert page.get_by_role("heading", level=1).inner_text() == "Walker Page"
    shown = page.locator("a.link").all_inner_texts()
    assert any("Shop" in t for t in shown) and not any("Docs" in t for t in shown)
    assert page.locator("img.avatar").evaluate("img => img.complete && img.naturalWidth > 0")

    # The dashboard.
    walk.goto("/dashboard", "dashboard")
    page.wait_for_selector("#report[data-loads='1']")
    assert page.locator("#profile option:checked").inner_text() == f"Walker Page (/p/{slug})"
    walk.at("dashboard-drawn", None)

    # Account settings: name, password, sessions, export.
    walk.goto("/account", "account")
    page.get_by_label("Display name").fill("Walker W.")
    page.get_by_role("button", name="Save name").click()
    notice(page, "Your name is saved.")
    assert page.get_by_role("heading", level=1).inner_text() == "Walker W."
    new_password = "an even longer passphrase"
    page.get_by_label("Current password").fill(PASSWORD)
    page.get_by_label("New password", exact=False).first.fill(new_password)
    page.get_by_label("New password again").fill(new_password)
    page.get_by_role("button", name="Change password").click()
    notice(page, "Your password is changed.")
    sessions = page.locator("#sessions-heading + table")
    assert "on Linux" in sessions.inner_text() and "Mozilla/5.0" not in sessions.inner_text()
    with page.expect_download() as downloaded:
        page.get_by_role("link", name="Download my data").click()
    exported = json.loads(Path(downloaded.value.path()).read_text())
    assert exported["user"]["display_name"] == "Walker W."
    walk.at("account-done", None)

    # Deletion, after its confirm step with the password, and the restore.
    walk.follow(
        "confirm-delete", lambda: page.get_by_role("button", name="Delete my account").click()
    )
    page.get_by_label("Your password").fill(new_password)
    walk.follow("deleted", lambda: page.get_by_role("button", name="Delete my account").click())
    notice(page, "Your account is closed.")
    with server.client() as client:
        assert client.get(f"/p/{slug}").status_code == 404  # closed: the page is gone
    # ... and restored by signing in again within the grace period.
    sign_in(page, Account(account.username, account.email, new_password))
    walk.at("restored", None)
    assert page.get_by_role("heading", level=1).inner_text() == "Walker W."
    with server.client() as client:
        assert client.get(f"/p/{slug}").status_code == 200

    assert walk.findings == [], "\n".join(walk.findings)


def make_admin(server, account: Account) -> None:
    """The first admin, made the way an operator does: the command line."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CREATOR_EDGE_")}
    env.update({"CREATOR_EDGE_DATA_DIR": str(server.data_dir), "PYTHONPATH": str(ROOT)})
    subprocess.run(
        [sys.executable, "-m", "core", "set-role", account.username, "admin"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        timeout=60,
    )


def test_an_admin_manages_users_and_reads_the_audit_log(page, server) -> None:
    walk = Walk(page, "admin")
    admin, member = new_account("boss"), new_account("member")
    with server.client() as client:
        for who in (admin, member):
            made = client.post(
                "/api/auth/register",
                json={"email": who.email, "username": who.username, "password": who.password},
            )
            assert made.status_code == 201, made.text
    make_admin(server, admin)
    sign_in(page, admin)
    nav = page.get_by_role("navigation", name="creator-edge")
    walk.follow("users", lambda: nav.get_by_role("link", name="Admin").click())

    page.get_by_label("Email or username").fill(member.username)
    walk.follow("search", lambda: page.get_by_role("button", name="Search").click())
    rows = page.locator("tbody tr")
    assert rows.count() == 1 and member.email in rows.inner_text()
    page.get_by_label(f"Role of {member.username}", exact=True).select_option("influencer")
    page.get_by_role("button", name=f"Save role for {member.username}").click()
    notice(page, "The user is saved.")
    page.locator("#role").select_option("influencer")
    page.get_by_label("Email or username").fill(member.username)
    page.get_by_role("button", name="Search").click()
    page.get_by_role("button", name=f"Deactivate {member.username}").click()
    notice(page, "The user is saved.")
    page.goto(f"/admin?q={member.username}")
    assert page.get_by_role("button", name=f"Reactivate {member.username}").is_visible()
    with server.client() as client:
        refused = client.post(
            "/api/auth/login", json={"login": member.username, "password": member.password}
        )
        assert refused.status_code == 401

    sections = page.get_by_role("navigation", name="Admin")
    walk.follow("audit", lambda: sections.get_by_role("link", name="Audit log").click())
    page.get_by_label("Action").fill("admin.user_changed")
    walk.follow("audit-filtered", lambda: page.get_by_role("button", name="Filter").click())
    actions = page.locator("tbody tr td:nth-child(2)").all_inner_texts()
    # the role and the deactivation, and the command line making the admin (at least:
    # the package shares its server with other tests)
    assert len(actions) >= 3 and all(a.startswith("admin.user_changed") for a in actions)

    # The API reference: the product's headers, CSP and SEO checks, and axe-core
    # once Swagger UI has drawn it (its own markup has a minor finding left:
    # its <main> made a region, so the page keeps one main landmark).
    response = page.goto("/docs")
    page.get_by_text("The API reference is loaded.").wait_for(timeout=30_000)
    page.locator(".opblock-tag", has_text="identity").first.wait_for()
    walk.at("docs", None)
    walk.findings += [f"docs: {f}" for f in audit(page, response) if not f.audit.startswith("axe")]
    walk.findings += [f"docs: {f}" for f in _axe_only(page)]
    assert walk.findings == [], "\n".join(walk.findings)


def _axe_only(page) -> list[str]:
    """axe-core once more on the API reference after Swagger UI drew it."""
    from tests.browser.audit import _axe

    found = []
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        found += [
            f"axe {v['id']} ({scheme}): {'; '.join(n['html'][:100] for n in v['nodes'][:3])}"
            for v in _axe(page)
            if v.get("impact") in ("serious", "critical")
        ]
    page.emulate_media(color_scheme="light")
    return found
