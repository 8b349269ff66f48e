"""The local runtime: the embedded default (a SQLite file, KV and counters in
SQLite or Redis, blobs in a folder), wired in one place. Never loaded at the edge."""

from __future__ import annotations

import asyncio
import functools
import gc
import json
import logging
import os
import secrets
import sys
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from fastapi import FastAPI

from core.clock import SystemClock
from core.defer import TaskDefer
from core.ports import Clock, Counter, KeyValue, Ports
from core.settings import Settings

if TYPE_CHECKING:
    from pydantic import SecretStr

    from core.jobs.local_scheduler import LocalScheduler

T = TypeVar("T")
log = logging.getLogger("creator_edge.local")
DATABASE_FILE = "creator-edge.sqlite3"
KV_FILE = "kv.sqlite3"
SECRETS_FILE = "secrets.json"


def load_settings(env: Mapping[str, str] | None = None, **overrides: object) -> Settings:
    """Settings from the environment; missing secrets come from (or go to) the data dir."""
    settings = Settings.from_env(os.environ if env is None else env, **overrides)
    if settings.secret_key and settings.ip_pepper:
        return settings
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    path = settings.data_dir / SECRETS_FILE
    stored: dict[str, str] = json.loads(path.read_text()) if path.exists() else {}
    changed = False
    for name in ("secret_key", "ip_pepper"):
        if name not in stored:
            stored[name] = secrets.token_urlsafe(32)
            changed = True
    if changed:
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(stored))
        tmp.chmod(0o600)
        tmp.replace(path)
    return settings.model_copy(
        update={
            "secret_key": settings.secret_key or _secret(stored["secret_key"]),
            "ip_pepper": settings.ip_pepper or _secret(stored["ip_pepper"]),
        }
    )


def _secret(value: str) -> SecretStr:
    from pydantic import SecretStr

    return SecretStr(value)


@functools.cache
def _malloc_trim() -> Callable[[int], object] | None:
    """glibc's ``malloc_trim``, looked up once; None where there is none (musl, macOS)."""
    if not sys.platform.startswith("linux"):
        return None
    import ctypes
    import ctypes.util

    name = ctypes.util.find_library("c")
    try:
        return ctypes.CDLL(name).malloc_trim if name else None
    except (OSError, AttributeError):
        return None


def _released(work: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
    """Run ``work``, then give the heap it freed back to the system: glibc keeps a
    thread's freed blocks in its arena otherwise (840 MB stayed after four large
    image decodes)."""
    try:
        return work(*args, **kwargs)
    finally:
        trim = _malloc_trim()
        if trim is not None:
            trim(0)


class SerialOffload:
    """The local ``Offload``: blocking work on one worker thread, a piece at a time,
    so image decodes that arrive together wait their turn instead of each holding
    its decoded pixels at once, and what each piece freed is returned to the system.
    The thread starts on first use."""

    def __init__(self) -> None:
        self._executor: ThreadPoolExecutor | None = None

    async def __call__(self, work: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
        if self._executor is None:
            self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="offload")
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(
            self._executor, functools.partial(_released, work, *args, **kwargs)
        )

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=False)
            self._executor = None


