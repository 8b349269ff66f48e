"""Validators and token round-trips, hammered by hypothesis."""

from __future__ import annotations

import string

import pytest
from email_validator import SPECIAL_USE_DOMAIN_NAMES
from hypothesis import assume, given
from hypothesis import strategies as st

from core.identity import validation as v
from core.identity.tokens import (
    InvalidToken,
    issue_access,
    signing_key,
    split_session_token,
    verify_access,
)

LOCAL = st.text(alphabet=string.ascii_letters + string.digits + "+_-", min_size=1, max_size=30)
LABEL = st.text(alphabet=string.ascii_lowercase + string.digits, min_size=1, max_size=20)


@given(
    local=LOCAL,
    labels=st.lists(LABEL, min_size=1, max_size=3),
    tld=st.text(alphabet=string.ascii_lowercase, min_size=2, max_size=6),
)
def test_valid_emails_normalise_idempotently(local, labels, tld):
    # Special-use names (RFC 6761: test, local, ...) cannot receive mail: refused.
    assume(tld not in SPECIAL_USE_DOMAIN_NAMES and labels[-1] not in SPECIAL_USE_DOMAIN_NAMES)
    email = f"{local}@{'.'.join(labels)}.{tld}".upper()
    normalised = v.normalize_email(email)
    assert normalised == normalised.lower()
    assert v.normalize_email(normalised) == normalised


@given(st.text(max_size=300))
def test_any_text_is_either_a_normalised_email_or_refused(text):
    try:
        email = v.normalize_email(text)
    except v.ValidationError:
        return
    local, domain = email.split("@")
    assert local and "." in domain and len(email) <= v.EMAIL_MAX
    assert all(c.isascii() for c in domain)


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "a",
        "a@",
        "@b.c",
        "a@b",
        "a@@b.cd",
        "a b@c.de",
        "a@-b.cd",
        "a..b@c.de",
        ".a@c.de",
        "a@c.123",
        "a@" + "x" * 250 + ".com",
        "a@b.test",  # special use (RFC 6761)
        "ñ@b.de",  # needs SMTPUTF8, which not every mail system speaks
        '"quoted"@b.de',
        "Ada <ada@b.de>",
        "a@[192.0.2.1]",
    ],
)
def test_bad_emails_are_refused(bad):
    with pytest.raises(v.ValidationError):
        v.normalize_email(bad)


@given(st.text(max_size=60))
def test_usernames_are_refused_or_safe(text):
    try:
        name = v.normalize_username(text)
    except v.ValidationError:
        return
    assert v.USERNAME_MIN <= len(name) <= v.USERNAME_MAX
    assert set(name) <= set(string.ascii_lowercase + string.digits + "_-")
    assert name[0].isalnum() and name[-1].isalnum()
    assert name not in v.RESERVED_USERNAMES


@pytest.mark.parametrize("name", ["admin", "API", "root", "login"])
def test_reserved_usernames(name):
    with pytest.raises(v.ValidationError, match="reserved"):
        v.normalize_username(name)


@given(st.text(min_size=0, max_size=300))
def test_passwords_accepted_meet_every_rule(password):
    try:
        checked = v.check_password(password, email="alice@example.com", username="alice")
    except v.ValidationError:
        return
    assert v.PASSWORD_MIN <= len(checked) <= v.PASSWORD_MAX
    assert "alice" not in checked.lower()
    assert len(set(checked)) >= 4


@pytest.mark.parametrize("bad", ["short", "password123", "aaaaaaaaaaaaaa", "my alice secret!"])
def test_weak_passwords_are_refused(bad):
    with pytest.raises(v.ValidationError):
        v.check_password(bad, email="alice@example.com", username="alice")


KEY = signing_key("test secret", "access-token")
IDS = st.text(alphabet=string.ascii_uppercase + string.digits, min_size=1, max_size=26)


@given(user_id=IDS, session_id=IDS, now=st.integers(1_000_000_000, 4_000_000_000))
def test_access_tokens_round_trip(user_id, session_id, now):
    token = issue_access(KEY, user_id=user_id, session_id=session_id, now=now)
    claims = verify_access(KEY, token, now=now + 899)
    assert (claims.user_id, claims.session_id) == (user_id, session_id)
    with pytest.raises(InvalidToken):
        verify_access(KEY, token, now=now + 900)
    with pytest.raises(InvalidToken):
        verify_access(signing_key("other secret", "access-token"), token, now=now)


@given(token=st.text(max_size=300))
def test_garbage_never_verifies(token):
    with pytest.raises(InvalidToken):
        verify_access(KEY, token, now=2_000_000_000)


@given(
    session_id=IDS, secret=st.text(alphabet=string.ascii_letters + "-_", min_size=32, max_size=60)
)
def test_session_tokens_split_back(session_id, secret):
    assume("." not in session_id)
    assert split_session_token(f"{session_id}.{secret}") == (session_id, secret)


def test_emails_are_lower_cased_with_an_ascii_domain() -> None:
    assert v.normalize_email("  Ada.Lovelace+Notes@Bücher.Example ") == (
        "ada.lovelace+notes@xn--bcher-kva.example"
    )
    with pytest.raises(v.ValidationError, match="period"):
        v.normalize_email("a@localhostish")
