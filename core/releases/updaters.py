"""The answers of each updater's protocol, built from a version row.

- Hazel and Squirrel (``GET /update/{platform}/{version}``): ``{name, notes,
  pub_date, url}``; with the platform's Tauri signature present, also Tauri's
  dynamic-server fields (``version``, ``signature``; ``pub_date`` RFC 3339).
- electron-builder's generic provider (``latest.yml``, ``latest-mac.yml``,
  ``latest-linux.yml``): ``version``, ``files`` (``url``, ``sha512``, ``size``),
  ``path``, ``sha512``, ``releaseDate``. Written as block YAML whose scalars are
  JSON strings and numbers (valid YAML double-quoted scalars).
- Sparkle (``/appcast/{channel}.xml``): an RSS 2.0 appcast with the Sparkle
  namespace, one ``item`` per version, ``enclosure`` with ``length`` and
  ``sparkle:edSignature``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any
from xml.etree import ElementTree as ET

from core.releases.notes import render_notes
from core.releases.repo import VersionRow

SPARKLE_NS = "http://www.andymatuschak.org/xml-namespaces/sparkle"
# electron-builder's file names and the OS each serves.
YAML_FILES = {"latest.yml": "windows", "latest-mac.yml": "darwin", "latest-linux.yml": "linux"}
# Hazel's platform names (and plain OS names) to Tauri's OS part of a platform key.
PLATFORM_OS = {
    "darwin": "darwin",
    "darwin_arm64": "darwin",
    "mac": "darwin",
    "macos": "darwin",
    "osx": "darwin",
    "win32": "windows",
    "win64": "windows",
    "windows": "windows",
    "exe": "windows",
    "linux": "linux",
    "deb": "linux",
    "rpm": "linux",
    "appimage": "linux",
}
# Which build of an OS a platform without an arch gets, in order of preference.
_ARCH_PREFERENCE = ("universal", "x86_64", "aarch64", "i686", "armv7")


def platforms(row: VersionRow) -> dict[str, dict[str, Any]]:
    builds: dict[str, dict[str, Any]] = json.loads(row["platforms"])
    return builds


def rfc3339(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def build_for(row: VersionRow, platform: str) -> dict[str, Any] | None:
    """The build of ``platform``: a Tauri key (``darwin-aarch64``) exactly (or the
    universal Mac build); a Hazel name or an OS (``darwin_arm64``, ``win32``,
    ``linux``) by preference."""
    builds = platforms(row)
    if platform in builds:
        return builds[platform]
    if platform.startswith("darwin-"):  # one universal build serves both Mac arches
        return builds.get("darwin-universal")
    os_name = PLATFORM_OS.get(platform.lower())
    if os_name is None:
        return None
    arches = ("aarch64", "universal") if platform.lower() == "darwin_arm64" else _ARCH_PREFERENCE
    for arch in arches:
        found = builds.get(f"{os_name}-{arch}")
        if found is not None:
            return found
    return None


def squirrel(row: VersionRow, platform: str) -> dict[str, Any]:
    """Hazel's and Squirrel's answer, plus Tauri's fields when the platform's build is
    signed (both clients ignore the fields they do not know)."""
    build = build_for(row, platform)
    answer: dict[str, Any] = {
        "name": row["version"],
        "notes": row["changelog"],
        "pub_date": rfc3339(row["release_date"]),
        "url": build["url"] if build else row["download_url"],
    }
    if build and build.get("signature"):
        answer["version"] = row["version"]
        answer["signature"] = build["signature"]
    return answer


def _yaml_scalar(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def electron_builder_yaml(row: VersionRow, os_name: str) -> str | None:
    """``latest*.yml`` of ``os_name`` (windows, darwin, linux); None without a build
    that has its SHA-512 (electron-updater refuses a file without one)."""
    builds = platforms(row)
    files = [
        b
        for key in sorted(builds)
        if key.startswith(os_name + "-") and (b := builds[key]).get("sha512")
    ]
    if not files:
        return None
    lines = [f"version: {_yaml_scalar(row['version'])}", "files:"]
    for build in files:
        lines.append(f"  - url: {_yaml_scalar(build['url'])}")
        lines.append(f"    sha512: {_yaml_scalar(build['sha512'])}")
        if build.get("size"):
            lines.append(f"    size: {int(build['size'])}")
    lines.append(f"path: {_yaml_scalar(files[0]['url'])}")
    lines.append(f"sha512: {_yaml_scalar(files[0]['sha512'])}")
    lines.append(f"releaseDate: {_yaml_scalar(rfc3339(row['release_date']))}")
    if row["changelog"]:
        lines.append(f"releaseNotes: {_yaml_scalar(row['changelog'])}")
    return "\n".join(lines) + "\n"


def appcast(rows: Sequence[VersionRow], *, channel: str, title: str, link: str) -> bytes:
    """A Sparkle appcast of ``rows`` (newest first), each with its macOS build."""
    ET.register_namespace("sparkle", SPARKLE_NS)
    rss = ET.Element("rss", {"version": "2.0"})
    feed = ET.SubElement(rss, "channel")
    ET.SubElement(feed, "title").text = title
    ET.SubElement(feed, "link").text = link
    ET.SubElement(feed, "description").text = f"The {channel} channel's releases."
    ET.SubElement(feed, "language").text = "en"
    for row in rows:
        build = build_for(row, "darwin")
        if build is None or not build.get("size"):
            continue  # Sparkle needs the enclosure's length
        item = ET.SubElement(feed, "item")
        ET.SubElement(item, "title").text = f"Version {row['version']}"
        ET.SubElement(item, f"{{{SPARKLE_NS}}}version").text = row["version"]
        ET.SubElement(item, f"{{{SPARKLE_NS}}}shortVersionString").text = row["version"]
        ET.SubElement(item, "pubDate").text = format_datetime(
            datetime.fromtimestamp(row["release_date"], UTC)
        )
        ET.SubElement(item, "description").text = render_notes(row["changelog"])
        enclosure = {
            "url": build["url"],
            "length": str(int(build["size"])),
            "type": "application/octet-stream",
        }
        if build.get("ed_signature"):
            enclosure[f"{{{SPARKLE_NS}}}edSignature"] = build["ed_signature"]
        ET.SubElement(item, "enclosure", enclosure)
    body: bytes = ET.tostring(rss, encoding="utf-8", xml_declaration=True)
    return body
