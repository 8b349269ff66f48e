"""Ids: ULID text, time-ordered, monotonic within a millisecond."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from core.ids import new_id


def test_ids_made_in_one_millisecond_keep_their_order() -> None:
    ids = [new_id(1_790_000_000.123) for _ in range(1000)]
    assert ids == sorted(ids) and len(set(ids)) == 1000
    assert all(re.fullmatch(r"[0-9A-HJKMNP-TV-Z]{26}", i) for i in ids)


@given(st.floats(0, 2**47 / 1000), st.floats(0, 2**47 / 1000))
def test_later_milliseconds_sort_later(a, b) -> None:
    if int(a * 1000) < int(b * 1000):
        assert new_id(a) < new_id(b)
