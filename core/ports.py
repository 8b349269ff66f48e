"""The ports: what core needs from the outside world, in its own terms.

Every adapter (SQLite, Redis, a folder, or the Cloudflare bindings in
``worker/``) implements one of these Protocols. Core imports only this module,
never an adapter.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol, TypeVar

T = TypeVar("T")
Param = None | int | float | str | bytes
Row = dict[str, Any]

# D1's limit on bound parameters in one statement.
MAX_BOUND_PARAMETERS = 100


# --------------------------------------------------------------------- Database


class DatabaseError(Exception):
    """A statement failed in the database."""


class IntegrityError(DatabaseError):
    """A constraint (UNIQUE, FOREIGN KEY, CHECK, NOT NULL) refused the write."""


class D1LimitError(DatabaseError):
    """The statement would not run on D1: too many parameters, or forbidden SQL."""


@dataclass(frozen=True, slots=True)
class Statement:
    """One SQL statement and its bound parameters, for ``Database.batch``."""

    sql: str
    params: tuple[Param, ...] = ()


def stmt(sql: str, *params: Param) -> Statement:
    return Statement(sql, params)


@dataclass(frozen=True, slots=True)
class RunResult:
    """What a write reports: D1's ``meta.changes`` and ``meta.last_row_id``,
    and the rows of a ``RETURNING`` clause."""

    changes: int
    last_row_id: int | None
    rows: list[Row] = field(default_factory=list)


class Database(Protocol):
    """D1's model: prepared statements, no explicit transactions, atomic batches."""

    async def all(self, sql: str, *params: Param) -> list[Row]: ...

    async def first(self, sql: str, *params: Param) -> Row | None: ...

    async def run(self, sql: str, *params: Param) -> RunResult: ...

    async def batch(self, statements: Sequence[Statement]) -> list[RunResult]:
        """Run all statements as one transaction: all succeed or none is applied."""
        ...


# --------------------------------------------------------------------- KeyValue

# KV refuses an expirationTtl under 60 seconds; adapters raise shorter ttls to it.
KV_MIN_TTL = 60


@dataclass(frozen=True, slots=True)
class KeyPage:
    keys: list[str]
    cursor: str | None  # None when the listing is complete


class KeyValue(Protocol):
    """Workers KV's semantics: last write wins, values are text, optional expiry.

    A ``ttl`` below ``KV_MIN_TTL`` is raised to it, the same everywhere.
    """

    async def get(self, key: str) -> str | None: ...

    async def put(self, key: str, value: str, *, ttl: int | None = None) -> None: ...

    async def delete(self, key: str) -> None: ...

    async def list(
        self, prefix: str = "", *, limit: int = 1000, cursor: str | None = None
    ) -> KeyPage: ...


# ---------------------------------------------------------------------- Counter


@dataclass(frozen=True, slots=True)
class WindowCount:
    """The state of one key's sliding window after a ``Counter.hit``.

    ``previous`` is the count of the fixed window before the current one,
    ``current`` the count of the current fixed window (including this hit
    when it was admitted). ``exact`` is False where the adapter can only
    approximate (the edge).
    """

    allowed: bool
    previous: int
    current: int
    exact: bool = True


class Counter(Protocol):
    """Atomic counting in fixed windows, for sliding-window rate limits.

    ``hit`` admits the request when the sliding estimate
    ``previous * (1 - elapsed/window) + current + cost`` stays within ``limit``
    and only then adds ``cost`` to the current window; the check and the
    increment are one atomic step. ``now`` is epoch seconds from the caller's
    clock, so windows are the same for every adapter.
    """

    async def hit(
        self, key: str, *, limit: int, window: int, now: float, cost: int = 1
    ) -> WindowCount: ...


# -------------------------------------------------------------------- BlobStore


@dataclass(frozen=True, slots=True)
class ByteRange:
    """R2's range: ``offset`` and ``length``, or the last ``suffix`` bytes."""

    offset: int | None = None
    length: int | None = None
    suffix: int | None = None


class RangeNotSatisfiable(Exception):
    """The requested range lies outside the object."""


@dataclass(frozen=True, slots=True)
class BlobMeta:
    key: str
    size: int
    etag: str  # quoted-less strong ETag, as R2's ``etag`` (``httpEtag`` adds quotes)
    content_type: str
    uploaded: datetime
    custom_metadata: Mapping[str, str] = field(default_factory=dict)

    @property
    def http_etag(self) -> str:
        return f'"{self.etag}"'


@dataclass(frozen=True, slots=True)
class Conditions:
    """Conditional read headers, as R2's ``onlyIf``."""

    if_none_match: str | None = None  # an etag (quoted or not) or "*"
    if_match: str | None = None
    if_modified_since: datetime | None = None


@dataclass(slots=True)
class Blob:
    """An object read from the store.

    ``body`` is None when a condition did not hold (the caller answers 304 or
    412); otherwise it yields the object's bytes, or the range's.
    ``served_range`` is ``(offset, length)`` of what the body holds.
    """

    meta: BlobMeta
    body: AsyncIterator[bytes] | None
    served_range: tuple[int, int] | None = None

    async def read(self) -> bytes:
        if self.body is None:
            return b""
        return b"".join([chunk async for chunk in self.body])


