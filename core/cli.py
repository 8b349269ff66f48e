"""``python -m core``: serve the product locally, migrate, or run a cron once."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import sys
from dataclasses import asdict
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fastapi import FastAPI

    from core.settings import Settings

from core.local_logging import LOG_FORMAT, buffer_access_log, lean_log_records


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m core", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="serve the product on the embedded default")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8787)
    commands.add_parser("migrate", help="apply pending d1_migrations/ to the local database")
    cron = commands.add_parser("cron", help="run one schedule's jobs once")
    cron.add_argument("expression", help='a cron of wrangler.toml, e.g. "*/5 * * * *"')
    role = commands.add_parser("set-role", help="give an account a role (e.g. the first admin)")
    role.add_argument("login", help="the account's email or username")
    role.add_argument("role", choices=["creator", "influencer", "admin"])
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format=LOG_FORMAT)

    from core.local import load_settings

    settings = load_settings()
    if args.command == "serve":
        return _serve(settings, args.host, args.port)
    if args.command == "migrate":
        return asyncio.run(_migrate(settings))
    if args.command == "set-role":
        return asyncio.run(_set_role(settings, args.login, args.role))
    return asyncio.run(_cron(settings, args.expression))


def _serve(settings: Settings, host: str, port: int) -> int:
    from core.local import create_local_app

    serve_app(create_local_app(settings, freeze_heap=True), settings, host, port)
    return 0


def serve_app(app: FastAPI, settings: Settings, host: str, port: int) -> None:
    """Serve ``app`` with uvicorn until Ctrl-C; shutdown then drains deferred work."""
    import uvicorn

    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        # uvicorn's access log prints client addresses; the pipeline logs
        # requests itself, without them.
        access_log=False,
        # The client address comes only from what the settings trust: the socket
        # peer, or CREATOR_EDGE_CLIENT_IP_HEADER when a proxy sets it. uvicorn's
        # default trusts X-Forwarded-For from loopback, which let a client on the
        # same host (or behind a local proxy) rotate the header past every limit.
        proxy_headers=False,
        forwarded_allow_ips=[],
        log_config=None,
        lifespan="on",
        timeout_graceful_shutdown=max(1, int(settings.shutdown_grace)),
        server_header=False,
    )
    logging.getLogger("creator_edge").info(
        "serving on http://%s:%d (data in %s)", host, port, settings.data_dir
    )
    lean_log_records()
    access = buffer_access_log()
    try:
        # uvicorn re-raises Ctrl-C once it has shut down cleanly: that is a normal exit.
        with contextlib.suppress(KeyboardInterrupt):
            uvicorn.Server(config).run()
    finally:
        access.close()  # writes every line still gathered


async def _migrate(settings: Settings) -> int:
    from core.local import LocalRuntime

    runtime = LocalRuntime(settings, run_scheduler=False)
    try:
        applied = await runtime.migrate()
    finally:
        await runtime.shutdown()
    print(json.dumps({"applied": applied}))
    return 0


async def _cron(settings: Settings, expression: str) -> int:
    from core.features import SCHEDULE, run_cron
    from core.local import LocalRuntime

    if expression not in SCHEDULE:
        print(
            f"unknown cron {expression!r}; the schedule has: {', '.join(SCHEDULE)}", file=sys.stderr
        )
        return 2
    runtime = LocalRuntime(settings, run_scheduler=False)
    await runtime.startup()
    try:
        outcomes = await run_cron(expression, runtime.ports(), settings)
    finally:
        await runtime.shutdown()
    print(json.dumps({"cron": expression, "jobs": [asdict(o) for o in outcomes]}))
    return 1 if any(o.outcome == "failed" for o in outcomes) else 0


async def _set_role(settings: Settings, login: str, role: str) -> int:
    """Set a role from the machine itself: how the first admin is made."""
    from core.identity import set_role_by_login
    from core.local import LocalRuntime

    runtime = LocalRuntime(settings, run_scheduler=False)
    await runtime.startup()
    try:
        user = await set_role_by_login(runtime.ports(), login, role)
        if user is None:
            print(f"no account has the email or username {login!r}", file=sys.stderr)
            return 1
    finally:
        await runtime.shutdown()
    print(json.dumps({"user": user["username"], "role": role}))
    return 0
