"""The worker's packages as builds for the edge runtime: lock them, fetch them.

``lock`` (online, run after changing a pin) asks PyPI, through pip, for a build of
every pin in ``[project].dependencies`` for the runtime (cp314,
``pyemscripten_2026_0_wasm32`` or any platform); a pin PyPI has no build of must be
in Pyodide's own distribution at that exact version (``pyodide-lock.json`` of the
npm ``pyodide`` package), else the lock fails. It resolves the dependencies too,
and the packages the Pyodide test tier runs with (pytest, the runtime SDK,
micropip), and writes ``edge-wheels.lock.json`` with each file's URL and sha256.

``fetch`` downloads the locked files into ``.edge-tier/wheels/`` with pip,
hash-checked, and builds the one pure-Python stand-in the tier needs (MarkupSafe
from its sdist, its own ``_native`` fallback: Pyodide's build of it is not on
PyPI and the npm package does not ship it). Nothing is fetched when every file is
already there, so the tier is offline after the first run. It also writes
``.edge-tier/wrangler.json`` (wrangler.toml as JSON) for the tier's Miniflare.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOCK = ROOT / "edge-wheels.lock.json"
CACHE = ROOT / ".edge-tier" / "wheels"
PYODIDE_LOCK = ROOT / "node_modules" / "pyodide" / "pyodide-lock.json"

RUNTIME = {
    # compatibility_date from which python_workers_314 is on (pywrangler's metadata.py)
    "python_workers_314_from": "2026-09-08",
    "python": "3.14",
    "pyodide": "314.0.7",
    "platform": "pyemscripten_2026_0_wasm32",
}
# What the tier runs with beside the worker's own packages.
TIER_PINS = [
    "pytest==9.2.0",
    "hypothesis==6.170.15",
    "workers-runtime-sdk==1.9.5",
    "micropip==0.11.1",
]
# Pyodide-distribution packages the tier stands in for with a pure-Python build of
# their sdist (no pin needs Pillow, so it has none: the tier skips what needs it).
PURE_STAND_INS = ("markupsafe",)


def platform_args() -> list[str]:
    return [
        "--only-binary=:all:",
        "--platform",
        RUNTIME["platform"],
        "--platform",
        "any",
        "--python-version",
        RUNTIME["python"],
        "--implementation",
        "cp",
        "--abi",
        "cp" + RUNTIME["python"].replace(".", ""),
        "--abi",
        "none",
        "--abi",
        "abi3",
    ]


def pip(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    # The machine's pip config (constraints, local find-links) is for local
    # installs; these calls speak to PyPI about another platform.
    env = {**os.environ, "PIP_CONFIG_FILE": os.devnull}
    env.pop("PIP_FIND_LINKS", None)
    return subprocess.run(
        [sys.executable, "-m", "pip", *args, "--disable-pip-version-check"],
        env=env,
        check=check,
        capture_output=True,
        text=True,
    )


def normalize(name: str) -> str:
    return name.lower().replace("_", "-").replace(".", "-")


def project_pins() -> list[str]:
    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return list(data["project"]["dependencies"])


def split_pin(pin: str) -> tuple[str, str]:
    name, _, version = pin.partition("==")
    return normalize(name.strip()), version.strip()


def pyodide_distribution() -> dict[str, dict[str, str]]:
    """Pyodide's own packages by normalised name: version, file name and sha256."""
    data = json.loads(PYODIDE_LOCK.read_text(encoding="utf-8"))
    return {normalize(k): v for k, v in data["packages"].items()}


def has_pypi_build(pin: str) -> bool:
    with tempfile.TemporaryDirectory() as tmp:
        done = pip(
            "download", "--no-deps", "--quiet", *platform_args(), "-d", tmp, pin, check=False
        )
        return done.returncode == 0