class LocalRuntime:
    """Ports made once for the process; migrations and the cron clock on startup;
    deferred work drained on shutdown."""

    name = "local"

    def __init__(
        self,
        settings: Settings,
        *,
        clock: Clock | None = None,
        run_scheduler: bool | None = None,
        freeze_heap: bool = False,
    ) -> None:
        from core.adapters.blobs_fs import FolderBlobStore
        from core.adapters.http_httpx import HttpxClient
        from core.adapters.kdf_hashlib import HashlibKdf
        from core.adapters.sqlite import SQLiteDatabase
        from core.analytics import EventWriter, MaxMindCity

        self.settings = settings
        data = Path(settings.data_dir)
        data.mkdir(parents=True, exist_ok=True)
        clock = clock or SystemClock()
        self.defer = TaskDefer()
        self.database = SQLiteDatabase(data / DATABASE_FILE)
        self.http = HttpxClient()
        self.analytics_writer = EventWriter(self.database)
        self.offload = SerialOffload()
        self._redis: Any = None
        kv: KeyValue
        counter: Counter
        from core.resilience import FallbackCounter, MemoryCounter, TolerantKeyValue

        if settings.redis_url:
            from core.adapters.kv_redis import RedisCounter, RedisKeyValue, from_url

            self._redis = from_url(settings.redis_url)
            kv, counter = RedisKeyValue(self._redis), RedisCounter(self._redis)
        else:
            from core.adapters.kv_sqlite import SQLiteCounter, SQLiteKeyValue

            kv, counter = SQLiteKeyValue(data / KV_FILE, clock), SQLiteCounter(data / KV_FILE)
        if settings.redis_url or settings.rate_counter == "file":
            # Shared by every process. Redis (or the file) down degrades: the rate
            # limits count in this process, /api/health says so; no request fails.
            counter = FallbackCounter(counter, clock)
        else:
            # One process serves the data dir: its own memory is exact and costs
            # no file write per request.
            counter = MemoryCounter()
        self._ports = Ports(
            db=self.database,
            # KV down reads as a miss and keeps its writes for later.
            kv=TolerantKeyValue(kv, clock),
            counter=counter,
            blobs=FolderBlobStore(data / "blobs"),
            clock=clock,
            http=self.http,
            defer=self.defer,
            kdf=HashlibKdf(),
            # Blocking work (image re-encoding) goes to one worker thread.
            offload=self.offload,
            # Analytics events are buffered and written many a statement (the edge has
            # no process to buffer in: there each request's events are one write).
            events=self.analytics_writer,
            **_ai_ports(settings, self.http, self.database, clock, self.offload),
        )
        self._geoip = MaxMindCity(settings.geoip_db) if settings.geoip_db else None
        self._run_scheduler = settings.run_cron if run_scheduler is None else run_scheduler
        self._scheduler: LocalScheduler | None = None
        self._started = False
        self._freeze_heap = freeze_heap

    def ports(self, scope: object = None) -> Ports:
        return self._ports

    def request_facts(self, scope: object) -> dict[str, str]:
        """CF-IPCountry-style headers, else the MaxMind database when one is configured."""
        from core.analytics import local_facts

        return local_facts(scope, self._geoip, self.settings.client_ip_header)

    async def startup(self) -> None:
        if self._started:
            return
        await self.migrate()
        from core.analytics import warm_agents as warm

        warm()  # the user-agent rules load once here, not on the first event
        if self._run_scheduler:
            from core.features import run_cron
            from core.jobs.local_scheduler import LocalScheduler
            from core.jobs.schedule import CRONS

            async def fire(expression: str, at: float) -> object:
                return await run_cron(expression, self._ports, self.settings, scheduled_time=at)

            scheduler = LocalScheduler(CRONS, fire)
            scheduler.start()
            self._scheduler = scheduler
        self._started = True
        if self._freeze_heap:
            # What startup built (the app, its routes and models, the imported
            # modules) lives as long as the process: out of the collector's sight,
            # a full collection under load no longer walks all of it.
            gc.collect()
            gc.freeze()

    async def migrate(self) -> list[str]:
        from core.migrations import migrate

        applied = await migrate(self.database)
        if applied:
            log.info("applied migrations: %s", ", ".join(applied))
        return applied

    async def shutdown(self) -> None:
        """Stop the cron clock, finish deferred work within the grace period, close."""
        grace = self.settings.shutdown_grace
        if self._scheduler is not None:
            await self._scheduler.stop(grace)
            self._scheduler = None
        await self.defer.drain(grace)
        await self.analytics_writer.close()
        self.offload.close()
        if self._geoip is not None:
            self._geoip.close()
        await self.http.aclose()
        if self._redis is not None:
            await self._redis.aclose()
        await self.database.close()
        self._started = False


def create_local_app(settings: Settings | None = None, **runtime_options: object) -> FastAPI:
    """The app on the embedded default, as ``python -m core serve`` runs it."""
    from core.app import create_app

    settings = settings or load_settings()
    return create_app(settings, LocalRuntime(settings, **runtime_options))  # type: ignore[arg-type]


def _ai_ports(settings: Settings, http: Any, db: Any, clock: Clock, offload: Any) -> dict[str, Any]:
    """Content's AI services for a local run, as the settings name them."""
    found: dict[str, Any] = {}
    if settings.ai_url:
        from core.adapters.text_openai import OpenAICompatibleGenerator

        found["text"] = OpenAICompatibleGenerator(
            http,
            settings.ai_url,
            settings.ai_model,
            settings.ai_key.get_secret_value() if settings.ai_key else None,
            settings.ai_timeout,
        )
    if settings.embeddings == "wordllama":
        from core.adapters.embeddings_wordllama import DIMENSIONS, WordLlamaEmbeddings
        from core.adapters.vectors_sqlite import SQLiteVectorIndex

        found["embeddings"] = WordLlamaEmbeddings(offload)
        found["vectors"] = SQLiteVectorIndex(db, clock, DIMENSIONS)
    return found
