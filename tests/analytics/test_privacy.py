"""No raw address anywhere: after traffic from a known IP, no file of the data
dir and no log line holds it, as text, as its four bytes, or in hex."""

from __future__ import annotations

import logging
import socket

from tests.analytics.conftest import CHROME, IPHONE, settle

KNOWN_IP = "192.0.2.201"


def forms(ip: str) -> list[bytes]:
    packed = socket.inet_aton(ip)
    return [
        ip.encode(),
        ip.encode("utf-16-le"),
        packed,
        packed.hex().encode(),
        packed.hex().upper().encode(),
        str(int.from_bytes(packed, "big")).encode(),
    ]


async def test_no_file_or_log_holds_the_address(
    alice, site, visitor, runtime, settings, caplog
) -> None:
    caplog.set_level(logging.DEBUG)
    for agent, headers in ((CHROME, {}), (IPHONE, {"cf-ipcountry": "FR"}), (CHROME, {"dnt": "1"})):
        client = visitor(KNOWN_IP, agent, **headers)
        await client.get(f"/p/{site.slug}?utm_source=x")
        await client.get(f"/l/{site.links[0]}")
        await client.post(
            "/api/collect",
            json={
                "events": [{"type": "page_view", "profile_id": site.profile_id, "x": 0.1, "y": 0.2}]
            },
        )
        await client.post("/api/collect", content=b"{bad", headers={"content-type": "text/plain"})
    await settle(runtime)
    export = await alice.get(
        f"/api/analytics/profiles/{site.profile_id}/export",
        params={"format": "json", "from": "2026-09-01"},
    )
    assert export.status_code == 200 and len(export.json()) == 9
    # The database and its WAL file, KV, blobs and secrets: every file there is.

    files = [p for p in settings.data_dir.rglob("*") if p.is_file()]
    assert any(p.name.endswith(".sqlite3") for p in files)
    for path in files:
        data = path.read_bytes()
        for form in forms(KNOWN_IP):
            assert form not in data, f"{path.name} holds {form!r}"
    logged = "\n".join(r.getMessage() + repr(r.args) for r in caplog.records).encode()
    assert caplog.records  # the access log ran
    for form in forms(KNOWN_IP):
        assert form not in logged
    assert KNOWN_IP not in export.text
