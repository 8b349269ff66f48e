"""Random sequences of everything that moves a post (the author's routes, an admin's,
the cron, edits with fresh and stale versions, concurrent publishes), checked after
every step: only legal states, each as the transition table says; a version that
only grows; and at most one publish each time a post is a draft."""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path

from hypothesis import Phase
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from core.app import create_app
from core.clock import FrozenClock
from core.content.workflow import STATUSES, TRANSITIONS
from core.local import LocalRuntime, load_settings
from tests.conftest import bearer, make_client, register
from tests.content.helpers import FLAGGED, POST, run_schedule

FUTURE = "2027-01-01T00:00:00Z"
AFTER_FUTURE = 1_798_765_200.0


class PostLifecycle(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.loop = asyncio.new_event_loop()
        self.tmp = tempfile.TemporaryDirectory()
        self.settings = load_settings(
            {},
            data_dir=Path(self.tmp.name) / "data",
            dev=True,
            run_cron=False,
            password_iterations=1000,
            embeddings="none",
            rate_limit=1_000_000,
        )
        self.runtime = LocalRuntime(
            self.settings, clock=FrozenClock(1_790_000_010.0), run_scheduler=False
        )
        self.run(self.runtime.startup())
        app = create_app(self.settings, self.runtime)
        self.author = make_client(app, ip="198.51.100.1")
        self.admin = make_client(app, ip="198.51.100.2")
        self.run(self._accounts())
        self.posts: dict[str, dict] = {}  # id -> {"status", "version", "publishes", "drafts"}

    async def _accounts(self) -> None:
        self.author.headers.update(bearer(await register(self.author, "sam")))
        boss = await register(self.admin, "priya")
        await self.runtime.database.run(
            "UPDATE users SET role = 'admin' WHERE id = ?", boss["user"]["id"]
        )
        login = await self.admin.post(
            "/api/auth/login", json={"username": "priya", "password": "correct horse battery"}
        )
        self.admin.headers.update(bearer(login.json()))

    def run(self, work):  # type: ignore[no-untyped-def]
        return self.loop.run_until_complete(work)

    def teardown(self) -> None:
        self.run(self.author.aclose())
        self.run(self.admin.aclose())
        self.run(self.runtime.shutdown())
        self.loop.close()
        self.tmp.cleanup()

    # ------------------------------------------------------------------ model

    def expect(self, post_id: str, action: str, ok_status: int, response) -> None:  # type: ignore[no-untyped-def]
        known = self.posts[post_id]
        sources, to = TRANSITIONS[action]  # type: ignore[index]
        if known["status"] in sources:
            assert response.status_code == ok_status, response.text
            body = response.json()
            if (
                action in {"publish", "schedule", "run_schedule"}
                and known["flagged"]
                and not known["cleared"]
            ):
                to = "pending_review"
            assert body["status"] == to, (action, known, body)
            self.moved(post_id, to)
        else:
            assert response.status_code == 409, response.text

    def moved(self, post_id: str, to: str) -> None:
        known = self.posts[post_id]
        if to == "published":
            known["publishes"] += 1
        if to == "draft":
            known["drafts"] += 1
        known["cleared"] = to == "draft" and known["status"] == "pending_review"
        known["status"] = to

    # ------------------------------------------------------------------ rules

    @rule(flagged=st.booleans())
    def create(self, flagged: bool) -> None:
        fields = {**POST, **(FLAGGED if flagged else {}), "visibility": "public"}
        response = self.run(self.author.post("/api/content", json=fields))
        assert response.status_code == 201
        post = response.json()
        self.posts[post["id"]] = {
            "status": "draft",
            "version": 1,
            "publishes": 0,
            "drafts": 1,
            "flagged": flagged,
            "cleared": False,
        }

    def pick(self, data: st.DataObject) -> str:
        return data.draw(st.sampled_from(sorted(self.posts)))

    @precondition(lambda self: self.posts)
    @rule(data=st.data(), action=st.sampled_from(["publish", "schedule", "archive"]))
    def author_moves(self, data: st.DataObject, action: str) -> None:
        post_id = self.pick(data)
        body = {"scheduled_at": FUTURE} if action == "schedule" else None
        response = self.run(self.author.post(f"/api/content/{post_id}/{action}", json=body))
        self.expect(post_id, action, 200, response)

    @precondition(lambda self: self.posts)
    @rule(data=st.data(), action=st.sampled_from(["hold", "approve", "reject"]))
    def admin_moves(self, data: st.DataObject, action: str) -> None:
        post_id = self.pick(data)
        response = self.run(self.admin.post(f"/api/admin/moderation/{post_id}/{action}"))
        self.expect(post_id, action, 200, response)

    @precondition(lambda self: self.posts)
    @rule()
    def cron(self) -> None:
        due = [i for i, p in self.posts.items() if p["status"] == "scheduled"]
        self.run(run_schedule(self.runtime, self.settings, AFTER_FUTURE))
        for post_id in due:
            known = self.posts[post_id]
            self.moved(
                post_id,
                "pending_review" if known["flagged"] and not known["cleared"] else "published",
            )

    @precondition(lambda self: self.posts)
    @rule(data=st.data())
    def publish_twice_at_once(self, data: st.DataObject) -> None:
        post_id = self.pick(data)
        before = self.posts[post_id]["status"]

        async def both():  # type: ignore[no-untyped-def]
            return await asyncio.gather(
                self.author.post(f"/api/content/{post_id}/publish"),
                self.author.post(f"/api/content/{post_id}/publish"),
            )

        answers = self.run(both())
        won = [a for a in answers if a.status_code == 200]
        assert len(won) <= 1 and all(a.status_code in (200, 409) for a in answers)
        if before == "draft":
            assert len(won) == 1
            self.moved(post_id, won[0].json()["status"])
        else:
            assert not won

    @precondition(lambda self: self.posts)
    @rule(data=st.data(), stale=st.booleans())
    def edit(self, data: st.DataObject, stale: bool) -> None:
        post_id = self.pick(data)
        current = self.run(self.author.get(f"/api/content/{post_id}")).json()["version"]
        version = current - 1 if stale else current
        response = self.run(
            self.author.patch(
                f"/api/content/{post_id}",
                json={"title": f"v{current}"},
                headers={"if-match": str(version)},
            )
        )
        assert response.status_code == (409 if stale else 200), response.text
        if not stale:
            known = self.posts[post_id]
            known["cleared"] = False
            # Changed words of a live or due post pass the check again.
            if known["flagged"] and known["status"] in {"published", "scheduled"}:
                self.moved(post_id, "pending_review")
            assert response.json()["status"] == known["status"]

    # ------------------------------------------------------------- invariants

    @invariant()
    def states_versions_and_publishes(self) -> None:
        for post_id, known in self.posts.items():
            stored = self.run(
                self.runtime.database.first(
                    "SELECT status, version FROM content WHERE id = ?", post_id
                )
            )
            assert stored["status"] in STATUSES
            assert stored["status"] == known["status"], (known, stored)
            assert stored["version"] >= known["version"]
            known["version"] = stored["version"]
            assert known["publishes"] <= known["drafts"]
            if stored["status"] == "published" and known["flagged"]:
                assert known["cleared"] or known["publishes"] > 0


PostLifecycle.TestCase.settings = hsettings(
    max_examples=25, stateful_step_count=20, deadline=None, phases=[Phase.explicit, Phase.generate]
)
TestPostLifecycle = PostLifecycle.TestCase
