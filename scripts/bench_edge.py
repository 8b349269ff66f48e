"""The edge under Pyodide against the local server: cold start, memory, a request.

Each round runs ``scripts/bench_edge.mjs`` in a fresh Node process (the
interpreter loaded, the bundle's entry imported, the app built, then n GETs of
a public page through ``entry.Default.fetch`` over Miniflare's bindings), then
the same n GETs of the same page (``bench_public_page.seed``) on the local app
in this process (SQLite, called in-process through ASGI). Rounds interleave the
two, so a change in the machine's load falls on both; the figures are medians
over the rounds with their range. Needs ``scripts/test-pyodide`` to have run
once (the wheels and build/worker/).

    .venv/bin/python scripts/bench_edge.py [--rounds 5] [--requests 50]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scripts.asgi_bench import request_times  # noqa: E402
from scripts.bench_public_page import LINKS, PASSWORD, seed  # noqa: E402

HEADERS = [(b"user-agent", b"Mozilla/5.0 (X11; Linux x86_64) Chrome/130.0.0.0 Safari/537.36")]


def edge_round(n: int) -> dict:
    done = subprocess.run(
        [
            str(ROOT / "node_modules" / ".bin" / "node"),
            "--experimental-wasm-jspi",
            "--no-warnings",
            str(ROOT / "scripts" / "bench_edge.mjs"),
            str(n),
            # The same user, profile and links as bench_public_page.seed makes locally.
            json.dumps({"password": PASSWORD, "links": LINKS}),
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=600,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


async def local_round(n: int) -> list[float]:
    from core.app import create_app
    from core.local import LocalRuntime, load_settings

    with tempfile.TemporaryDirectory() as tmp:
        settings = load_settings(
            {}, data_dir=Path(tmp), rate_limit=10**9, run_cron=False, password_iterations=1000
        )
        runtime = LocalRuntime(settings, run_scheduler=False)
        await runtime.startup()
        try:
            app = create_app(settings, runtime)
            transport = httpx.ASGITransport(app=app, client=("203.0.113.5", 50000))
            async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
                path = await seed(client)
            times = await request_times(app, path, HEADERS, n)
            await runtime.defer.drain(30)
            return [t * 1000 for t in times]
        finally:
            await runtime.shutdown()


def spread(values: list[float]) -> str:
    return f"{statistics.median(values):.1f} ({min(values):.1f}-{max(values):.1f})"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--requests", type=int, default=50)
    args = parser.parse_args()
    edge, local = [], []
    for _ in range(args.rounds):
        edge.append(edge_round(args.requests))
        local.append(asyncio.run(local_round(args.requests)))
    cold = [r["import_ms"] + r["build_app_ms"] for r in edge]
    page_edge = [statistics.median(r["page_ms"]) for r in edge]
    page_local = [statistics.median(t) for t in local]
    ratios = [e / lo for e, lo in zip(page_edge, page_local, strict=True)]
    calls = [statistics.median(r["binding_call_ms"]) for r in edge]
    rows = [
        ("load Pyodide + install the wheels", [r["load_pyodide_ms"] for r in edge], "ms"),
        ("import the worker's modules", [r["import_ms"] for r in edge], "ms"),
        ("build the app", [r["build_app_ms"] for r in edge], "ms"),
        ("cold start (import + build)", cold, "ms (limit 1000 ms)"),
        ("first request after build", [r["first_request_ms"] for r in edge], "ms"),
        ("WebAssembly memory after install", [r["wasm_mb_after_install"] for r in edge], "MB"),
        ("WebAssembly memory, peak", [r["wasm_mb_peak"] for r in edge], "MB (limit 128 MB)"),
        ("JS heap of the Node process", [r["js_heap_mb"] for r in edge], "MB"),
        ("one binding call (KV get, D1 first)", calls, "ms"),
        ("public page, edge path (Pyodide)", page_edge, "ms a request"),
        ("public page, local in-process", page_local, "ms a request"),
        ("ratio edge / local", ratios, "x"),
    ]
    print(f"rounds: {args.rounds}, {args.requests} GETs of a public page each; median (range)")
    for label, values, unit in rows:
        print(f"{label:<36}: {spread(values)} {unit}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
