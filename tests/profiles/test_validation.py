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
        ("https://127.0.0.1/", "https://127.0.0.1/"),
    ],
)
def test_urls_are_normalised(value: str, expected: str) -> None:
    assert normalize_url(value) == expected


@given(st.text(max_size=120))
def test_text_is_clean_or_refused(value: str) -> None:
    try:
        text = clean_text(value, field="title", max_length=100, required=False)
    except ValidationError:
        return
    assert text is None or (0 < len(text) <= 100 and text == text.strip())
