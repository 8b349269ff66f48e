"""Versions: semver precedence (against the specification's rules), the version
check, the history, publishing and the one latest version under races."""

from __future__ import annotations

import asyncio
import functools
import itertools

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from core.releases import versions
from tests.releases.conftest import publish

# ---------------------------------------------------------------- precedence


def spec_compare(a: str, b: str) -> int:
    """semver.org 2.0.0 §11, written from the text: major, minor, patch numerically;
    a pre-release below its release; identifiers left to right, numeric ones as
    numbers and below alphanumeric ones (ASCII order); a longer set wins a tie;
    build metadata ignored."""

    def split(v: str) -> tuple[list[int], list[str] | None]:
        core, _, _build = v.partition("+")
        main, dash, pre = core.partition("-")
        return [int(x) for x in main.split(".")], (pre.split(".") if dash else None)

    (ma, pa), (mb, pb) = split(a), split(b)
    if ma != mb:
        return -1 if ma < mb else 1
    if pa is None or pb is None:
        return 0 if pa == pb else (1 if pa is None else -1)
    for x, y in zip(pa, pb, strict=False):
        if x == y:
            continue
        if x.isdigit() and y.isdigit():
            return -1 if int(x) < int(y) else 1
        if x.isdigit() != y.isdigit():
            return -1 if x.isdigit() else 1
        return -1 if x < y else 1
    return (len(pa) > len(pb)) - (len(pa) < len(pb))


numbers = st.integers(0, 30).map(str)
identifiers = st.one_of(
    numbers,
    st.text("abcxyzABZ-", min_size=1, max_size=4),
    st.text("abc019-", min_size=1, max_size=4).filter(lambda s: not s.isdigit()),
)
prerelease = st.lists(identifiers, min_size=1, max_size=4).map(".".join)
build = st.lists(st.text("abc019", min_size=1, max_size=3), min_size=1, max_size=2).map(".".join)
semvers = st.builds(
    lambda a, b, c, pre, meta: (
        f"{a}.{b}.{c}" + (f"-{pre}" if pre else "") + (f"+{meta}" if meta else "")
    ),
    st.integers(0, 12),
    st.integers(0, 12),
    st.integers(0, 12),
    st.none() | prerelease,
    st.none() | build,
)


@given(semvers, semvers)
@example("1.10.0", "1.9.0")
@example("1.0.0-alpha", "1.0.0-alpha.1")
@example("1.0.0-alpha.beta", "1.0.0-beta")
@example("1.0.0-beta.2", "1.0.0-beta.11")
@example("1.0.0-rc.1", "1.0.0")
@example("1.0.0-1", "1.0.0-a")
@example("1.0.0+build.1", "1.0.0+build.2")
def test_precedence_follows_the_specification(a: str, b: str) -> None:
    assert versions.compare(a, b) == spec_compare(a, b)
    assert versions.compare(b, a) == -spec_compare(a, b)


@given(st.lists(semvers, min_size=2, max_size=8))
def test_sorting_is_the_specifications_order(items: list[str]) -> None:
    ordered = sorted(items, key=versions.sort_key)
    assert all(spec_compare(x, y) <= 0 for x, y in itertools.pairwise(ordered))
    reference = sorted(items, key=functools.cmp_to_key(spec_compare))
    assert all(spec_compare(x, y) == 0 for x, y in zip(ordered, reference, strict=True))


@pytest.mark.parametrize("bad", ["1.2", "latest!", "v1.2.0", "01.2.0", "1.2.0-01", "", "1.2.3.4"])
def test_what_is_not_a_semantic_version(bad: str) -> None:
    assert not versions.is_valid(bad)


# ------------------------------------------------------------- version check


async def test_the_latest_version_and_whether_an_update_is_available(admin, client) -> None:
    assert (await client.get("/api/version")).status_code == 404
    assert (await publish(admin, "1.9.0")).status_code == 201
    assert (await publish(admin, "1.10.0")).status_code == 201
    latest = (await client.get("/api/version")).json()
    assert latest["version"] == "1.10.0" and latest["is_latest"] is True
    assert "update_available" not in latest or latest["update_available"] is None
    old = (await client.get("/api/version", params={"current": "1.9.0"})).json()
    assert old["update_available"] is True
    same = (await client.get("/api/version", params={"current": "1.10.0"})).json()
    assert same["update_available"] is False
    newer = (await client.get("/api/version", params={"current": "2.0.0-rc.1"})).json()
    assert newer["update_available"] is False