@dataclass(frozen=True, slots=True)
class BlobPage:
    items: list[BlobMeta]
    cursor: str | None


class BlobStore(Protocol):
    """R2's model: whole-object writes, range and conditional reads."""

    # Where the objects live, as recorded with them ("r2", "local").
    provider: str

    async def put(
        self,
        key: str,
        data: bytes,
        *,
        content_type: str,
        metadata: Mapping[str, str] | None = None,
    ) -> BlobMeta: ...

    async def get(
        self,
        key: str,
        *,
        range: ByteRange | None = None,
        conditions: Conditions | None = None,
    ) -> Blob | None: ...

    async def head(self, key: str) -> BlobMeta | None: ...

    async def delete(self, keys: str | Sequence[str]) -> None: ...

    async def list(
        self, prefix: str = "", *, limit: int = 1000, cursor: str | None = None
    ) -> BlobPage: ...


# ------------------------------------------------------- Clock, HTTP and Defer


class Clock(Protocol):
    def now(self) -> float:
        """Seconds since the epoch."""
        ...


@dataclass(frozen=True, slots=True)
class HttpResponse:
    status: int
    headers: Mapping[str, str]  # lower-case names
    body: bytes

    def json(self) -> Any:
        import json

        return json.loads(self.body)


class HttpError(Exception):
    """The request did not complete: timeout, connection failure, bad URL."""


class HttpClient(Protocol):
    """Outbound HTTP. Every call has a timeout; none waits forever."""

    async def request(
        self,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        body: bytes | None = None,
        timeout: float = 10.0,
    ) -> HttpResponse: ...


class Kdf(Protocol):
    """PBKDF2-HMAC-SHA256. At the edge this is WebCrypto (native code, and capped by
    Workers at ``KDF_MAX_ITERATIONS`` a call); locally, hashlib."""

    async def pbkdf2_sha256(self, password: bytes, salt: bytes, iterations: int) -> bytes: ...


# Workers' WebCrypto refuses PBKDF2 above this many iterations in one call.
KDF_MAX_ITERATIONS = 100_000


class Defer(Protocol):
    """Work that runs after the response: ``ctx.waitUntil`` at the edge,
    a tracked task locally. Failures are logged, never raised to the caller."""

    def __call__(self, work: Awaitable[None]) -> None: ...


class Offload(Protocol):
    """Runs blocking work (image re-encoding) off the event loop where the runtime
    can: a worker thread locally. At the edge (Pyodide) there are no threads, so it
    runs inline and holds its isolate for its CPU time, which counts against the
    Worker's CPU limit."""

    async def __call__(self, work: Callable[..., T], /, *args: Any, **kwargs: Any) -> T: ...


async def run_inline(work: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
    """The ``Offload`` of a runtime without threads."""
    return work(*args, **kwargs)


class EventSink(Protocol):
    """A runtime's buffer for analytics rows, written many a statement (the local
    server has one process to buffer in; the edge does not, and has none)."""

    def add(self, rows: Sequence[tuple[Any, ...]]) -> None: ...


# ------------------------------------------------------------------ AI services


class AiUnavailable(Exception):
    """An AI service (a generator, an embedding model, a vector index) did not answer
    in time or answered with an error: the feature answers 503 and stores nothing."""


@dataclass(frozen=True, slots=True)
class Generated:
    text: str
    model: str


class TextGenerator(Protocol):
    """Text from a prompt: Workers AI at the edge, an OpenAI-compatible chat-completions
    endpoint locally. Raises ``AiUnavailable``; never waits past its timeout."""

    async def generate(self, system: str, prompt: str, *, max_tokens: int) -> Generated: ...


class Embeddings(Protocol):
    """Unit-length vectors for texts, all of ``dimensions`` numbers, from ``model``."""

    model: str
    dimensions: int

    async def embed(self, texts: Sequence[str]) -> list[list[float]]: ...


@dataclass(frozen=True, slots=True)
class VectorMatch:
    id: str
    score: float  # cosine similarity, higher is nearer


class VectorIndex(Protocol):
    """Vectors by id with the two facts a query filters on: whose, and whether public.
    Vectorize at the edge, a table in SQLite locally."""

    async def upsert(
        self, id: str, vector: Sequence[float], *, owner_id: str, public: bool
    ) -> None: ...

    async def delete(self, ids: Sequence[str]) -> None: ...

    async def delete_owner(self, owner_id: str) -> None: ...

    async def query(
        self, vector: Sequence[float], *, top_k: int, owner_id: str, include_public: bool
    ) -> list[VectorMatch]:
        """The nearest ``top_k`` of the owner's vectors (and the public ones too)."""
        ...


# ---------------------------------------------------------------- the bundle


@dataclass(slots=True)
class Ports:
    """Everything a request or a job can reach outside core."""

    db: Database
    kv: KeyValue
    counter: Counter
    blobs: BlobStore
    clock: Clock
    http: HttpClient
    defer: Defer
    kdf: Kdf
    offload: Offload = run_inline
    events: EventSink | None = None
    # AI services where the runtime has them: content answers 503 without them.
    text: TextGenerator | None = None
    embeddings: Embeddings | None = None
    vectors: VectorIndex | None = None
