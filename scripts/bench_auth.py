"""Benchmark: authenticating a request, and the password hash, here and at the edge.

1. The cost of authentication on top of the pipeline: the same handler with and
   without ``Depends(current_actor)``, a valid access token on every request,
   interleaved rounds in one process; the database is watched to prove the
   authenticated path runs no query (target: under 0.2 ms, no query).
2. The password hash (PBKDF2-SHA256, 600,000 iterations as 6 x 100,000):
   - here, with hashlib (OpenSSL);
   - at the edge, estimated two ways with Node 22 from node_modules: WebCrypto's
     PBKDF2 (what worker/crypto.py calls; native, like workerd's), and, for the
     record, a pure-Python PBKDF2 under Pyodide 0.28 (the runtime of Python
     Workers), which is why the edge goes through WebCrypto.

Run: .venv/bin/python scripts/bench_auth.py [--skip-pyodide]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from fastapi import APIRouter, Depends  # noqa: E402

from core.adapters.kdf_hashlib import HashlibKdf  # noqa: E402
from core.app import create_app  # noqa: E402
from core.data.actor import Actor  # noqa: E402
from core.identity.auth import current_actor  # noqa: E402
from core.identity.passwords import PasswordHasher  # noqa: E402
from core.local import LocalRuntime, load_settings  # noqa: E402
from scripts.asgi_bench import mean_time  # noqa: E402

PYODIDE_VERSION = "0.28.3"


class CountingDatabase:
    """Wraps the database to count every statement that reaches it."""

    def __init__(self, inner) -> None:
        self.inner, self.calls = inner, 0

    def __getattr__(self, name: str):
        attr = getattr(self.inner, name)
        if name in ("all", "first", "run", "batch"):

            async def counted(*args, **kwargs):
                self.calls += 1
                return await attr(*args, **kwargs)

            return counted
        return attr


def routes() -> APIRouter:
    router = APIRouter()

    @router.get("/bench/open")
    async def open_route() -> dict:
        return {"ok": True}

    @router.get("/bench/authed")
    async def authed(actor: Actor = Depends(current_actor)) -> dict:
        return {"ok": True, "user": actor.user_id}

    return router


async def drive(app, path: str, headers: list, n: int) -> float:
    return await mean_time(app, path, headers, n)


async def bench_auth(requests: int, rounds: int) -> None:
    from tests.conftest import make_client, register

    with tempfile.TemporaryDirectory() as tmp:
        settings = load_settings(
            {}, data_dir=Path(tmp), rate_limit=10**9, run_cron=False, password_iterations=1000
        )
        runtime = LocalRuntime(settings, run_scheduler=False)
        await runtime.startup()
        app = create_app(settings, runtime)
        app.include_router(routes())
        async with make_client(app) as client:
            tokens = await register(client, "bench")
        headers = [
            (b"host", b"bench"),
            (b"user-agent", b"bench/1.0"),
            (b"authorization", f"Bearer {tokens['access_token']}".encode()),
        ]
        counting = CountingDatabase(runtime.ports().db)
        runtime.ports().db = counting  # type: ignore[misc]
        await drive(app, "/bench/open", headers, 300)
        await drive(app, "/bench/authed", headers, 300)
        counting.calls = 0
        open_t, authed_t = [], []
        for _ in range(rounds):
            open_t.append(await drive(app, "/bench/open", headers, requests))
            authed_t.append(await drive(app, "/bench/authed", headers, requests))
        extra = (statistics.median(authed_t) - statistics.median(open_t)) * 1e3
        print(f"request, no auth        : {statistics.median(open_t) * 1e6:7.1f} us")
        print(f"request, bearer token   : {statistics.median(authed_t) * 1e6:7.1f} us")
        print(f"authentication adds     : {extra:7.3f} ms  (target < 0.2 ms)")
        print(
            f"database statements     : {counting.calls} for "
            f"{rounds * requests * 2} requests (target 0)"
        )
        await runtime.shutdown()


def node() -> str:
    path = ROOT / "node_modules" / ".bin" / "node"
    return str(path) if path.exists() else "node"


WEBCRYPTO_JS = """
const enc = new TextEncoder();
const runs = [];
for (let r = 0; r < 5; r++) {
  const t0 = performance.now();
  let key = enc.encode("correct horse battery");
  for (let i = 0; i < 6; i++) {
    const k = await crypto.subtle.importKey("raw", key, "PBKDF2", false, ["deriveBits"]);
    key = new Uint8Array(await crypto.subtle.deriveBits(
      {name: "PBKDF2", hash: "SHA-256", salt: enc.encode("0123456789abcdef"), iterations: 100000},
      k, 256));
  }
  runs.push(performance.now() - t0);
}
runs.sort((a, b) => a - b);
console.log(JSON.stringify({median_ms: runs[2]}));
"""

PYODIDE_JS = """
import { loadPyodide } from "pyodide";
const py = await loadPyodide();
console.log(py.runPython(`
import hashlib, json, time
def pbkdf2(password, salt, iterations):
    inner, outer = hashlib.sha256(), hashlib.sha256()
    key = password.ljust(64, b"\\\\0")
    inner.update(bytes(b ^ 0x36 for b in key)); outer.update(bytes(b ^ 0x5C for b in key))
    def prf(msg):
        i = inner.copy(); i.update(msg); o = outer.copy(); o.update(i.digest()); return o.digest()
    u = prf(salt + b"\\\\0\\\\0\\\\0\\\\1"); acc = int.from_bytes(u, "big")
    for _ in range(iterations - 1):
        u = prf(u); acc ^= int.from_bytes(u, "big")
    return acc.to_bytes(32, "big")
t = time.perf_counter(); pbkdf2(b"correct horse battery", b"0123456789abcdef", 50_000)
json.dumps({"ms_per_100k": (time.perf_counter() - t) * 2000,
            "has_pbkdf2_hmac": hasattr(hashlib, "pbkdf2_hmac")})
`));
"""


def bench_edge_estimates(skip_pyodide: bool) -> None:
    out = subprocess.run(
        [node(), "--input-type=module", "-e", WEBCRYPTO_JS],
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
    )
    webcrypto = json.loads(out.stdout)["median_ms"]
    print(f"hash at the edge, WebCrypto estimate (Node 22): {webcrypto:7.0f} ms")
    if skip_pyodide:
        return
    where = Path(tempfile.gettempdir()) / f"creator-edge-pyodide-{PYODIDE_VERSION}"
    if not (where / "node_modules" / "pyodide").exists():
        where.mkdir(exist_ok=True)
        npm = shutil.which("npm") or "npm"
        subprocess.run(
            [
                npm,
                "install",
                "--no-audit",
                "--no-fund",
                "--loglevel=error",
                "--prefix",
                str(where),
                f"pyodide@{PYODIDE_VERSION}",
            ],
            check=True,
            timeout=300,
        )
    script = where / "bench.mjs"
    script.write_text(PYODIDE_JS)
    out = subprocess.run(
        [node(), str(script)], check=True, capture_output=True, text=True, timeout=300, cwd=where
    )
    result = json.loads(out.stdout.strip().splitlines()[-1])
    per = result["ms_per_100k"]
    print(
        f"hash under Pyodide {PYODIDE_VERSION}, pure Python: {per * 6:7.0f} ms "
        f"({per:.0f} ms per 100k; hashlib.pbkdf2_hmac present: "
        f"{result['has_pbkdf2_hmac']})"
    )


async def bench_local_hash() -> None:
    hasher = PasswordHasher(HashlibKdf())
    times = []
    for _ in range(5):
        t0 = time.perf_counter()
        await hasher.hash("correct horse battery")
        times.append(time.perf_counter() - t0)
    print(
        f"hash here, hashlib (600,000 iterations): {statistics.median(times) * 1e3:7.0f} ms"
        "  (OWASP ceiling 1000 ms)"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--skip-pyodide", action="store_true")
    args = parser.parse_args()
    asyncio.run(bench_auth(args.requests, args.rounds))
    asyncio.run(bench_local_hash())
    bench_edge_estimates(args.skip_pyodide)
