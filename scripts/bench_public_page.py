"""Benchmark: the public profile page (GET /p/{slug}) served from the cache.

1. In process: mean latency of the page through the whole app over ASGI (the
   pipeline, the slug lookup, the KV cache hit, the nonce, the view recorded
   after the response), sequentially; beside it the same page with KV down
   (rendered from the database every time), and the cache hit with the
   deferred view recording left out (what the response itself costs).
2. Over HTTP, against the machine's ceiling: ``python -m core serve`` in a
   subprocess on loopback (rate limit raised through CREATOR_EDGE_RATE_LIMIT),
   and beside it bare uvicorn, configured as ``serve`` configures it, answering
   every request with the bytes and headers the product sent for the page.
   ``wrk`` (Debian's package, sending a browser's User-Agent, so that every view
   is recorded as a visitor's) drives both, alternating which goes first round to
   round (``--rounds``, ``--duration`` seconds a run), in three modes: 100 and
   1000 connections closed loop (each sends its next request when the last is
   answered: throughput, and the ratio to bare uvicorn's in the same round), and
   1000 connections each pausing a random 0.5 to 1.5 s (``--think-ms``) between
   requests, about 1000 requests a second offered (p99, target under 50 ms, and
   its ratio). Medians of the rounds with their range, and the load average.
   ``--root`` serves another checkout with this script (a before and after).
   ``--rates`` adds runs at fixed offered rates from this script's own open-loop
   generator in a second process (latency counted from each request's
   scheduled time); it runs instead of wrk when wrk is missing. Being Python,
   it takes CPU from the server on a small machine.

Run: .venv/bin/python scripts/bench_public_page.py [--requests 3000]
     [--duration 10] [--rounds 3] [--think-ms 1000] [--rates 750]
     [--skip-http] [--skip-in-process] [--root ../other-checkout]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx

from scripts.asgi_bench import request_times

ROOT = Path(__file__).resolve().parent.parent
# The checkout whose ``python -m core serve`` is measured (``--root``: another
# commit's, for a before and after with this script and venv).
SERVED_ROOT = [ROOT]
PASSWORD = "correct horse battery"
LINKS = [
    ("Blog", "https://example.com/blog"),
    ("Newsletter", "https://example.com/newsletter"),
    ("Project", "https://github.com/example/project"),
    ("Talks", "https://example.com/talks"),
    ("Shop", "https://shop.example.com/"),
    ("Contact", "https://example.com/contact"),
]


async def seed(client: httpx.AsyncClient, slug: str = "bench") -> str:
    """A user with a public profile of six links; returns the page's path."""
    registered = await client.post(
        "/api/auth/register",
        json={"email": "bench@example.com", "username": "bencher", "password": PASSWORD},
    )
    registered.raise_for_status()
    auth = {"authorization": f"Bearer {registered.json()['access_token']}"}
    profile = await client.post(
        "/api/profiles",
        headers=auth,
        json={"slug": slug, "display_name": "Bench Mark", "bio": "Measured, not guessed."},
    )
    profile.raise_for_status()
    for title, url in LINKS:
        added = await client.post(
            f"/api/profiles/{profile.json()['id']}/links",
            headers=auth,
            json={"title": title, "url": url},
        )
        added.raise_for_status()
    return f"/p/{slug}"


# ---------------------------------------------------------------- in process


BROWSER = "Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0"
HEADERS = [
    (b"host", b"bench"),
    (b"user-agent", b"Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0"),
    (b"accept", b"text/html"),
]


async def drive(app, path: str, n: int) -> list[float]:
    """Seconds of each of ``n`` sequential requests."""
    return await request_times(app, path, HEADERS, n)


def summary(times: list[float]) -> str:
    ordered = sorted(times)
    p99 = ordered[int(len(ordered) * 0.99) - 1]
    return (
        f"mean {statistics.fmean(times) * 1e6:7.1f} us, p50 {statistics.median(times) * 1e6:7.1f}"
        f" us, p99 {p99 * 1e6:7.1f} us"
    )


