"""A feature's declaration: everything the app, the schedule, GDPR and the edge
build checks need to know about it, in one value in the feature's ``__init__``.

Nothing registers itself at import. ``core.features.FEATURES`` lists the
declarations; ``create_app``, the cron schedule, GDPR export and erasure and
the rate-limit bindings check read that list, so a feature missing from it is
missing everywhere at once, and a test says so (``tests/core/test_features.py``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from fastapi import APIRouter

from core.data.owned import OwnedTable
from core.http.pipeline import BodyRule, FastPath
from core.jobs.dispatcher import Job
from core.ports import Ports
from core.security.ratelimit import Policy
from core.settings import Settings

# What else a user's erasure must clear beyond owned rows and files: (ports, user id).
EraseHook = Callable[[Ports, str], Awaitable[None]]
# A body rule whose limit is a setting is given as a function of the settings.
BodyRuleSpec = BodyRule | Callable[[Settings], BodyRule]
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Scheduled:
    """A job and the cron expression (one of ``core.jobs.schedule.CRONS``) it runs on."""

    cron: str
    job: Job


@dataclass(frozen=True, slots=True)
class Feature:
    name: str
    # In the order their paths should match (FastAPI tries routes in order).
    routers: Sequence[APIRouter] = ()
    # Tables whose rows belong to one user through owner_id: exported and erased.
    owned_tables: Sequence[OwnedTable] = ()
    erase_hooks: Sequence[EraseHook] = ()
    # Every rate-limit policy its routes apply (the edge needs a binding per shape).
    policies: Sequence[Policy] = ()
    jobs: Sequence[Scheduled] = ()
    # Paths taking bodies other than JSON or forms of at most max_body_bytes.
    body_rules: Sequence[BodyRuleSpec] = ()
    # Page files (Jinja2 templates, page scripts) by name, for ``core.web.render``:
    # the feature's generated ``page_files.FILES`` (scripts/build_assets.py).
    templates: Mapping[str, str] = field(default_factory=dict)
    # Implementations of protocols another feature declares and cannot import
    # (it sits below this one): ``provided`` finds them for that feature.
    provides: Sequence[object] = ()
    # GET routes the pipeline answers itself in their common case (core.http.pipeline).
    fast_paths: Sequence[FastPath] = ()


def owned_tables(features: Sequence[Feature]) -> list[OwnedTable]:
    """Every feature's owned tables, in erasure order (lower first, then by name)."""
    tables = [t for f in features for t in f.owned_tables]
    return sorted(tables, key=lambda t: (t.erase_order, t.name))


def erase_hooks(features: Sequence[Feature]) -> list[EraseHook]:
    return [hook for f in features for hook in f.erase_hooks]


def policies(features: Sequence[Feature]) -> dict[str, Policy]:
    """Every declared policy by name; two features may not declare one name twice."""
    found: dict[str, Policy] = {}
    for policy in (p for f in features for p in f.policies):
        if found.setdefault(policy.name, policy) != policy:
            raise ValueError(f"two rate-limit policies are named {policy.name!r}")
    return found


def schedule(features: Sequence[Feature], crons: Sequence[str]) -> dict[str, list[Job]]:
    """The jobs of each cron expression, in feature order."""
    jobs: dict[str, list[Job]] = {cron: [] for cron in crons}
    for scheduled in (s for f in features for s in f.jobs):
        if scheduled.cron not in jobs:
            raise ValueError(f"job {scheduled.job.name!r} runs on an unknown cron")
        jobs[scheduled.cron].append(scheduled.job)
    return jobs


def body_rules(features: Sequence[Feature], settings: Settings) -> list[BodyRule]:
    rules = (r for f in features for r in f.body_rules)
    return [r if isinstance(r, BodyRule) else r(settings) for r in rules]


def templates(features: Sequence[Feature]) -> dict[str, str]:
    return {name: source for f in features for name, source in f.templates.items()}


def provided(features: Sequence[Feature], kind: type[T]) -> T | None:
    """What some feature provides as ``kind`` (a runtime-checkable Protocol), if any.

    Remembered per features object and kind: an ``isinstance`` against a
    Protocol walks its members, and some callers ask on every request.
    mypy refuses a Protocol as ``type[T]`` (``type-abstract``): callers silence it."""
    key = (id(features), kind)
    known = _PROVIDED.get(key)
    if known is not None and known[0] is features:
        return known[1]  # type: ignore[no-any-return]
    found = next((p for f in features for p in f.provides if isinstance(p, kind)), None)
    if isinstance(features, tuple):  # a list could change after the answer is kept
        if len(_PROVIDED) >= 256:
            _PROVIDED.clear()
        _PROVIDED[key] = (features, found)
    return found


_PROVIDED: dict[tuple[int, type], tuple[Sequence[Feature], Any]] = {}
