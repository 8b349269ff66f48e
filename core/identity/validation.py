"""What an email, a username and a password must be. Pure functions, so
hypothesis can hammer them (tests/identity/test_validation.py)."""

from __future__ import annotations

import re
import unicodedata

EMAIL_MAX = 254
USERNAME_MIN, USERNAME_MAX = 3, 30
PASSWORD_MIN, PASSWORD_MAX = 10, 256

_LOCAL = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]{1,64}$")
_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
_USERNAME = re.compile(r"^[a-z0-9](?:[a-z0-9_-]*[a-z0-9])?$")

# Names a username may not take: they read as the product speaking.
RESERVED_USERNAMES = frozenset(
    [
        "admin",
        "administrator",
        "api",
        "app",
        "assets",
        "auth",
        "billing",
        "dashboard",
        "help",
        "login",
        "logout",
        "me",
        "moderator",
        "null",
        "profile",
        "register",
        "root",
        "security",
        "settings",
        "signin",
        "signup",
        "staff",
        "support",
        "system",
        "undefined",
        "www",
        "creator-edge",
    ]
)

# The most common passwords of public breach lists: refused outright.
COMMON_PASSWORDS = frozenset(
    [
        "123456789012",
        "1234567890",
        "12345678910",
        "qwertyuiop",
        "qwertyuiop1",
        "1q2w3e4r5t",
        "1qaz2wsx3edc",
        "password123",
        "password1234",
        "passw0rd123",
        "iloveyou123",
        "abcdefghij",
        "abc1234567",
        "letmein123",
        "welcome123",
        "administrator",
        "changeme123",
        "football123",
        "baseball123",
        "sunshine123",
        "princess123",
        "0987654321",
        "1111111111",
        "0000000000",
        "asdfghjkl1",
        "zaq12wsxcde",
        "qazwsxedc123",
    ]
)


class ValidationError(ValueError):
    """The value breaks a rule; the message says which, for a person."""


def normalize_email(value: str) -> str:
    """A valid address, lower-cased; raises ``ValidationError`` otherwise."""
    email = value.strip()
    if len(email) > EMAIL_MAX or email.count("@") != 1:
        raise ValidationError("Enter an email address like name@example.com.")
    local, domain = email.rsplit("@", 1)
    if not _LOCAL.match(local) or local.startswith(".") or local.endswith(".") or ".." in local:
        raise ValidationError("The part before @ is not a valid mailbox name.")
    try:
        ascii_domain = domain.encode("idna").decode("ascii").lower()
    except UnicodeError:
        raise ValidationError("The domain is not a valid domain name.") from None
    labels = ascii_domain.split(".")
    if len(labels) < 2 or not all(_LABEL.match(label) for label in labels):
        raise ValidationError("The domain is not a valid domain name.")
    if labels[-1].isdigit():
        raise ValidationError("The domain is not a valid domain name.")
    return f"{local.lower()}@{ascii_domain}"


def normalize_username(value: str) -> str:
    """3 to 30 of a-z, 0-9, '_' and '-', starting and ending alphanumeric; lower-cased."""
    name = value.strip().lower()
    if not USERNAME_MIN <= len(name) <= USERNAME_MAX:
        raise ValidationError(f"A username has {USERNAME_MIN} to {USERNAME_MAX} characters.")
    if not _USERNAME.match(name):
        raise ValidationError(
            "A username uses a-z, 0-9, '_' and '-', and starts and ends with a letter or digit."
        )
    if name in RESERVED_USERNAMES:
        raise ValidationError("This username is reserved.")
    return name


def check_password(password: str, *, email: str = "", username: str = "") -> str:
    """The password, NFKC-normalised, if it meets the rules (NIST 800-63B style)."""
    normalized = unicodedata.normalize("NFKC", password)
    if len(normalized) < PASSWORD_MIN:
        raise ValidationError(f"A password has at least {PASSWORD_MIN} characters.")
    if len(normalized) > PASSWORD_MAX:
        raise ValidationError(f"A password has at most {PASSWORD_MAX} characters.")
    lowered = normalized.lower()
    if lowered in COMMON_PASSWORDS or len(set(normalized)) < 4:
        raise ValidationError("This password is too easy to guess.")
    for personal in (username.lower(), email.lower().split("@", 1)[0]):
        if len(personal) >= 3 and personal in lowered:
            raise ValidationError("A password may not contain your username or email name.")
    return normalized