def build_pure(name: str, version: str, out: Path) -> dict[str, str]:
    """Download ``name``'s sdist and build it without its C extension into ``out``."""
    with tempfile.TemporaryDirectory() as tmp:
        pip(
            "download", "--no-deps", "--no-binary=:all:", "--quiet", "-d", tmp, f"{name}=={version}"
        )
        sdist = next(Path(tmp).iterdir())
        _build_wheel(sdist, out)
        return {"file": sdist.name, "sha256": _sha256(sdist)}


def _build_wheel(sdist: Path, out: Path) -> None:
    # CC=false makes the optional extension fail to build, so setup.py falls back
    # to the plain-Python package (a py3-none-any wheel).
    env = {**os.environ, "PIP_CONFIG_FILE": os.devnull, "CC": "false"}
    env.pop("PIP_FIND_LINKS", None)
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(out), str(sdist)],
        env=env,
        check=True,
        capture_output=True,
    )


def lock() -> int:
    distribution = pyodide_distribution()
    pins = project_pins()
    from_pyodide = []
    for pin in pins:
        name, version = split_pin(pin)
        if has_pypi_build(pin):
            continue
        found = distribution.get(name)
        if found is None or found["version"] != version:
            have = found["version"] if found else "nothing"
            print(
                f"edge_wheels: {pin} has no build for Python {RUNTIME['python']} "
                f"({RUNTIME['platform']}) on PyPI, and Pyodide {RUNTIME['pyodide']} ships {have}",
                file=sys.stderr,
            )
            return 1
        from_pyodide.append(
            {
                "name": name,
                "version": version,
                "file": found["file_name"],
                "sha256": found["sha256"],
            }
        )
    with tempfile.TemporaryDirectory() as tmp:
        stand_ins = {}
        for entry in from_pyodide:
            if entry["name"] in PURE_STAND_INS:
                stand_ins[entry["name"]] = build_pure(entry["name"], entry["version"], Path(tmp))
        pypi_pins = [p for p in pins if split_pin(p)[0] not in {e["name"] for e in from_pyodide}]
        wanted = [
            *pypi_pins,
            *(f"{e['name']}=={e['version']}" for e in from_pyodide if e["name"] in stand_ins),
        ]
        worker = _resolve(wanted, Path(tmp))
        tier = _resolve([*wanted, *TIER_PINS], Path(tmp))
    local_names = set(stand_ins)
    worker_names = {p["name"] for p in worker}
    data = {
        "note": "Written by `python3 scripts/edge_wheels.py lock`; read by the Pyodide tier "
        "and tests/edge/test_wheel_lock.py. Do not edit by hand.",
        "runtime": RUNTIME,
        "worker": [p for p in worker if p["name"] not in local_names],
        "pyodide_distribution": [
            {**e, **({"tier_sdist": stand_ins[e["name"]]} if e["name"] in stand_ins else {})}
            for e in from_pyodide
        ],
        "tier": [p for p in tier if p["name"] not in worker_names and p["name"] not in local_names],
    }
    LOCK.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    print(f"edge_wheels: wrote {LOCK.name}")
    return 0


def _resolve(pins: list[str], find_links: Path) -> list[dict[str, str]]:
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "report.json"
        pip(
            "install", "--dry-run", "--quiet", "--ignore-installed", "--ignore-requires-python",
            "--report", str(report), "--target", str(Path(tmp) / "target"),
            "--find-links", str(find_links), *platform_args(), *pins,
        )  # fmt: skip
        installs = json.loads(report.read_text(encoding="utf-8"))["install"]
    out = []
    for item in installs:
        info = item["download_info"]
        out.append(
            {
                "name": normalize(item["metadata"]["name"]),
                "version": item["metadata"]["version"],
                "file": info["url"].rsplit("/", 1)[1],
                "url": info["url"],
                "sha256": info.get("archive_info", {}).get("hashes", {}).get("sha256", ""),
            }
        )
    return sorted(out, key=lambda p: p["name"])


def wheel_fits(file: str) -> bool:
    """Whether a wheel's tags let the runtime's interpreter install it."""
    python, abi, platform = file[: -len(".whl")].split("-")[-3:]
    cp = "cp" + RUNTIME["python"].replace(".", "")
    return (
        bool({"py3", cp} & set(python.split(".")))
        and bool({"none", "abi3", cp} & set(abi.split(".")))
        and bool({"any", RUNTIME["platform"]} & set(platform.split(".")))
    )


