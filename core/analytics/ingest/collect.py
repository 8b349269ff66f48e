"""From a request to stored events: what is read on the request path (cheap),
and what runs after the response (salt, visitor hash, user agent, the write).

``record_after_response`` does only cheap work on the request path: it copies
the facts it needs from the request (headers, ``request_facts``, the keyed
hash of the client address, never the address) and schedules the rest
(salt, visitor hash, user-agent parsing, the write) through ``ports.defer``.
"""

from __future__ import annotations

import asyncio
import json
import logging
import weakref
from collections.abc import Sequence
from typing import Any, NamedTuple

from fastapi import Request

from core.analytics import repo
from core.analytics.ingest import agents, salts, sources
from core.analytics.models import BeaconEvent
from core.analytics.profile_directory import ProfileDirectory
from core.events import ServerEvent
from core.feature import provided
from core.http.context import request_context
from core.ports import EventSink, Ports

CONSENT_COOKIE = "ce_consent"
log = logging.getLogger("creator_edge.analytics")


# Visit and Pending are NamedTuples, not frozen dataclasses: as immutable, and
# made in a fifth of the time (a frozen dataclass sets each field through
# object.__setattr__: 2-4 microseconds an event, on the request path).
class Visit(NamedTuple):
    """What the request tells about its visitor, copied on the request path.

    ``client_key`` is the pipeline's keyed hash of the address, never the address.
    """

    at: float
    client_key: str
    user_agent: str
    facts: dict[str, str]
    referrer: str | None
    query: str
    host: str | None
    private: bool  # Do Not Track or Global Privacy Control
    # The visitor agreed to be counted as a visitor (the consent banner's cookie).
    consented: bool = False


class Pending(NamedTuple):
    """One event waiting for enrichment (its owner may still be unknown)."""

    type: str
    profile_id: str | None  # None: an owner's own event (an upload), not a page's traffic
    owner_id: str | None
    link_id: str | None = None
    content_id: str | None = None
    path: str | None = None
    query: str = ""  # the page URL's query: UTM tags are read from it
    referrer: str | None = None  # overrides the request's Referer (a beacon's document.referrer)
    x: float | None = None
    y: float | None = None
    selector: str | None = None
    load_ms: int | None = None
    response_bytes: int | None = None
    tz_offset: int | None = None
    properties: dict[str, Any] | None = None


# The request headers ``capture`` reads, found in one pass over the scope's list.
_VISIT_HEADERS = frozenset((b"referer", b"host", b"dnt", b"sec-gpc", b"cookie"))


def _consented(cookies: str) -> bool:
    """Whether the Cookie header holds the consent banner's yes (``ce_consent=1``)."""
    return f"{CONSENT_COOKIE}=1" in (part.strip() for part in cookies.split(";"))


def capture(request: Request) -> Visit:
    """The visit's facts, read from the ASGI scope as Starlette's ``request.headers``
    and ``request.url.query`` give them (the first of repeated headers; the query
    string as ``urlsplit`` reads it; undecodable bytes replaced, where Starlette
    raised and the view was lost), without building those objects on every view."""
    scope = request.scope
    ctx = request_context(scope)
    found: dict[bytes, str] = {}
    for name, value in scope["headers"]:
        if name in _VISIT_HEADERS and name not in found:
            found[name] = value.decode("latin-1")
    query = scope.get("query_string", b"").decode("utf-8", "replace")
    if query:  # as urlsplit reads it: up to a '#', tabs and line breaks dropped
        query = query.split("#", 1)[0].replace("\t", "").replace("\r", "").replace("\n", "")
    runtime = request.app.state.runtime
    return Visit(
        at=ctx.ports.clock.now(),
        client_key=ctx.client_key,
        user_agent=ctx.user_agent or "",
        facts=runtime.request_facts(scope),
        referrer=found.get(b"referer"),
        query=query,
        host=found.get(b"host"),
        private=found.get(b"dnt") == "1" or found.get(b"sec-gpc") == "1",
        consented=_consented(found.get(b"cookie", "")),
    )


