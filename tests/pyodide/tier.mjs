// The Pyodide tier: the worker's bundle under the real Python runtime (the npm
// `pyodide` at the runtime's version) against Miniflare 4's real D1, KV, R2 and
// Rate Limiting bindings, with pytest running inside Pyodide.
//
//   node --experimental-wasm-jspi tests/pyodide/tier.mjs [pytest args...]
//   (paths as Pyodide sees them: /tier/tests/pyodide/tier_entry.py)
//
// Run by scripts/test-pyodide, which first fetches the locked wheels and builds
// build/worker/. Exits with pytest's exit code.
//
// Layout inside Pyodide's file system:
//   /bundle  build/worker/ (NODEFS): the only place `core` and `worker` come from,
//            so a module the bundle leaves out fails here
//   /tier/tests, /tier/d1_migrations  the repository's (NODEFS)
//   /wheels  .edge-tier/wheels/ (NODEFS), installed with micropip from emfs: paths
//
// The shim: workerd gives Python two JS modules the runtime SDK imports,
// `_cloudflare_compat_flags` and `_pyodide_entrypoint_helper`; plain Pyodide has
// neither, so they are registered here with only what the SDK reads from them.
// workerd's `_cloudflare.import_patch_manager`, through which the SDK's package
// patches apply (anyio runs "thread" work inline), is tests/pyodide/shim/.

import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Miniflare } from "miniflare";
import { loadPyodide } from "pyodide";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const LOCK = JSON.parse(readFileSync(path.join(ROOT, "edge-wheels.lock.json"), "utf8"));
const WHEELS = path.join(ROOT, ".edge-tier", "wheels");

// wrangler.toml, as JSON (scripts/edge_wheels.py fetch writes it).
const WRANGLER = JSON.parse(readFileSync(path.join(ROOT, ".edge-tier", "wrangler.json"), "utf8"));

// The Rate Limiting bindings as wrangler.toml declares them.
function rateLimits() {
  const out = {};
  for (const rl of WRANGLER.ratelimits ?? []) {
    out[rl.name] = { namespace_id: rl.namespace_id, simple: rl.simple };
  }
  if (Object.keys(out).length === 0) throw new Error("no [[ratelimits]] in wrangler.toml");
  return out;
}

// wrangler.toml's [vars], as the deployed Worker's env has them, with test-only
// secrets and two settings the tier needs: few password iterations (sign-ups stay
// quick) and a GitHub API address on this machine that refuses at once.
function vars() {
  return {
    ...Object.fromEntries(Object.entries(WRANGLER.vars ?? {}).map(([k, v]) => [k, String(v)])),
    CREATOR_EDGE_SECRET_KEY: "tier-secret-key-".padEnd(48, "k"),
    CREATOR_EDGE_IP_PEPPER: "tier-ip-pepper-".padEnd(48, "p"),
    CREATOR_EDGE_PASSWORD_ITERATIONS: "1000",
    GITHUB_API_URL: "http://127.0.0.1:9",
  };
}

export async function startMiniflare() {
  const mf = new Miniflare({
    modules: true,
    script: "export default { fetch() { return new Response(null, { status: 204 }); } }",
    // The newest date Miniflare 4's workerd (1.20260730) knows; wrangler.toml's
    // 2026-11-01 picks the Python runtime, which here is the npm pyodide instead.
    compatibilityDate: "2026-07-30",
    d1Databases: Object.fromEntries(WRANGLER.d1_databases.map((d) => [d.binding, d.database_id])),
    kvNamespaces: Object.fromEntries(WRANGLER.kv_namespaces.map((k) => [k.binding, k.id])),
    r2Buckets: Object.fromEntries(WRANGLER.r2_buckets.map((r) => [r.binding, r.bucket_name])),
    ratelimits: rateLimits(),
    bindings: vars(),
  });
  const env = await mf.getBindings();
  return { mf, env };
}

// Empty every binding: each test starts from nothing (the bindings outlive tests).
async function reset(env) {
  // Newest first: a table is dropped before the tables its foreign keys name.
  // Virtual tables (FTS5) go first: their shadow tables may not be dropped alone,
  // and go with them.
  const tables = await env.DB.prepare(
    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%' ORDER BY (sql LIKE 'CREATE VIRTUAL%') DESC, rowid DESC",
  ).all();
  const names = tables.results.map((r) => r.name);
  if (names.length) {
    await env.DB.batch([
      env.DB.prepare("PRAGMA defer_foreign_keys = ON"),
      ...names.map((n) => env.DB.prepare(`DROP TABLE IF EXISTS "${n}"`)),
    ]);
  }
  for (;;) {
    const page = await env.KV.list();
    await Promise.all(page.keys.map((k) => env.KV.delete(k.name)));
    if (page.list_complete) break;
  }
  for (;;) {
    const page = await env.BUCKET.list();
    if (page.objects.length) await env.BUCKET.delete(page.objects.map((o) => o.key));
    if (!page.truncated) break;
  }
}

