"""A flag's value for one user: their override, else their plan's value, else
the rollout (a stable hash of the flag's key and the user id), else the default."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

_SPAN = float(1 << 64)


def bucket(flag_key: str, user_id: str) -> float:
    """Where the user falls in [0, 100) for this flag: the same on every call, every
    process and every edge location; independent between flags."""
    digest = hashlib.sha256(f"{flag_key}\x00{user_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / _SPAN * 100.0


@dataclass(frozen=True, slots=True)
class Flag:
    key: str
    default_on: bool = False
    plan_values: dict[str, bool] = field(default_factory=dict)
    user_overrides: dict[str, bool] = field(default_factory=dict)
    rollout_percent: float | None = None

    def value_for(self, user_id: str, tier: str) -> bool:
        override = self.user_overrides.get(user_id)
        if override is not None:
            return override
        planned = self.plan_values.get(tier)
        if planned is not None:
            return planned
        if self.rollout_percent is not None:
            return bucket(self.key, user_id) < self.rollout_percent
        return self.default_on

    def to_doc(self) -> dict[str, Any]:
        return {
            "d": self.default_on,
            "p": self.plan_values,
            "o": self.user_overrides,
            "r": self.rollout_percent,
        }

    @classmethod
    def from_doc(cls, key: str, doc: dict[str, Any]) -> Flag:
        return cls(key, bool(doc["d"]), dict(doc["p"]), dict(doc["o"]), doc.get("r"))


def evaluate_all(flags: dict[str, Flag], user_id: str, tier: str) -> dict[str, bool]:
    return {key: flag.value_for(user_id, tier) for key, flag in flags.items()}
