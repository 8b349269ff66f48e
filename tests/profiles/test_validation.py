"""The slug, URL and text rules, hammered with hypothesis."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.profiles.validation import (
    RESERVED_SLUGS,
    ValidationError,
    clean_text,
    normalize_slug,
    normalize_url,
)

URL_ALPHABET = st.sampled_from(list("abcXYZ019:/?#[]@!$&'()*+,;=%.-_~ \\\t\n\x00éдj"))


@given(st.text(max_size=40))
def test_a_slug_is_valid_or_refused(value: str) -> None:
    try:
        slug = normalize_slug(value)
    except ValidationError:
        return
    assert slug == slug.lower() and 3 <= len(slug) <= 30
    assert slug not in RESERVED_SLUGS
    assert normalize_slug(slug) == slug


@pytest.mark.parametrize("slug", ["admin", "API", "editor", " login ", "www"])
def test_reserved_slugs_are_refused(slug: str) -> None:
    with pytest.raises(ValidationError, match="reserved"):
        normalize_slug(slug)


@given(
    st.one_of(
        st.text(max_size=60), st.text(URL_ALPHABET, max_size=60).map(lambda s: "https://" + s)
    )
)
def test_a_url_is_http_or_refused(value: str) -> None:
    try:
        url = normalize_url(value)
    except ValidationError:
        return
    parts = urlsplit(url)
    assert parts.scheme in ("http", "https") and parts.hostname
    assert parts.username is None and parts.password is None
    assert not any(ch.isspace() or ch == "\\" for ch in url)
    assert normalize_url(url) == url


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("https://Example.COM/Path?Q=1#F", "https://example.com/Path?Q=1#F"),
        ("  http://example.com  ", "http://example.com"),
        ("https://bücher.example/", "https://xn--bcher-kva.example/"),
        ("https://example.com:8443/x", "https://example.com:8443/x"),
        ("https://93.184.215.14/", "https://93.184.215.14/"),
        # A number a browser reads as an address is written as one.
        ("http://1572394766/", "http://93.184.215.14/"),
        ("http://0x5db8d70e/", "http://93.184.215.14/"),
    ],
)
def test_urls_are_normalised(value: str, expected: str) -> None:
    assert normalize_url(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        "http://127.0.0.1/",
        "http://127.1/",
        "http://0x7f000001/",
        "http://2130706433/",
        "http://0177.0.0.1/",
        "http://0x7f.0.0.1/",
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.1/",
        "http://172.16.5.4/",
        "http://192.168.1.1/",
        "http://100.64.0.1/",
        "http://0.0.0.0/",
        "http://0/",
        "http://255.255.255.255/",
        "http://224.0.0.1/",
        "http://localhost/",
        "http://api.localhost/",
        "http://[::1]/",
        "http://999.999.999.999/",
        "http://1.2.3.4.5/",
        "http://4294967296/",
        "http://08.1.1.1/",
        "http://example.0x1/",
    ],
)
def test_links_to_local_private_or_invalid_hosts_are_refused(value: str) -> None:
    with pytest.raises(ValidationError):
        normalize_url(value)


@given(st.text(max_size=120))
def test_text_is_clean_or_refused(value: str) -> None:
    try:
        text = clean_text(value, field="title", max_length=100, required=False)
    except ValidationError:
        return
    assert text is None or (0 < len(text) <= 100 and text == text.strip())