async def in_process(requests: int) -> None:
    from core.app import create_app
    from core.local import LocalRuntime, load_settings

    with tempfile.TemporaryDirectory() as tmp:
        settings = load_settings({}, data_dir=Path(tmp), rate_limit=10**9, run_cron=False)
        runtime = LocalRuntime(settings, run_scheduler=False)
        await runtime.startup()
        app = create_app(settings, runtime)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            path = await seed(client)
        ports = runtime.ports()
        await drive(app, path, 200)  # warm: the page is cached, imports done
        await runtime.defer.drain(30)

        t0 = time.perf_counter()
        hit = await drive(app, path, requests)
        served = time.perf_counter() - t0
        await runtime.defer.drain(60)
        with_deferred = time.perf_counter() - t0
        print(f"cache hit                     : {summary(hit)}  ({requests} sequential)")
        print(
            f"  with the deferred view writes: {with_deferred / requests * 1e6:7.1f} us a request"
            f" ({served:.2f} s served, {with_deferred:.2f} s with the writes drained)"
        )

        real_defer = ports.defer

        def skip(work) -> None:
            work.close()

        ports.defer = skip  # type: ignore[assignment]
        print(f"cache hit, no view recorded   : {summary(await drive(app, path, requests))}")
        ports.defer = real_defer

        kv, real_get = ports.kv, ports.kv.get

        async def down(key: str) -> str | None:
            raise ConnectionError("KV is down")

        from core.profiles.public_page import page

        recent, page.RECENT_SECONDS = page.RECENT_SECONDS, 0.0  # no page kept in memory
        kv.get = down  # type: ignore[method-assign]
        quiet = logging.getLogger("creator_edge.profiles")
        quiet.disabled = True  # one warning a request says the cache is down
        miss = await drive(app, path, max(200, requests // 5))
        quiet.disabled = False
        kv.get = real_get  # type: ignore[method-assign]
        page.RECENT_SECONDS = recent
        await runtime.defer.drain(60)
        print(f"KV down, rendered from the DB : {summary(miss)}")
        await runtime.shutdown()


# ---------------------------------------------------------------- over HTTP


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(data_dir: Path, port: int, log_path: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "CREATOR_EDGE_DATA_DIR": str(data_dir),
        "CREATOR_EDGE_RATE_LIMIT": str(10**9),
        "CREATOR_EDGE_RUN_CRON": "0",
        "CREATOR_EDGE_PASSWORD_ITERATIONS": "1000",
        "CREATOR_EDGE_SHUTDOWN_GRACE": "30",
    }
    env.pop("REDIS_URL", None)
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "core", "serve", "--port", str(port)],
            cwd=SERVED_ROOT[0],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the server exited:\n{log_path.read_text()}")
        try:
            if httpx.get(f"{base}/api/health", timeout=2).status_code == 200:
                return process
        except httpx.TransportError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit("the server did not start")


def stop_server(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


THINK_LUA = """
function delay()
  return math.random({low}, {high})
end
"""


def run_wrk(url: str, connections: int, duration: int, think_ms: int | None) -> dict[str, Any]:
    """One wrk run: closed loop, or with a pause of about ``think_ms`` between
    a connection's requests. Latencies in milliseconds."""
    # A browser's User-Agent: wrk sends none, and a request without one is a bot's,
    # whose view is not recorded (the product's work for a visitor would be skipped).
    command = ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--timeout", "10s"]
    command += ["-H", f"User-Agent: {BROWSER}"]
    with tempfile.NamedTemporaryFile("w", suffix=".lua") as script:
        if think_ms:
            script.write(THINK_LUA.format(low=think_ms // 2, high=think_ms * 3 // 2))
            script.flush()
            command += ["-s", script.name]
        out = subprocess.run(
            [*command, "--latency", url],
            capture_output=True,
            text=True,
            timeout=duration + 60,
            check=True,
        ).stdout
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    total = re.search(r"(\d+) requests in", out)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    lat = dict(re.findall(r"^\s+(50|90|99)%\s+(\S+)", out, re.MULTILINE))
    return {
        "rps": float(rps.group(1)) if rps else 0.0,
        "requests": int(total.group(1)) if total else 0,
        "errors": sum(int(n) for n in errors.groups()) if errors else 0,
        "non2xx": int(non2xx.group(1)) if non2xx else 0,
        **{f"p{q}": _ms(lat.get(q, "0us")) for q in ("50", "90", "99")},
    }


def _ms(text: str) -> float:
    """wrk's latency ("812.00us", "3.51ms", "1.20s") in milliseconds."""
    match = re.fullmatch(r"([\d.]+)([a-z]+)", text)
    if match is None:
        return 0.0
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[match.group(2)]
    return float(match.group(1)) * scale


# ---------------------------------------------------------------- the ceiling


def serve_bare(port: int, response_file: str) -> None:
    """Bare uvicorn, configured as ``serve`` configures it, answering every request
    with the status, headers and body the product sent (read from ``response_file``)."""
    import uvicorn

    saved = json.loads(Path(response_file).read_text())
    headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in saved["headers"]]
    body = saved["body"].encode("latin-1")
    start = {"type": "http.response.start", "status": saved["status"], "headers": headers}
    message = {"type": "http.response.body", "body": body}

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        await send(start)
        await send(message)

    uvicorn.Server(
        uvicorn.Config(
            app,
            host="127.0.0.1",
            port=port,
            access_log=False,
            log_config=None,
            lifespan="off",
            server_header=False,
            proxy_headers=False,
        )
    ).run()


def start_bare(port: int, response: httpx.Response, folder: Path) -> subprocess.Popen[bytes]:
    saved = folder / "response.json"
    # uvicorn adds its own date header, as it does to the product's.
    headers = [
        (k.decode("latin-1"), v.decode("latin-1"))
        for k, v in response.headers.raw
        if k.lower() != b"date"
    ]
    saved.write_text(
        json.dumps(
            {
                "status": response.status_code,
                "headers": headers,
                "body": response.content.decode("latin-1"),
            }
        )
    )
    process = subprocess.Popen(
        [sys.executable, __file__, "--bare", f"{port}:{saved}"],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/", timeout=2).status_code == 200:
                return process
        except httpx.TransportError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit("bare uvicorn did not start")


def run_rate(port: int, path: str, connections: int, duration: float, rate: float) -> None:
    """The open-loop load in a second process (this script with ``--load``)."""
    out = subprocess.run(
        [
            sys.executable,
            __file__,
            "--load",
            f"{port}:{path}",
            "--connections",
            str(connections),
            "--duration",
            str(duration),
            "--rates",
            str(rate),
        ],
        capture_output=True,
        text=True,
        timeout=duration + 120,
        check=True,
    )
    r = json.loads(out.stdout)
    print(
        f"{f'fixed rate {rate:.0f}/s (Python)':30}: {r['throughput']:8.0f} req/s served,"
        f" p50 {r['p50'] * 1000:6.1f} ms, p99 {r['p99'] * 1000:6.1f} ms,"
        f" max {r['max'] * 1000:6.1f} ms; {r['ok']} ok, {r['errors']} errors"
        f" over {r['connections']} connections"
    )


async def load(port: int, path: str, connections: int, duration: float, rate: float) -> dict:
    """Hold ``connections`` keep-alive connections and send ``rate`` requests a
    second across them on a fixed schedule; latency counts from the schedule."""
    request = (
        f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        "User-Agent: Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0\r\n"
        "Accept: text/html\r\n\r\n"
    ).encode()
    latencies: list[float] = []
    errors = [0]
    opened: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []
    gate = asyncio.Semaphore(100)

    async def exchange(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bytes:
        writer.write(request)
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
        match = re.search(rb"(?i)content-length: (\d+)", head)
        await asyncio.wait_for(reader.readexactly(int(match.group(1)) if match else 0), 10)
        return head

    async def connect() -> None:
        # Each connection is opened and used once before the clock starts, so
        # the server has set all of them up (and the first request is warm).
        async with gate:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            await exchange(reader, writer)
            opened.append((reader, writer))

    await asyncio.gather(*(connect() for _ in range(connections)))
    interval = connections / rate
    loop = asyncio.get_running_loop()
    start = loop.time() + 0.5
    stop = start + duration

    async def one(index: int, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        due = start + interval * index / connections
        while due < stop:
            delay = due - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            try:
                head = await exchange(reader, writer)
                if not head.startswith(b"HTTP/1.1 200"):
                    errors[0] += 1
                else:
                    latencies.append(loop.time() - due)
            except (TimeoutError, OSError, asyncio.IncompleteReadError):
                errors[0] += 1
                return
            due += interval

    began = time.perf_counter()
    await asyncio.gather(*(one(i, r, w) for i, (r, w) in enumerate(opened)))
    elapsed = time.perf_counter() - began
    for _, writer in opened:
        writer.close()
    ordered = sorted(latencies) or [0.0]
    return {
        "connections": len(opened),
        "ok": len(latencies),
        "errors": errors[0],
        "throughput": len(latencies) / max(elapsed - 0.5, 1e-9),
        "p50": ordered[len(ordered) // 2],
        "p99": ordered[max(0, int(len(ordered) * 0.99) - 1)],
        "max": ordered[-1],
    }


MODES = {
    "100 connections, closed loop": (100, None),
    "1000 connections, closed loop": (1000, None),
    "1000 connections paced ~1 s": (1000, "think"),
}


def over_http(
    connections: int, duration: int, think_ms: int, rates: list[float], rounds: int
) -> None:
    has_wrk = shutil.which("wrk") is not None
    if not has_wrk:
        print("wrk is not installed (apt-get install wrk): the Python generator runs instead")
        rates = rates or [750.0]
    with tempfile.TemporaryDirectory() as tmp:
        port, bare_port = free_port(), free_port()
        process = start_server(Path(tmp) / "data", port, Path(tmp) / "server.log")
        bare: subprocess.Popen[bytes] | None = None
        try:

            async def seeded() -> str:
                async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
                    return await seed(client)

            path = asyncio.run(seeded())
            url = f"http://127.0.0.1:{port}{path}"
            httpx.get(url).raise_for_status()  # cache it
            time.sleep(0.5)
            page = httpx.get(url)
            page.raise_for_status()
            bare = start_bare(bare_port, page, Path(tmp))
            print(
                f"serving {path} on 127.0.0.1:{port} (python -m core serve, one process);"
                f" bare uvicorn on :{bare_port} answering the same {len(page.content)} bytes"
                f" and {len(page.headers.raw)} headers (date included)"
            )
            if has_wrk:
                urls = {"creator-edge": url, "bare uvicorn": f"http://127.0.0.1:{bare_port}{path}"}
                for target in urls.values():  # warm up: connections set up, code hot
                    run_wrk(target, connections, 5, None)
                    time.sleep(3)
                wrk_rounds(urls, duration, think_ms, rounds)
            for rate in rates:
                time.sleep(3)
                run_rate(port, path, connections, duration, rate)
        finally:
            if bare is not None:
                bare.terminate()
                bare.wait()
            stop_server(process)


def wrk_rounds(urls: dict[str, str], duration: int, think_ms: int, rounds: int) -> None:
    """Each mode ``rounds`` times against both servers, the order alternating
    round to round; the ratio is taken within each round."""
    results: dict[str, dict[str, list[dict[str, Any]]]] = {
        mode: {name: [] for name in urls} for mode in MODES
    }
    names = list(urls)
    for index in range(rounds):
        order = names if index % 2 == 0 else names[::-1]
        for mode, (connections, paced) in MODES.items():
            for name in order:
                time.sleep(2)  # the deferred view writes of the last run finish
                got = run_wrk(urls[name], connections, duration, think_ms if paced else None)
                results[mode][name].append(got)
                print(
                    f"  round {index + 1} {mode:30} {name:13}: {got['rps']:8.0f} req/s,"
                    f" p50 {got['p50']:7.2f} ms, p99 {got['p99']:7.2f} ms,"
                    f" errors {got['errors']}, non-2xx {got['non2xx']}",
                    flush=True,
                )
    print(f"median of {rounds} alternating rounds of {duration} s (range), load {load_text()}:")
    for mode, (_, paced) in MODES.items():
        ours, ceiling = results[mode]["creator-edge"], results[mode]["bare uvicorn"]
        for name, runs in results[mode].items():
            print(
                f"  {mode:30} {name:13}: {_median(runs, 'rps'):8.0f} req/s"
                f" ({_range(runs, 'rps', '.0f')}), p50 {_median(runs, 'p50'):.2f} ms,"
                f" p99 {_median(runs, 'p99'):.2f} ms ({_range(runs, 'p99', '.1f')}),"
                f" errors {sum(r['errors'] for r in runs)}"
            )
        if paced:
            ratios = [a["p99"] / max(b["p99"], 1e-3) for a, b in zip(ours, ceiling, strict=True)]
            label = "p99 ratio to bare uvicorn"
        else:
            ratios = [a["rps"] / max(b["rps"], 1e-9) for a, b in zip(ours, ceiling, strict=True)]
            label = "throughput ratio to bare uvicorn"
        print(
            f"  {mode:30} {label}: {statistics.median(ratios):.2f}x"
            f" (range {min(ratios):.2f}-{max(ratios):.2f})"
        )


def _median(runs: list[dict[str, Any]], key: str) -> float:
    return float(statistics.median(r[key] for r in runs))


def _range(runs: list[dict[str, Any]], key: str, spec: str) -> str:
    values = [r[key] for r in runs]
    return f"{format(min(values), spec)}-{format(max(values), spec)}"


def load_text() -> str:
    one, five, _ = os.getloadavg()
    return f"{one:.1f} (1 min) / {five:.1f} (5 min) on {os.cpu_count()} cores"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--connections", type=int, default=1000)
    parser.add_argument("--duration", type=int, default=15)
    parser.add_argument("--think-ms", type=int, default=1000)
    parser.add_argument("--rates", default="")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--root", type=Path, help="serve this checkout instead (before/after)")
    parser.add_argument("--skip-http", action="store_true")
    parser.add_argument("--skip-in-process", action="store_true")
    parser.add_argument("--load", help=argparse.SUPPRESS)  # port:path, the load process
    parser.add_argument("--bare", help=argparse.SUPPRESS)  # port:file, the ceiling's server
    args = parser.parse_args()
    if args.bare:
        bare_port, response_file = args.bare.split(":", 1)
        serve_bare(int(bare_port), response_file)
        return
    rates = [float(r) for r in args.rates.split(",") if r]
    if args.load:
        port, path = args.load.split(":", 1)
        result = asyncio.run(load(int(port), path, args.connections, args.duration, rates[0]))
        print(json.dumps(result))
        return
    if args.root:
        SERVED_ROOT[0] = args.root.resolve()
    if not args.skip_in_process:
        print(f"in process ({os.cpu_count()} cores, shared), load {load_text()}:")
        asyncio.run(in_process(args.requests))
    if not args.skip_http:
        print(f"over HTTP, {args.duration} s a run, load {load_text()}:")
        over_http(args.connections, args.duration, args.think_ms, rates, args.rounds)


if __name__ == "__main__":
    main()
