"""The acting user: who a request or job acts for."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Role = Literal["creator", "influencer", "admin"]
ROLES: tuple[Role, ...] = ("creator", "influencer", "admin")


@dataclass(frozen=True, slots=True)
class Actor:
    user_id: str
    role: Role
    session_id: str | None = None

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"
