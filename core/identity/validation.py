"""What an email (by email-validator), a username and a password must be. Pure
functions, so hypothesis can hammer them (tests/identity/test_validation.py)."""

from __future__ import annotations

import re
import unicodedata

from email_validator import EmailNotValidError, validate_email

EMAIL_MAX = 254
USERNAME_MIN, USERNAME_MAX = 3, 30
PASSWORD_MIN, PASSWORD_MAX = 10, 256

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
    """A valid address, lower-cased, its domain in ASCII (IDNA); raises
    ``ValidationError`` with email-validator's reason otherwise. Syntax only:
    no DNS lookup (none on the request path, and none at the edge)."""
    try:
        checked = validate_email(value.strip(), check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError as error:
        raise ValidationError(str(error)) from None
    email = (checked.ascii_email or checked.normalized).lower()
    if len(email) > EMAIL_MAX:
        raise ValidationError(f"An email address has at most {EMAIL_MAX} characters.")
    return email


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
