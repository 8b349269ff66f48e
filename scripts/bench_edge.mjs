// One round of the edge measurements under Pyodide (run by scripts/bench_edge.py):
// cold start (load the interpreter; import the bundle's entry, which imports the
// app's modules; build the app) with the WebAssembly memory it took, then n GETs
// of a public page through entry.Default.fetch (JS Request, the SDK's ASGI
// bridge, the app, Miniflare's D1 and KV). Prints one JSON line.
//
//   node --experimental-wasm-jspi scripts/bench_edge.mjs [n [seed-json]]

import { startMiniflare, startPyodide } from "../tests/pyodide/tier.mjs";

const n = Number(process.argv[2] ?? 50);
// The page to request: scripts/bench_edge.py passes bench_public_page's links.
const seed = process.argv[3] ?? JSON.stringify({ password: "correct horse battery", links: [] });
const { mf, env } = await startMiniflare();
try {
  const t0 = performance.now();
  const py = await startPyodide(env, { log: false });
  const loadMs = performance.now() - t0;
  const wasmMb = () => py._module.HEAPU8.buffer.byteLength / 2 ** 20;
  const before = wasmMb();
  py.globals.set("_n", n);
  py.globals.set("_seed", seed);
  const out = await py.runPythonAsync(`
import json, time
t0 = time.perf_counter()
import entry
t1 = time.perf_counter()
import _tier
entry._app(_tier.env)
t2 = time.perf_counter()

from tests.pyodide import edge
async def measure():
    w = await edge.worker()  # empties and migrates the bindings; a fresh app
    t3 = time.perf_counter()
    first = await w.fetch("GET", "/api/health")
    t4 = time.perf_counter()
    spec = json.loads(_seed)
    made = await w.fetch("POST", "/api/auth/register", json_body={
        "email": "bench@example.com", "username": "bencher", "password": spec["password"]})
    auth = {"authorization": "Bearer " + made.json()["access_token"]}
    p = await w.fetch("POST", "/api/profiles", headers=auth, json_body={
        "slug": "bench", "display_name": "Bench Mark", "bio": "Measured, not guessed."})
    for title, url in spec["links"]:
        added = await w.fetch("POST", f"/api/profiles/{p.json()['id']}/links", headers=auth,
                              json_body={"title": title, "url": url})
        assert added.status == 201, added.text
    times = []
    for i in range(_n):
        s = time.perf_counter()
        page = await w.fetch("GET", "/p/bench", ip=f"203.0.113.{i % 200 + 1}")
        times.append(time.perf_counter() - s)
        assert page.status == 200, page.status
    await w.settle()
    # What one binding call costs here: Miniflare's bindings answer from workerd
    # over loopback HTTP, a cost a deployed Worker does not pay.
    calls = []
    for _ in range(20):
        s = time.perf_counter()
        await _tier.env.KV.get("absent")
        await _tier.env.DB.prepare("SELECT 1").first()
        calls.append((time.perf_counter() - s) / 2)
    return first.status, (t4 - t3), times, calls
status, first_s, times, calls = await measure()
json.dumps({"import_ms": (t1 - t0) * 1000, "build_app_ms": (t2 - t1) * 1000,
            "first_request_ms": first_s * 1000, "health_status": status,
            "page_ms": [t * 1000 for t in times], "binding_call_ms": [c * 1000 for c in calls]})
`);
  const result = JSON.parse(out);
  result.load_pyodide_ms = loadMs;
  result.wasm_mb_after_install = before;
  result.wasm_mb_peak = wasmMb();
  result.js_heap_mb = process.memoryUsage().heapUsed / 2 ** 20;
  console.log(JSON.stringify(result));
} finally {
  await mf.dispose();
}
