"""The longer fuzz run: tests/fuzz (schemathesis over /openapi.json, unauthenticated
and signed in with the user's own ids) with more examples per operation and
random search instead of the suite's derandomized one.

    .venv/bin/python scripts/fuzz_api.py [--examples 100]

Prints the pytest summary and the time taken; any 5xx, schema violation or
traceback in the server log fails it.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--examples", type=int, default=100, help="examples per operation")
    args = parser.parse_args()
    env = {
        **os.environ,
        "CREATOR_EDGE_FUZZ_EXAMPLES": str(args.examples),
        "HYPOTHESIS_PROFILE": "explore",
    }
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "tests/fuzz", "-q", "-p", "no:cacheprovider"],
        cwd=ROOT,
        env=env,
    )
    print(f"{args.examples} examples per operation, {time.perf_counter() - started:.0f} s")
    return result.returncode


if __name__ == "__main__":
    raise SystemExit(main())