def unbuilt(pins: list[str], lock: dict, distribution: dict[str, dict[str, str]]) -> list[str]:
    """The pins with no build for the runtime: neither a fitting PyPI wheel in the
    lock nor Pyodide's own build at that version. Empty when every pin has one."""
    wheels = {p["name"]: p for p in lock["worker"]}
    pyodide = {p["name"]: p for p in lock["pyodide_distribution"]}
    problems = []
    for pin in pins:
        name, version = split_pin(pin)
        wheel, own = wheels.get(name), pyodide.get(name)
        if wheel is not None and wheel["version"] == version:
            if not wheel_fits(wheel["file"]):
                problems.append(f"{pin}: {wheel['file']} does not fit {RUNTIME['platform']}")
        elif own is not None and own["version"] == version:
            shipped = distribution.get(name)
            if shipped is None or shipped["version"] != version:
                have = shipped["version"] if shipped else "nothing"
                problems.append(f"{pin}: Pyodide {RUNTIME['pyodide']} ships {have}")
        else:
            problems.append(
                f"{pin}: no build for Python {RUNTIME['python']} in {LOCK.name} "
                "(run `python3 scripts/edge_wheels.py lock`: it fails where PyPI has none)"
            )
    return problems


def fetch() -> int:
    """Fill ``.edge-tier/wheels/`` from the lock; a no-op once everything is there."""
    data = json.loads(LOCK.read_text(encoding="utf-8"))
    CACHE.mkdir(parents=True, exist_ok=True)
    wheels = [*data["worker"], *data["tier"]]
    missing = [w for w in wheels if not _cached(CACHE / w["file"], w["sha256"])]
    if missing:
        with tempfile.TemporaryDirectory() as tmp:
            reqs = Path(tmp) / "requirements.txt"
            reqs.write_text(
                "".join(
                    f"{w['name']}=={w['version']} --hash=sha256:{w['sha256']}\n" for w in missing
                ),
                encoding="utf-8",
            )
            pip("download", "--no-deps", "--quiet", "--require-hashes", *platform_args(),
                "-d", str(CACHE), "-r", str(reqs))  # fmt: skip
        print(f"edge_wheels: fetched {len(missing)} wheels into {CACHE.relative_to(ROOT)}/")
    for entry in data["pyodide_distribution"]:
        sdist = entry.get("tier_sdist")
        if sdist is None:
            continue
        if not any(CACHE.glob(f"{entry['name']}-{entry['version']}-py3-none-any.whl")):
            with tempfile.TemporaryDirectory() as tmp:
                pip("download", "--no-deps", "--no-binary=:all:", "--quiet", "-d", tmp,
                    f"{entry['name']}=={entry['version']}")  # fmt: skip
                got = Path(tmp) / sdist["file"]
                if _sha256(got) != sdist["sha256"]:
                    print(f"edge_wheels: {got.name} does not match the lock", file=sys.stderr)
                    return 1
                _build_wheel(got, CACHE)
            print(f"edge_wheels: built a pure-Python {entry['name']} for the tier")
    write_wrangler_json()
    return 0


def write_wrangler_json() -> None:
    """wrangler.toml as JSON beside the wheels: the tier's Miniflare takes its bindings
    and vars from it (Node has no TOML reader of its own)."""
    config = tomllib.loads((ROOT / "wrangler.toml").read_text(encoding="utf-8"))
    (CACHE.parent / "wrangler.json").write_text(json.dumps(config, indent=2), encoding="utf-8")


def _cached(path: Path, sha256: str) -> bool:
    return path.is_file() and _sha256(path) == sha256


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else ""
    if command not in ("lock", "fetch"):
        print("usage: scripts/edge_wheels.py lock|fetch", file=sys.stderr)
        sys.exit(2)
    sys.exit(lock() if command == "lock" else fetch())
