"""``python -m core pii|audit|backup|restore``: the trust tools from the machine itself."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from pathlib import Path

from core.settings import Settings


async def run(settings: Settings, args: argparse.Namespace) -> int:
    if args.command == "pii" and args.action == "new-key":
        from core.identity import new_pii_key

        print(new_pii_key())
        return 0
    if args.command == "restore":
        from core.local_backup import restore

        into = Path(args.into) if args.into else Path(settings.data_dir)
        print(json.dumps(asdict(await restore(Path(args.snapshot), into))))
        return 0
    from core.local import LocalRuntime

    runtime = LocalRuntime(settings, run_scheduler=False)
    await runtime.startup()
    try:
        ports = runtime.ports()
        if args.command == "pii":
            from core.identity import pii_of, reencrypt

            report = await reencrypt(ports.db, pii_of(ports.cipher, settings), max_chunks=10**6)
            print(json.dumps(asdict(report)))
            return 0
        if args.command == "audit":
            from core.audit import chain

            key = chain.chain_key(settings)
            if args.action == "seal":
                print(json.dumps({"sealed": await chain.seal(ports.db, key)}))
                return 0
            await chain.seal(ports.db, key)
            result = await chain.verify(ports.db, key)
            print(json.dumps(asdict(result)))
            if not result.ok:
                print(
                    f"audit chain broken at entry {result.broken_id}: {result.reason}",
                    file=sys.stderr,
                )
            return 0 if result.ok else 1
        from core.local_backup import backup

        target = Path(args.to) if args.to else None
        print(json.dumps(asdict(await backup(runtime, settings, target))))
        return 0
    finally:
        await runtime.shutdown()
