"""The check every publish and schedule passes first (the seed's ethics check).

``Moderation`` is the port. The default is ``RuleSet``: blocked terms, link spam,
excessive capitals and repeated text, with limits an admin reads and configures
(``GET/PUT /api/admin/moderation/rules``, one row of ``moderation_rules``). Where an
OpenAI-compatible moderation endpoint is configured (``CREATOR_EDGE_MODERATION_URL``)
it is asked too, and a post passes only when both pass."""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from pydantic import BaseModel, Field

from core.clock import iso
from core.ports import AiUnavailable, Database, HttpClient, HttpError, Statement, stmt
from core.settings import Settings

_URL = re.compile(r"https?://|www\.", re.IGNORECASE)
_WORD = re.compile(r"[^\W_]+", re.UNICODE)


@dataclass(frozen=True, slots=True)
class Verdict:
    flagged: bool
    reasons: tuple[str, ...] = ()
    checker: str = "rules"

    def record(self, now: float) -> dict[str, Any]:
        """The JSON kept on the post."""
        return {
            "flagged": self.flagged,
            "reasons": list(self.reasons),
            "checker": self.checker,
            "checked_at": iso(now),
        }


class Moderation(Protocol):
    async def check(self, title: str, body: str) -> Verdict:
        """Raises ``AiUnavailable`` when a remote checker cannot answer."""
        ...


class Rules(BaseModel):
    """What the rule set refuses. Every limit is a number an admin can change."""

    blocked_terms: list[str] = Field(
        default_factory=lambda: ["buy followers", "free crypto giveaway", "kill yourself"],
        max_length=500,
    )
    # More links than this in one post is link spam.
    max_links: int = Field(5, ge=0, le=1000)
    # Share of upper-case letters (of at least ``caps_min_letters`` letters) that flags.
    caps_ratio: float = Field(0.7, gt=0, le=1)
    caps_min_letters: int = Field(20, ge=1, le=10_000)
    # One word (of 4 letters or more) this many times, making up at least a third of
    # the words, or one line repeated this many times, is repeated text.
    max_repeats: int = Field(8, ge=2, le=10_000)


DEFAULT_RULES = Rules.model_validate({})


@dataclass(frozen=True, slots=True)
class RuleSet:
    rules: Rules = field(default_factory=lambda: DEFAULT_RULES)

    async def check(self, title: str, body: str) -> Verdict:
        return self.verdict(title, body)

    def verdict(self, title: str, body: str) -> Verdict:
        text = f"{title}\n{body}"
        lowered = text.casefold()
        reasons: list[str] = []
        for term in self.rules.blocked_terms:
            if term.strip() and term.casefold().strip() in lowered:
                reasons.append(f"blocked_term:{term.strip()}")
        if len(_URL.findall(text)) > self.rules.max_links:
            reasons.append("link_spam")
        letters = [c for c in text if c.isalpha()]
        if len(letters) >= self.rules.caps_min_letters:
            upper = sum(1 for c in letters if c.isupper())
            if upper / len(letters) >= self.rules.caps_ratio:
                reasons.append("excessive_caps")
        if _repeated(text, self.rules.max_repeats):
            reasons.append("repeated_text")
        return Verdict(bool(reasons), tuple(reasons), "rules")


def _repeated(text: str, limit: int) -> bool:
    words = [w.casefold() for w in _WORD.findall(text) if len(w) >= 4]
    if words:
        _, count = Counter(words).most_common(1)[0]
        if count >= limit and count * 3 >= len(words):
            return True
    lines = [line.strip().casefold() for line in text.splitlines() if line.strip()]
    return bool(lines) and Counter(lines).most_common(1)[0][1] >= limit


class RulesRepo:
    """The one row of configured rules; the defaults until an admin saves some."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def load(self) -> Rules:
        row = await self.db.first("SELECT rules FROM moderation_rules WHERE id = 1")
        if row is None:
            return DEFAULT_RULES
        try:
            return Rules.model_validate(json.loads(row["rules"]))
        except ValueError:
            return DEFAULT_RULES

    def save_statement(self, rules: Rules, admin_id: str, now: float) -> Statement:
        return stmt(
            "INSERT INTO moderation_rules (id, rules, updated_by, updated_at) VALUES (1, ?, ?, ?)"
            " ON CONFLICT (id) DO UPDATE SET rules = excluded.rules,"
            " updated_by = excluded.updated_by, updated_at = excluded.updated_at",
            rules.model_dump_json(),
            admin_id,
            iso(now),
        )


@dataclass(frozen=True, slots=True)
class EndpointModeration:
    """An OpenAI-compatible ``POST {url}/moderations``: ``results[0].flagged``."""

    http: HttpClient
    url: str
    model: str | None = None
    api_key: str | None = None
    timeout: float = 10.0

    async def check(self, title: str, body: str) -> Verdict:
        payload: dict[str, Any] = {"input": f"{title}\n\n{body}"}
        if self.model:
            payload["model"] = self.model
        headers = {"content-type": "application/json"}
        if self.api_key:
            headers["authorization"] = f"Bearer {self.api_key}"
        try:
            response = await self.http.request(
                "POST",
                self.url.rstrip("/") + "/moderations",
                headers=headers,
                body=json.dumps(payload).encode(),
                timeout=self.timeout,
            )
        except HttpError as error:
            raise AiUnavailable(f"moderation endpoint: {error}") from error
        if response.status != 200:
            raise AiUnavailable(f"moderation endpoint answered {response.status}")
        try:
            result = response.json()["results"][0]
            flagged = bool(result["flagged"])
            categories = result.get("categories") or {}
        except (ValueError, KeyError, IndexError, TypeError) as error:
            raise AiUnavailable("moderation endpoint answered something else") from error
        reasons = tuple(f"model:{name}" for name, hit in sorted(categories.items()) if hit)
        return Verdict(flagged, reasons or (("model:flagged",) if flagged else ()), "endpoint")


@dataclass(frozen=True, slots=True)
class AllOf:
    """Flagged when any checker flags; the reasons of all of them."""

    checkers: Sequence[Moderation]

    async def check(self, title: str, body: str) -> Verdict:
        verdicts = [await c.check(title, body) for c in self.checkers]
        flagged = [v for v in verdicts if v.flagged]
        if not flagged:
            return Verdict(False, (), "+".join(v.checker for v in verdicts))
        reasons = tuple(r for v in flagged for r in v.reasons)
        return Verdict(True, reasons, "+".join(v.checker for v in flagged))


async def moderation_for(db: Database, http: HttpClient, settings: Settings) -> Moderation:
    """The configured rule set, and the moderation endpoint where one is set."""
    rules = RuleSet(await RulesRepo(db).load())
    if not settings.moderation_url:
        return rules
    return AllOf((rules, EndpointModeration(http, settings.moderation_url)))