def record_after_response(request: Request, event: ServerEvent) -> None:
    """Count ``event`` after the response is sent; never raises, never blocks."""
    try:
        ctx = request_context(request.scope)
        visit = capture(request)
        path, _ = sources.split_path(event.path or request.url.path)
        pending = Pending(
            type=event.type,
            profile_id=event.profile_id,
            owner_id=event.owner_id,
            link_id=event.link_id,
            path=path,
            query=visit.query,
            response_bytes=event.response_bytes,
            properties=event.properties,
        )
        writer = ctx.ports.events
        # Which profiles hash their visitors (the consent mode) is the directory's.
        directory = provided(request.app.state.features, ProfileDirectory)  # type: ignore[type-abstract]
        if writer is None:  # the edge: this request's own work, in its wait_until
            ctx.ports.defer(record(ctx.ports, writer, visit, [pending], directory))
        else:
            _queue_of(writer).add(ctx.ports, visit, pending, directory)
    except Exception:  # counting must never break the page it counts
        log.exception("analytics: could not schedule an event")


class _Queue:
    """A local process's events waiting for enrichment: one deferred task records
    every event queued while it runs, in order, as each would have been
    recorded by a task of its own (a task a page view cost more than its record)."""

    def __init__(self, writer: EventSink) -> None:
        self.writer = writer
        self.waiting: list[tuple[Ports, Visit, Pending, ProfileDirectory | None]] = []
        self.running = False

    def add(
        self, ports: Ports, visit: Visit, pending: Pending, directory: ProfileDirectory | None
    ) -> None:
        self.waiting.append((ports, visit, pending, directory))
        if not self.running:
            self.running = True
            ports.defer(self._run())

    async def _run(self) -> None:
        try:
            while self.waiting:
                batch, self.waiting = self.waiting, []
                for done, (ports, visit, pending, directory) in enumerate(batch, 1):
                    try:
                        await record(ports, self.writer, visit, [pending], directory)
                    except Exception:
                        log.exception("analytics: an event could not be recorded")
                    if done % 64 == 0:  # a burst's records do not hold up its requests
                        await asyncio.sleep(0)
        finally:
            self.running = False


_queues: weakref.WeakKeyDictionary[EventSink, _Queue] = weakref.WeakKeyDictionary()


def _queue_of(writer: EventSink) -> _Queue:
    queue = _queues.get(writer)
    if queue is None:
        queue = _queues[writer] = _Queue(writer)
    return queue


def schedule_beacon(request: Request, events: Sequence[BeaconEvent]) -> None:
    ctx = request_context(request.scope)
    visit = capture(request)
    pending = [_beacon_pending(e) for e in events if e.profile_id is not None]
    if pending:
        directory = provided(request.app.state.features, ProfileDirectory)  # type: ignore[type-abstract]
        ctx.ports.defer(record(ctx.ports, ctx.ports.events, visit, pending, directory))


def _beacon_pending(e: BeaconEvent) -> Pending:
    assert e.profile_id is not None
    path, query = sources.split_path(e.path)
    return Pending(
        type=e.type,
        profile_id=e.profile_id,
        owner_id=None,
        link_id=e.link_id,
        content_id=e.content_id,
        path=path,
        query=query,
        # "" (no referrer) stays "", so the beacon's own Referer is never used.
        referrer=e.referrer or "",
        x=e.x,
        y=e.y,
        selector=e.selector,
        load_ms=e.load_ms,
        tz_offset=e.tz_offset,
        properties=e.properties,
    )


async def record(
    ports: Ports,
    writer: EventSink | None,
    visit: Visit,
    events: Sequence[Pending],
    directory: ProfileDirectory | None,
) -> None:
    """Enrich ``events`` and write them: to the local writer's buffer, or one INSERT."""
    rows = await enrich(ports, visit, events, directory)
    if not rows:
        return
    if writer is not None:
        writer.add(rows)
    else:
        await repo.insert_events(ports.db, rows)


