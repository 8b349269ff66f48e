"""Place facts for the local runtime (at the edge ``request.cf`` gives them).

From Cloudflare-style headers when a proxy in front sets them (CF-IPCountry,
CF-IPCity, CF-Region, CF-Timezone), else from a MaxMind City database when
``CREATOR_EDGE_GEOIP_DB`` names one (the optional ``maxminddb`` reader, in the
``local`` extra). The address is looked up and forgotten: never stored.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from pathlib import Path
from typing import Any

log = logging.getLogger("creator_edge.analytics")

HEADER_FACTS = {
    b"cf-ipcountry": "country",
    b"cf-ipcity": "city",
    b"cf-region": "region",
    b"cf-timezone": "timezone",
}


def facts_from_headers(headers: Iterable[tuple[bytes, bytes]]) -> dict[str, str]:
    facts: dict[str, str] = {}
    for name, value in headers:
        fact = HEADER_FACTS.get(name)
        if fact is not None and value:
            facts[fact] = value.decode("utf-8", "replace")[:80]
    return facts


class MaxMindCity:
    """Lookups in a MaxMind City (or Country) database, opened on first use."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._reader: Any = None
        self._failed = False

    def _open(self) -> Any:
        if self._reader is None and not self._failed:
            try:
                import maxminddb

                self._reader = maxminddb.open_database(str(self.path))
            except Exception:
                self._failed = True
                log.exception("analytics: the GeoIP database %s cannot be opened", self.path)
        return self._reader

    def facts(self, ip: str) -> dict[str, str]:
        reader = self._open()
        if reader is None:
            return {}
        try:
            record = reader.get(ip)
        except ValueError:  # not an address
            return {}
        if not isinstance(record, dict):
            return {}
        facts: dict[str, str] = {}
        country = (record.get("country") or {}).get("iso_code")
        if country:
            facts["country"] = str(country)
        city = ((record.get("city") or {}).get("names") or {}).get("en")
        if city:
            facts["city"] = str(city)
        subdivisions = record.get("subdivisions") or []
        if subdivisions:
            region = (subdivisions[0].get("names") or {}).get("en")
            if region:
                facts["region"] = str(region)
        timezone = (record.get("location") or {}).get("time_zone")
        if timezone:
            facts["timezone"] = str(timezone)
        return facts

    def close(self) -> None:
        if self._reader is not None:
            self._reader.close()
            self._reader = None


def local_facts(scope: Any, geoip: MaxMindCity | None, ip_header: str | None) -> dict[str, str]:
    """The local runtime's ``request_facts``: headers first, then the database."""
    headers = scope.get("headers") or []
    facts = facts_from_headers(headers)
    if facts or geoip is None:
        return facts
    from core.security.client import client_ip

    header = ip_header.lower().encode() if ip_header else None
    ip = client_ip(headers, scope.get("client"), header)
    return geoip.facts(ip) if ip else {}
