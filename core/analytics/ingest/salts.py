"""Daily salts for the visitor hash, kept in KV.

A visitor is ``blake2b(profile, address hash, user agent; key = the day's salt)``:
the same person is the same visitor on one profile for one UTC day, and
cannot be followed across days or profiles. Each salt is 16 random bytes
made for its day (the daily job makes tomorrow's ahead, so isolates at the
edge rarely race to make one); KV expires it 48 hours after its day began,
and the job deletes any older one it finds. Yesterday's salt is kept for
visitors whose visit crosses midnight (see ``GRACE_SECONDS``).
"""

from __future__ import annotations

import os
import weakref
from hashlib import blake2b

from core.ports import KeyValue

PREFIX = "analytics:salt:"
DAY = 86400
# In the first half hour of a day a visitor already seen late yesterday keeps
# yesterday's hash, so one visit is not two visitors.
GRACE_SECONDS = 1800

_cache: weakref.WeakKeyDictionary[object, dict[int, bytes]] = weakref.WeakKeyDictionary()


def day_of(at: float) -> int:
    return int(at // DAY)


def _key(day: int) -> str:
    return f"{PREFIX}{day:06d}"


def _ttl(day: int, now: float) -> int:
    return max(60, int((day + 2) * DAY - now))


async def salt_for(kv: KeyValue, day: int, now: float) -> bytes:
    """The salt of UTC day ``day`` (days since the epoch), made if it does not exist yet."""
    try:
        known = _cache.setdefault(kv, {})
    except TypeError:  # a KV object that cannot be weakly referenced
        known = {}
    salt = known.get(day)
    if salt is not None:
        return salt
    stored = await kv.get(_key(day))
    if stored is not None:
        salt = bytes.fromhex(stored)
    else:
        salt = os.urandom(16)
        await kv.put(_key(day), salt.hex(), ttl=_ttl(day, now))
    if len(known) > 64:  # days; a scripted backfill may touch many
        known.clear()
    known[day] = salt
    return salt


def visitor_hash(salt: bytes, profile_id: str, client_key: str, user_agent: str) -> str:
    """The visitor of a profile for the salt's day: 16 hex digits, not reversible."""
    data = f"{profile_id}\x00{client_key}\x00{user_agent}".encode()
    return blake2b(data, key=salt, digest_size=8).hexdigest()


async def rotate(kv: KeyValue, now: float) -> dict[str, int]:
    """Make today's and tomorrow's salts if missing; delete every salt older than yesterday."""
    today = day_of(now)
    for day in (today, today + 1):
        await salt_for(kv, day, now)
    deleted = 0
    cursor = None
    while True:
        page = await kv.list(PREFIX, cursor=cursor)
        for key in page.keys:
            try:
                day = int(key.removeprefix(PREFIX))
            except ValueError:
                continue
            if day < today - 1:
                await kv.delete(key)
                deleted += 1
        cursor = page.cursor
        if cursor is None:
            break
    known = _cache.get(kv)
    if known:
        for day in [d for d in known if d < today - 1]:
            del known[day]
    return {"deleted": deleted}