async def enrich(
    ports: Ports,
    visit: Visit,
    events: Sequence[Pending],
    directory: ProfileDirectory | None,
) -> list[repo.EventRow]:
    """Rows for ``events``: bots' traffic and events of unknown or private profiles
    dropped (an owner's own events are kept, whatever client they used; the owner of
    a page's event without one is asked of ``directory``; none, none found)."""
    agent = agents.describe(visit.user_agent)
    if agent.bot:
        events = [e for e in events if e.profile_id is None and e.owner_id is not None]
        if not events:
            return []
        agent = agents.BOT
    owners: dict[str, str] = {}
    if directory is not None:
        unowned = [e.profile_id for e in events if e.owner_id is None and e.profile_id is not None]
        if unowned:
            owners = await directory.public_owners(ports.db, unowned)
    country, region, city, timezone = sources.place(visit.facts)
    offset = sources.tz_offset(timezone, visit.at)
    at_ms = int(visit.at * 1000)
    if visit.private:
        city = device = browser = os = None
    else:
        device, browser, os = agent.device, agent.browser, agent.os
    # Visitor hashes only for profiles in the consent mode, for visitors who agreed;
    # every other view is counted without one. DNT and GPC win over consent.
    visitors: dict[str, str] = {}
    if visit.consented and not visit.private and directory is not None:
        hashed = await directory.consent_profiles(
            ports.db, sorted({e.profile_id for e in events if e.profile_id is not None})
        )
        counted = [e for e in events if e.profile_id in hashed]
        if counted:
            visitors = await _visitors(ports, visit, counted)
    referrer_of, utm_of = sources.referrer_of, sources.utm_of
    own_referrer, host = visit.referrer, visit.host
    rows: list[repo.EventRow] = []
    for e in events:
        profile_id = e.profile_id
        owner = e.owner_id or owners.get(profile_id or "")
        if owner is None:
            continue
        ref_host, ref_url = referrer_of(
            e.referrer if e.referrer is not None else own_referrer, host
        )
        utm_source, utm_medium, utm_campaign = utm_of(e.query)
        properties = e.properties
        rows.append(
            (
                at_ms,
                e.type,
                owner,
                profile_id,
                e.link_id,
                e.content_id,
                visitors.get(profile_id or "") if visitors else None,
                country,
                region,
                city,
                device,
                browser,
                os,
                timezone,
                e.tz_offset if e.tz_offset is not None else offset,
                ref_host,
                ref_url,
                utm_source,
                utm_medium,
                utm_campaign,
                e.load_ms,
                e.response_bytes,
                e.x,
                e.y,
                e.selector,
                e.path,
                None if properties is None else json.dumps(properties, separators=(",", ":")),
            )
        )
    return rows


async def _visitors(ports: Ports, visit: Visit, events: Sequence[Pending]) -> dict[str, str]:
    """The visitor hash for each profile of ``events``, with yesterday's kept in the grace."""
    day = salts.day_of(visit.at)
    salt = await salts.salt_for(ports.kv, day, visit.at)
    profiles = sorted({e.profile_id for e in events if e.profile_id is not None})
    hashes = {p: salts.visitor_hash(salt, p, visit.client_key, visit.user_agent) for p in profiles}
    since_midnight = visit.at - day * salts.DAY
    if since_midnight < salts.GRACE_SECONDS:
        previous_salt = await salts.salt_for(ports.kv, day - 1, visit.at)
        previous = {
            p: salts.visitor_hash(previous_salt, p, visit.client_key, visit.user_agent)
            for p in profiles
        }
        since_ms = int((day * salts.DAY - salts.GRACE_SECONDS) * 1000)
        seen = await repo.seen_since(ports.db, list(previous.items()), since_ms)
        for p, h in previous.items():
            if h in seen:
                hashes[p] = h
    return hashes


class Recorder:
    """Analytics' side of ``core.events.EventRecorder``."""

    def record_after_response(self, request: Request, event: ServerEvent) -> None:
        record_after_response(request, event)
