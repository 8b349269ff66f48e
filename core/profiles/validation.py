"""What a slug, a link URL and the text fields must be. Pure functions, so
hypothesis can hammer them (tests/profiles/test_validation.py)."""

from __future__ import annotations

import ipaddress
import re
import unicodedata
from urllib.parse import urlsplit, urlunsplit

from core.identity import RESERVED_USERNAMES
from core.text import has_control_characters

SLUG_MIN, SLUG_MAX = 3, 30
URL_MAX = 2048
TITLE_MAX = 100
DISPLAY_NAME_MAX = 80
BIO_MAX = 500

_SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9_-]*[a-z0-9])?$")
_HOST_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
_NUMERIC_LAST_LABEL = re.compile(r"^(?:0x[0-9a-f]*|\d+)$")

# Slugs that would read as the product itself, or shadow one of its paths.
RESERVED_SLUGS = RESERVED_USERNAMES | frozenset(
    [
        "about",
        "account",
        "analytics",
        "blog",
        "contact",
        "docs",
        "download",
        "editor",
        "explore",
        "health",
        "home",
        "index",
        "links",
        "new",
        "openapi",
        "privacy",
        "profiles",
        "search",
        "static",
        "status",
        "terms",
        "user",
        "users",
    ]
)


class ValidationError(ValueError):
    """The value breaks a rule; the message says which, for a person."""


def normalize_slug(value: str) -> str:
    """3 to 30 of a-z, 0-9, '_' and '-', starting and ending alphanumeric; lower-cased."""
    slug = value.strip().lower()
    if not SLUG_MIN <= len(slug) <= SLUG_MAX:
        raise ValidationError(f"A slug has {SLUG_MIN} to {SLUG_MAX} characters.")
    if not _SLUG.match(slug):
        raise ValidationError(
            "A slug uses a-z, 0-9, '_' and '-', and starts and ends with a letter or digit."
        )
    if slug in RESERVED_SLUGS:
        raise ValidationError("This slug is reserved.")
    return slug


def clean_text(value: str, *, field: str, max_length: int, required: bool) -> str | None:
    """Text without control characters (bidi controls included), NFC, trimmed; None
    when blank and optional."""
    text = unicodedata.normalize("NFC", value).strip()
    if has_control_characters(text, allowed="\n\t"):
        raise ValidationError(f"The {field} contains control characters.")
    if not text:
        if required:
            raise ValidationError(f"The {field} may not be empty.")
        return None
    if len(text) > max_length:
        raise ValidationError(f"The {field} has at most {max_length} characters.")
    return text


def normalize_url(value: str) -> str:
    """An absolute http(s) URL to a named host, scheme and host lower-cased.

    Everything else is refused: ``javascript:``, ``data:``, relative paths,
    credentials in the URL (a phishing trick), spaces and control characters.
    """
    url = value.strip()
    if not url or len(url) > URL_MAX:
        raise ValidationError(f"A link URL has 1 to {URL_MAX} characters.")
    if any(ch.isspace() or unicodedata.category(ch) == "Cc" or ch == "\\" for ch in url):
        raise ValidationError(
            "A link URL may not contain spaces, backslashes or control characters."
        )
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise ValidationError("This is not a valid URL.") from None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise ValidationError("A link must start with http:// or https://.")
    if parts.username is not None or parts.password is not None:
        raise ValidationError("A link URL may not carry a user name or password.")
    host = _ascii_host(parts.hostname or "")
    netloc = host if port is None else f"{host}:{port}"
    return urlunsplit((scheme, netloc, parts.path, parts.query, parts.fragment))


def _ascii_host(hostname: str) -> str:
    host = hostname.rstrip(".").lower()
    if host.startswith("[") or ":" in host:
        raise ValidationError("Link to a host name, not an IPv6 address.")
    if _NUMERIC_LAST_LABEL.match(host.rsplit(".", 1)[-1]):
        # A browser reads any host ending in a number as an IPv4 address, in
        # decimal, octal or hex (0x7f000001 is 127.0.0.1): so is it read here.
        address = _ipv4(host)
        if not address.is_global or address.is_multicast:
            raise ValidationError("Link to a public address, not a private or local one.")
        return str(address)
    if host == "localhost" or host.endswith(".localhost"):
        raise ValidationError("Link to a public address, not a private or local one.")
    try:
        host = host.encode("idna").decode("ascii").lower()
    except UnicodeError:
        raise ValidationError("The host name is not valid.") from None
    labels = host.split(".")
    if not host or not all(_HOST_LABEL.match(label) for label in labels):
        raise ValidationError("The host name is not valid.")
    return host


def _ipv4(host: str) -> ipaddress.IPv4Address:
    """The WHATWG URL standard's IPv4 parser: one to four parts, each decimal,
    octal (leading 0) or hex (0x); the last part fills the remaining bytes."""
    parts = host.split(".")
    if len(parts) > 4:
        raise ValidationError("The host name is not valid.")
    numbers = []
    for part in parts:
        try:
            if part.startswith("0x"):
                numbers.append(int(part[2:] or "0", 16))
            elif len(part) > 1 and part.startswith("0"):
                numbers.append(int(part[1:], 8))
            else:
                numbers.append(int(part, 10))
        except ValueError:
            raise ValidationError("The host name is not valid.") from None
    *leading, last = numbers
    if any(n > 255 for n in leading) or last >= 256 ** (5 - len(numbers)):
        raise ValidationError("The host name is not a valid address.")
    value = last
    for position, n in enumerate(leading):
        value += n << (8 * (3 - position))
    return ipaddress.IPv4Address(value)
