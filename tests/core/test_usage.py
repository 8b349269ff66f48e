"""The usage gate: the kernel's contract between work a plan counts and the plans."""

from __future__ import annotations

from fastapi import APIRouter, Request

from core.app import create_app
from core.errors import PaymentRequired
from core.feature import Feature
from core.features import FEATURES
from core.ports import stmt
from core.usage import ADMIT_ALL, Admission, Meter, UsageGate, admit
from tests.conftest import make_client

# The product's features without the one that provides the gate (plans).
WITHOUT_A_GATE = tuple(f for f in FEATURES if f.name != "plans")


class OnePostGate:
    """A gate that allows one post in all, counting in the caller's batch."""

    def __init__(self) -> None:
        self.used = 0
        self.calls: list[tuple[str, Meter, int]] = []

    async def admit(
        self, request: Request, user_id: str, meter: Meter, amount: int = 1
    ) -> Admission:
        self.calls.append((user_id, meter, amount))
        if self.used + amount > 1:
            raise PaymentRequired("Free allows 1 post a month; Pro allows 100.")
        self.used += amount
        return Admission(statements=(stmt("SELECT ?", amount),))


def _feature_using_the_gate() -> Feature:
    router = APIRouter()

    @router.post("/api/_test/post")
    async def post(request: Request) -> dict[str, int]:
        admission = await admit(request, "u1", Meter.POSTS)
        return {"statements": len(admission.statements)}

    return Feature(name="_test_poster", routers=(router,))


async def test_without_a_gate_everything_is_admitted(settings, runtime) -> None:
    app = create_app(settings, runtime, (*WITHOUT_A_GATE, _feature_using_the_gate()))
    async with make_client(app) as client:
        for _ in range(3):
            response = await client.post("/api/_test/post")
            assert response.status_code == 200
            assert response.json() == {"statements": len(ADMIT_ALL.statements)} == {"statements": 0}


async def test_the_provided_gate_decides_and_refuses_with_402(settings, runtime) -> None:
    """A gate provided after the product's features replaces the plans feature's."""
    gate = OnePostGate()
    assert isinstance(gate, UsageGate)
    plans = Feature(name="_test_plans", provides=(gate,))
    app = create_app(settings, runtime, (*FEATURES, plans, _feature_using_the_gate()))
    async with make_client(app) as client:
        first = await client.post("/api/_test/post")
        assert first.status_code == 200
        assert first.json() == {"statements": 1}
        second = await client.post("/api/_test/post")
        assert second.status_code == 402
        assert second.json()["error"]["code"] == "plan_limit"
        assert "Pro allows 100" in second.json()["error"]["message"]
    assert gate.calls == [("u1", Meter.POSTS, 1), ("u1", Meter.POSTS, 1)]
