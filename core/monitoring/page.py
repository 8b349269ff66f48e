"""The owner's monitoring page (``GET /monitoring``): a saved dashboard's widgets
(vitals at p75 with the analytics chart package, error groups, open alerts,
health), rendered on the server; the page script draws the chart from the data
the page carries. Also the page's static files and the vitals snippet of the
public profile page (the ``web-vitals`` package, built by scripts/build_assets.py)."""

from __future__ import annotations

import base64
import functools
import json
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse, Response
from markupsafe import Markup

from core.analytics import dashboard_static_files
from core.data.actor import Actor
from core.data.owned import Owned
from core.deps import ports as ports_of
from core.errors import NotFound
from core.identity import optional_actor
from core.monitoring import dashboards, errorlog, monitoring_assets, repo, vitals
from core.monitoring.alerts import lifecycle
from core.monitoring.thresholds import THRESHOLDS, UNITS, VITALS
from core.ports import Ports
from core.web.render import render

router = APIRouter(include_in_schema=False)
IMMUTABLE = "public, max-age=31536000, immutable"
DAY = 86400


@functools.lru_cache(maxsize=1)
def static_files() -> dict[str, Any]:
    """Monitoring's static files by plain name, as analytics serves its own."""
    files = {}
    for name, (content_type, sha256, encoded) in monitoring_assets.FILES.items():
        stem, dot, ext = name.rpartition(".")
        served = f"{stem}.{sha256[:16]}{dot}{ext}"
        files[name] = {
            "name": served,
            "url": f"/static/monitoring/{served}",
            "content_type": content_type,
            "etag": f'"{sha256[:32]}"',
            "integrity": "sha256-" + base64.b64encode(bytes.fromhex(sha256)).decode("ascii"),
            "body": base64.b64decode(encoded),
        }
    return files


def vitals_templates() -> dict[str, str]:
    """The ``web-vitals`` build as a page file, for the public page's inline snippet."""
    text = static_files()["web-vitals.js"]["body"].decode("utf-8")
    return {"web-vitals.js": "{% raw %}" + text + "{% endraw %}"}


@router.get("/static/monitoring/{name}")
async def static_file(request: Request, name: str) -> Response:
    found = next((f for f in static_files().values() if f["name"] == name), None)
    if found is None:
        raise NotFound("No such file.")
    headers = {"cache-control": IMMUTABLE, "etag": found["etag"]}
    if request.headers.get("if-none-match") == found["etag"]:
        return Response(status_code=304, headers=headers)
    return Response(found["body"], media_type=found["content_type"], headers=headers)


async def _widget(owner: Owned, widget: dict[str, Any], now: float) -> dict[str, Any]:
    kind = widget["type"]
    out: dict[str, Any] = {"type": kind, "title": widget.get("title")}
    if kind == "vitals":
        end = -(-int(now) // 3600) * 3600
        start = end - widget.get("days", 7) * DAY
        out["items"] = await vitals.percentiles(owner.db, owner.owner_id, start, end)
        out["series"] = await vitals.daily_p75(owner.db, owner.owner_id, start, end)
        out["days"] = widget.get("days", 7)
    elif kind == "errors":
        groups = await errorlog.list_groups(
            owner, resolved=False, severity=None, limit=widget.get("limit", 10), cursor=None
        )
        out["items"] = groups.items
    elif kind == "alerts":
        page = await lifecycle.list_alerts(
            owner, status=None, platform=False, limit=widget.get("limit", 10), cursor=None
        )
        out["items"] = [a for a in page.items if a.status != "resolved"]
    else:
        out["items"] = await repo.latest_health(owner.db)
    return out


def _script_json(value: object) -> Markup:
    """JSON for a ``<script type="application/json">`` block: nothing in it can close it."""
    text = json.dumps(value, separators=(",", ":"))
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(text)  # noqa: S704 (escaped above)


@router.get("/monitoring")
async def monitoring_page(
    request: Request,
    dashboard: str | None = Query(default=None, max_length=64),
    actor: Actor | None = Depends(optional_actor),
    ports: Ports = Depends(ports_of),
) -> Response:
    if actor is None:
        return RedirectResponse("/login?next=/monitoring", status_code=303)
    owner = Owned(ports.db, actor)
    saved = await dashboards.default_for(owner, dashboard)
    widgets = (
        saved.widget_configs if saved else [w.model_dump() for w in dashboards.DEFAULT_WIDGETS]
    )
    columns = saved.layout_config.get("columns", 2) if saved else 2
    now = ports.clock.now()
    rendered = [await _widget(owner, w, now) for w in widgets]
    series: dict[str, Any] = next((w["series"] for w in rendered if w["type"] == "vitals"), {})
    analytics_files = dashboard_static_files()
    return render(
        request,
        "monitoring.html",
        signed_in=True,
        dashboard=saved,
        columns=columns,
        widgets=rendered,
        thresholds=THRESHOLDS,
        units=UNITS,
        vitals=VITALS,
        series_json=_script_json(series),
        uplot={name: analytics_files[name] for name in ("uplot.js", "uplot.css")},
        assets=static_files(),
    )
