"""Issue 15's figures.

``signin``: sign-in by email through the blind index (HMAC of the address, the
indexed ``email_index`` lookup, AES-GCM opening of the row's email) against the
lookup sign-in had before it (a plain indexed column, compared as is), on a
table of 10,000 accounts; both alone (the lookup) and inside a whole sign-in at
the product's 600,000 PBKDF2 iterations. Runs interleaved, median and range.

``backup``: ``python -m core backup`` and ``restore`` of a data dir whose database
is ``--mb`` megabytes (default 1024), each in its own process: wall time and that
process's peak resident memory (ru_maxrss).

    .venv/bin/python scripts/bench_trust.py signin
    .venv/bin/python scripts/bench_trust.py backup --mb 1024
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _median(xs: list[float]) -> str:
    return f"{statistics.median(xs):.3f} ms (range {min(xs):.3f} to {max(xs):.3f})"


async def signin(accounts: int, rounds: int) -> None:
    from core.adapters.cipher_cryptography import CryptographyCipher
    from core.clock import iso
    from core.identity.passwords import PasswordHasher
    from core.identity.pii import email_aad, pii_of
    from core.identity.repo import UserRepo
    from core.ids import new_id
    from core.local import LocalRuntime, load_settings

    tmp = Path(tempfile.mkdtemp(prefix="bench-trust-"))
    settings = load_settings({}, data_dir=tmp / "data", run_cron=False)
    runtime = LocalRuntime(settings, run_scheduler=False)
    await runtime.startup()
    try:
        ports = runtime.ports()
        pii = pii_of(CryptographyCipher(), settings)
        repo = UserRepo(ports.db, pii)
        hasher = PasswordHasher(ports.kdf, settings.password_iterations)
        password_hash = await hasher.hash("correct horse battery")
        now = iso(time.time())
        rows = []
        for n in range(accounts):
            uid = new_id()
            email = f"user{n}@example.com"
            sealed = await pii.seal(email, email_aad(uid))
            rows.append((uid, sealed, pii.index(email), f"user{n}", password_hash, now, now))
        db = sqlite3.connect(runtime.database.path)
        # The baseline's column: the plain address, indexed, as sign-in read it before.
        db.execute("CREATE TABLE bench_plain (email TEXT PRIMARY KEY, id TEXT)")
        db.executemany(
            "INSERT INTO users (id, email, email_index, username, password_hash, created_at,"
            " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
        db.executemany(
            "INSERT INTO bench_plain VALUES (?, ?)",
            [(f"user{n}@example.com", r[0]) for n, r in enumerate(rows)],
        )
        db.commit()
        db.close()

        async def blind(email: str) -> None:
            row = await repo.credentials_by_login(email)
            assert row is not None and row["email"] == email

        async def plain(email: str) -> None:
            found = await ports.db.first(
                "SELECT u.* FROM bench_plain p JOIN users u ON u.id = p.id WHERE p.email = ?", email
            )
            assert found is not None

        lookups: dict[str, list[float]] = {"blind": [], "plain": []}
        for r in range(rounds * 20):
            email = f"user{(r * 7919) % accounts}@example.com"
            for name, fn in (("blind", blind), ("plain", plain))[:: 1 if r % 2 else -1]:
                t = time.perf_counter()
                await fn(email)
                lookups[name].append((time.perf_counter() - t) * 1000)
        whole: dict[str, list[float]] = {"blind": [], "plain": []}
        for r in range(rounds):
            email = f"user{(r * 104729) % accounts}@example.com"
            for name, fn in (("blind", blind), ("plain", plain))[:: 1 if r % 2 else -1]:
                t = time.perf_counter()
                await fn(email)
                assert (await hasher.verify("correct horse battery", password_hash)).ok
                whole[name].append((time.perf_counter() - t) * 1000)
        added = [b - p for b, p in zip(lookups["blind"], lookups["plain"], strict=True)]
        ratio = statistics.median(whole["blind"]) / statistics.median(whole["plain"])
        print(f"accounts: {accounts}, load: {os.getloadavg()}")
        print(f"lookup, blind index: {_median(lookups['blind'])}")
        print(f"lookup, plain column: {_median(lookups['plain'])}")
        print(f"added by the blind index (paired): {_median(added)}")
        n = settings.password_iterations
        print(f"sign-in at {n} iterations, blind: {_median(whole['blind'])}")
        print(f"sign-in at {n} iterations, plain: {_median(whole['plain'])}")
        print(f"ratio (median blind / median plain): {ratio:.3f}")
    finally:
        await runtime.shutdown()
        shutil.rmtree(tmp, ignore_errors=True)


_PEAK = (
    "import resource, runpy, sys\n"
    "sys.argv = ['core', *sys.argv[1:]]\n"
    "try:\n"
    "    runpy.run_module('core', run_name='__main__')\n"
    "except SystemExit:\n"
    "    pass\n"
    "print('PEAK_KB', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)\n"
)


def _timed(args: list[str], env: dict[str, str]) -> tuple[float, int, str]:
    t = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", _PEAK, *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    seconds = time.perf_counter() - t
    peak = next(
        int(line.split()[1]) for line in done.stderr.splitlines() if line.startswith("PEAK_KB")
    )
    return seconds, peak, done.stdout.strip().splitlines()[-1]


def backup_bench(mb: int, workdir: Path, runs: int) -> None:
    data = workdir / "data"
    env = {**os.environ, "CREATOR_EDGE_DATA_DIR": str(data), "CREATOR_EDGE_RUN_CRON": "0"}
    env.pop("REDIS_URL", None)
    subprocess.run(
        [sys.executable, "-m", "core", "migrate"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )
    db = sqlite3.connect(data / "creator-edge.sqlite3")
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA synchronous = OFF")
    db.execute("CREATE TABLE bench_fill (id INTEGER PRIMARY KEY, body TEXT)")
    t = time.perf_counter()
    row = 1000  # bytes of text a row: half random hex (incompressible-ish), half words
    total = mb * 1024 * 1024 // row
    batch = 10_000
    for start in range(0, total, batch):
        db.executemany(
            "INSERT INTO bench_fill (body) VALUES (?)",
            [
                (os.urandom(250).hex() + ("creator edge analytics " * 22)[:500],)
                for _ in range(min(batch, total - start))
            ],
        )
        db.commit()
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    size = (data / "creator-edge.sqlite3").stat().st_size
    print(f"database: {size / 2**20:.0f} MiB, filled in {time.perf_counter() - t:.1f} s")
    print(f"load before: {os.getloadavg()}")
    times: dict[str, list[float]] = {"backup": [], "restore": []}
    peaks: dict[str, list[int]] = {"backup": [], "restore": []}
    for n in range(runs):
        seconds, peak, out = _timed(["backup", "--to", str(workdir / f"b{n}")], env)
        made = json.loads(out)
        times["backup"].append(seconds)
        peaks["backup"].append(peak)
        into = workdir / f"restored{n}"
        seconds, peak, out = _timed(["restore", made["snapshot"], "--into", str(into)], env)
        assert json.loads(out)["integrity"] == "ok"
        times["restore"].append(seconds)
        peaks["restore"].append(peak)
        shutil.rmtree(workdir / f"b{n}", ignore_errors=True)
        shutil.rmtree(into, ignore_errors=True)
        mib = made["compressed_bytes"] / 2**20
        print(
            f"run {n}: backup {times['backup'][-1]:.1f} s, restore {seconds:.1f} s, {mib:.0f} MiB"
        )
    for what in ("backup", "restore"):
        xs, ps = times[what], peaks[what]
        print(
            f"{what}: median {statistics.median(xs):.1f} s (range {min(xs):.1f} to {max(xs):.1f}),"
            f" peak RSS median {statistics.median(ps) / 1024:.0f} MiB (max {max(ps) / 1024:.0f})"
        )
    print(f"load after: {os.getloadavg()}")


def main() -> None:
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="what", required=True)
    s = sub.add_parser("signin")
    s.add_argument("--accounts", type=int, default=10_000)
    s.add_argument("--rounds", type=int, default=15)
    b = sub.add_parser("backup")
    b.add_argument("--mb", type=int, default=1024)
    b.add_argument("--dir", default=None)
    b.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    if args.what == "signin":
        asyncio.run(signin(args.accounts, args.rounds))
    else:
        work = Path(args.dir) if args.dir else Path(tempfile.mkdtemp(prefix="bench-backup-"))
        try:
            backup_bench(args.mb, work, args.runs)
        finally:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
