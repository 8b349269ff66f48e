"""What a page says after a form did its work: ``?done=<code>`` on the page it
leads back to shows the code's sentence (``core.web.render.done``). Fixed
sentences only, so the address can never put words of its own on a page;
a feature adds its codes here."""

from __future__ import annotations

NOTICES: dict[str, str] = {
    # account
    "registered": "Welcome! Your account is ready.",
    "name_saved": "Your name is saved.",
    "email_saved": "Your email address is changed.",
    "password_saved": "Your password is changed. Your other sessions were signed out.",
    "session_ended": "That session is signed out.",
    "identity_unlinked": "That sign-in provider is unlinked.",
    "account_closed": (
        "Your account is closed. Sign in again within its grace period to restore it;"
        " after that it is erased with everything it held."
    ),
    # editor
    "profile_created": "Profile created. Add your first link below.",
    "profile_saved": "Profile saved.",
    "profile_deleted": "The profile is deleted.",
    "link_added": "Link added.",
    "link_saved": "Link saved.",
    "link_moved": "Link moved.",
    "link_hidden": "The link is hidden from your public page.",
    "link_shown": "The link shows on your public page again.",
    "link_deleted": "The link is removed.",
    "no_public_page": "You have no public profile yet: create one, or make one public.",
    # admin
    "user_saved": "The user is saved.",
}


def notice_for(code: str | None) -> str | None:
    return None if code is None else NOTICES.get(code)
