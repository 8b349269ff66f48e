"""The Worker as workerd would drive it, for the tier's end-to-end tests.

``worker()`` gives the bundle's ``entry.Default`` (the runtime SDK's real
``WorkerEntrypoint`` and ASGI bridge) over Miniflare's bindings, emptied and
migrated: every ``d1_migrations/*.sql`` applied in order and recorded in
``d1_migrations`` as ``wrangler d1 migrations apply`` does. Requests are real JS
``Request`` objects; answers are read from the JS ``Response``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import _tier  # type: ignore[import-not-found]  # registered by tier.mjs
import js  # type: ignore[import-not-found]
from pyodide.ffi import to_js  # type: ignore[import-not-found]

MIGRATIONS = Path("/tier/d1_migrations")  # mounted by tier.mjs
ORIGIN = "https://creator-edge.example"
CHROME = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/130.0.0.0 Safari/537.36"
)


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    text: str

    def json(self) -> Any:
        return json.loads(self.text)


class Worker:
    def __init__(self, default: Any, ctx: Any) -> None:
        self.default, self.ctx = default, ctx

    async def fetch(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        body: str | bytes | None = None,
        headers: dict[str, str] | None = None,
        ip: str = "203.0.113.9",
    ) -> Answer:
        sent = {"cf-connecting-ip": ip, "user-agent": CHROME, **(headers or {})}
        if json_body is not None:
            body = json.dumps(json_body)
            sent.setdefault("content-type", "application/json")
        init: dict[str, Any] = {"method": method, "headers": sent}
        if body is not None:
            init["body"] = body.encode() if isinstance(body, str) else body
        request = js.Request.new(ORIGIN + path, to_js(init, dict_converter=js.Object.fromEntries))
        response = await self.default.fetch(request)
        text = await response.text()
        answered = {str(pair[0]): str(pair[1]) for pair in response.headers}
        return Answer(int(response.status), answered, str(text))

    async def settle(self) -> None:
        """Wait for the work handed to ``ctx.waitUntil``, as workerd does after the response."""
        await self.ctx.settle()


async def migrate(db: Any) -> None:
    await db.prepare(
        "CREATE TABLE IF NOT EXISTS d1_migrations (id INTEGER PRIMARY KEY AUTOINCREMENT, "
        "name TEXT UNIQUE, applied_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP NOT NULL)"
    ).run()
    for path in sorted(MIGRATIONS.glob("[0-9][0-9][0-9][0-9]_*.sql")):
        sql = "\n".join(
            line for line in path.read_text(encoding="utf-8").splitlines()
            if not line.lstrip().startswith("--")
        )  # fmt: skip
        statements = [s.strip() for s in re.split(r";\s*\n", sql) if s.strip()]
        record = db.prepare("INSERT INTO d1_migrations (name) VALUES (?)").bind(path.name)
        await db.batch(to_js([*(db.prepare(s) for s in statements), record]))


async def worker() -> Worker:
    """A fresh isolate's Worker over emptied, migrated bindings."""
    import entry  # type: ignore[import-not-found]  # build/worker/entry.py

    await _tier.reset()
    await migrate(_tier.env.DB)
    entry._built = None  # the app is built on the first request, as in a new isolate
    ctx = _tier.makeCtx()
    return Worker(entry.Default(ctx, _tier.env), ctx)


async def rows(sql: str, *params: Any) -> list[dict[str, Any]]:
    """Rows straight from Miniflare's D1, past the app."""
    statement = _tier.env.DB.prepare(sql)
    if params:
        statement = statement.bind(*params)
    return (await statement.all()).results.to_py()