export async function startPyodide(env, { log = true } = {}) {
  const py = await loadPyodide();
  // Raw writes, so pytest's progress dots stay on one line.
  const sink = (stream) => ({ write: (buf) => (log && stream.write(buf), buf.length) });
  py.setStdout(sink(process.stdout));
  py.setStderr(sink(process.stderr));
  const FS = py.FS;
  for (const [at, dir] of [["/bundle", path.join(ROOT, "build", "worker")], ["/wheels", WHEELS]]) {
    FS.mkdirTree(at);
    FS.mount(py.FS.filesystems.NODEFS, { root: dir }, at);
  }
  for (const dir of ["tests", "d1_migrations"]) {
    FS.mkdirTree(`/tier/${dir}`);
    FS.mount(py.FS.filesystems.NODEFS, { root: path.join(ROOT, dir) }, `/tier/${dir}`);
  }

  // Exactly the locked files (a wheel left from an older lock is not installed).
  const files = [
    ...LOCK.worker.map((w) => w.file),
    ...LOCK.tier.map((w) => w.file),
    ...LOCK.pyodide_distribution
      .filter((p) => p.tier_sdist)
      .map((p) => `${p.name}-${p.version}-py3-none-any.whl`),
  ];
  const micropip = files.find((f) => f.startsWith("micropip-"));
  await py.loadPackage(path.join(WHEELS, micropip), { messageCallback: () => {} });
  const wheels = files.filter((f) => f !== micropip).map((f) => `emfs:/wheels/${f}`);
  py.globals.set("_wheels", py.toPy(wheels));
  await py.runPythonAsync("import micropip\nawait micropip.install(_wheels, deps=False)");

  const waited = [];
  py.registerJsModule("_cloudflare_compat_flags", {
    python_workflows_implicit_dependencies: false,
    python_request_headers_preserve_commas: true,
  });
  py.registerJsModule("_pyodide_entrypoint_helper", {
    cloudflareWorkersModule: { env, waitUntil: (p) => waited.push(p) },
    cloudflareSocketsModule: {},
    doAnImport: (name) => import(name),
    patchWaitUntil: () => {},
    patch_env_helper: () => {
      throw new Error("patch_env is not part of the tier's shim");
    },
  });
  py.registerJsModule("_tier", {
    env,
    reset: () => reset(env),
    lock: LOCK,
    root: ROOT,
    // A ctx whose waitUntil keeps the promise, as workerd's does, for the test to await.
    makeCtx: () => {
      const promises = [];
      return { waitUntil: (p) => promises.push(p), promises, settle: () => Promise.allSettled(promises.splice(0)) };
    },
  });
  // The Pillow stand-in goes last, so a real Pillow (were one installed) wins.
  // The SDK's package patches load as its .pth file loads them in workerd (the
  // .pth ran before micropip installed the SDK, so it is imported here).
  await py.runPythonAsync(`
import sys
sys.path[:0] = ["/bundle", "/tier"]
sys.path += ["/tier/tests/pyodide/shim", "/tier/tests/pyodide/no_pillow"]
import _workers_sdk_package_patches
`);
  return py;
}

async function main() {
  const args = process.argv.slice(2);
  const { mf, env } = await startMiniflare();
  let code = 1;
  try {
    const py = await startPyodide(env);
    py.globals.set("_args", py.toPy(args));
    code = await py.runPythonAsync(`
import pytest
from pyodide.ffi import can_run_sync
assert can_run_sync(), "the tier needs JSPI: node --experimental-wasm-jspi"
int(pytest.main([
    "-c", "/tier/tests/pyodide/pytest.ini", "--rootdir", "/tier",
    "-p", "no:cacheprovider",
    *([] if any(a.startswith("/tier/") for a in _args) else ["/tier/tests/contract", "/tier/tests/pyodide"]),
    *_args,
]))
`);
  } finally {
    await mf.dispose();
  }
  process.exit(code);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  try {
    await main();
  } catch (error) {
    // Short: Node would print the line of pyodide.asm.mjs, a megabyte long.
    console.error(`tier: ${error?.stack ?? error}`.slice(0, 8000));
    process.exit(1);
  }
}