@pytest.mark.parametrize("bad", ["1.2", "latest!"])
async def test_a_bad_version_is_422_and_nothing_is_stored(admin, client, runtime, bad) -> None:
    assert (await publish(admin, "1.0.0")).status_code == 201
    check = await client.get("/api/version", params={"current": bad})
    assert check.status_code == 422 and check.json()["error"]["code"] == "invalid"
    assert (await client.get(f"/update/darwin/{bad}")).status_code == 422
    published = await publish(admin, bad)
    assert published.status_code == 422
    assert (await admin.post(f"/api/admin/versions/{bad}/latest")).status_code == 422
    rows = await runtime.database.all("SELECT version, is_latest FROM app_versions")
    assert rows == [{"version": "1.0.0", "is_latest": 1}]


async def test_history_is_newest_first_by_precedence_and_paged(admin, client) -> None:
    for v in ["1.9.0", "1.10.0", "1.10.0-beta.2", "1.10.0-beta.11", "0.9.9"]:
        assert (await publish(admin, v, latest=None if "-" in v else False)).status_code == 201
    page = (await client.get("/api/versions", params={"limit": 3})).json()
    assert [v["version"] for v in page["items"]] == ["1.10.0", "1.10.0-beta.11", "1.10.0-beta.2"]
    rest = (await client.get("/api/versions", params={"cursor": page["next_cursor"]})).json()
    assert [v["version"] for v in rest["items"]] == ["1.9.0", "0.9.9"]
    assert rest["next_cursor"] is None


async def test_publish_rules(admin, alice, client) -> None:
    assert (await publish(alice, "1.0.0")).status_code == 403
    first = await publish(admin, "1.0.0", latest=False)
    assert first.status_code == 201 and first.json()["is_latest"] is True  # the first release
    assert (await publish(admin, "1.0.0")).status_code == 409
    assert (await publish(admin, "1.0.0+build.7")).status_code == 409  # same precedence
    pre = await publish(admin, "1.1.0-beta.1")
    assert pre.status_code == 201 and pre.json()["is_latest"] is False
    assert (await publish(admin, "1.1.0-beta.2", latest=True)).status_code == 422
    assert (await admin.post("/api/admin/versions/1.1.0-beta.1/latest")).status_code == 422
    assert (await admin.post("/api/admin/versions/9.9.9/latest")).status_code == 404
    assert (await client.get("/api/version")).json()["version"] == "1.0.0"
    beta = (await client.get("/api/version", params={"channel": "beta"})).json()
    assert beta["version"] == "1.1.0-beta.1"


async def test_marking_an_older_version_latest_rolls_back(admin, client, runtime) -> None:
    await publish(admin, "1.0.0")
    await publish(admin, "1.1.0")
    marked = await admin.post("/api/admin/versions/1.0.0/latest")
    assert marked.status_code == 200 and marked.json()["is_latest"] is True
    assert (await client.get("/api/version")).json()["version"] == "1.0.0"
    audit = await runtime.database.all(
        "SELECT action FROM audit_log WHERE action LIKE 'release.%' ORDER BY created_at"
    )
    assert [a["action"] for a in audit] == [
        "release.published",
        "release.published",
        "release.marked_latest",
    ]


async def test_concurrent_publishes_leave_exactly_one_latest(admin, runtime) -> None:
    await publish(admin, "0.1.0")
    names = [f"1.{n}.0" for n in range(12)]
    results = await asyncio.gather(
        *(publish(admin, v) for v in names),
        *(admin.post("/api/admin/versions/0.1.0/latest") for _ in range(4)),
    )
    assert all(r.status_code in (200, 201) for r in results), [r.text for r in results]
    latest = await runtime.database.all("SELECT version FROM app_versions WHERE is_latest = 1")
    assert len(latest) == 1
    assert await runtime.database.first("SELECT COUNT(*) AS n FROM app_versions") == {"n": 13}


async def test_the_database_refuses_a_second_latest(admin, runtime) -> None:
    """The guarantee does not rest on the service alone: the partial unique index."""
    from core.ports import IntegrityError

    await publish(admin, "1.0.0")
    await publish(admin, "1.1.0", latest=False)
    with pytest.raises(IntegrityError):
        await runtime.database.run("UPDATE app_versions SET is_latest = 1 WHERE version = '1.1.0'")


async def test_release_notes_are_rendered_safely(admin, client) -> None:
    notes = "## New\n\n<script>alert(1)</script>\n\n[x](javascript:alert(1)) [ok](https://e.com)"
    await publish(admin, "1.0.0", changelog=notes)
    html = (await client.get("/api/version")).json()["notes_html"]
    assert "<h2>New</h2>" in html and '<a href="https://e.com">ok</a>' in html
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "javascript:" not in html.replace("[x](javascript:alert(1))", "")
    assert (await publish(admin, "1.0.1", changelog="bad\x00notes")).status_code == 422
