"""Saved dashboard layouts (the seed's Dashboard): CRUD for their owner.

A layout is ``layout_config`` (``{"columns": 1..4}``) and ``widget_configs``, a
list of widgets the monitoring page renders in order: ``vitals`` (p75 of each
vital over the dashboard's range, with the chart), ``errors`` (the latest
unresolved error groups), ``alerts`` (the active ones) and ``health``."""

from __future__ import annotations

import json
from typing import Any, Literal

from fastapi import APIRouter, Depends, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from core.clock import iso
from core.data.owned import Owned
from core.deps import ports as ports_of
from core.identity import owned
from core.ids import new_id
from core.monitoring import repo
from core.ports import Ports, Row, stmt

router = APIRouter(tags=["dashboards"])
WidgetType = Literal["vitals", "errors", "alerts", "health"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Widget(_Strict):
    type: WidgetType
    title: str | None = Field(default=None, max_length=100)
    days: int = Field(default=7, ge=1, le=90)
    limit: int = Field(default=10, ge=1, le=50)


class Layout(_Strict):
    columns: int = Field(default=2, ge=1, le=4)


class DashboardIn(_Strict):
    name: str = Field(min_length=1, max_length=100)
    description: str | None = Field(default=None, max_length=1000)
    layout_config: Layout = Field(default_factory=Layout)
    widget_configs: list[Widget] = Field(min_length=1, max_length=12)
    is_public: bool = False
    is_default: bool = False


class DashboardPatch(_Strict):
    name: str | None = Field(default=None, min_length=1, max_length=100)
    description: str | None = Field(default=None, max_length=1000)
    layout_config: Layout | None = None
    widget_configs: list[Widget] | None = Field(default=None, min_length=1, max_length=12)
    is_public: bool | None = None
    is_default: bool | None = None


class Dashboard(BaseModel):
    id: str
    name: str
    description: str | None
    layout_config: dict[str, Any]
    widget_configs: list[dict[str, Any]]
    is_public: bool
    is_default: bool
    created_at: str
    updated_at: str


DEFAULT_WIDGETS = [Widget(type=t) for t in ("vitals", "errors", "alerts", "health")]


def to_model(row: Row) -> Dashboard:
    return Dashboard(
        id=row["id"],
        name=row["name"],
        description=row["description"],
        layout_config=json.loads(row["layout_config"]),
        widget_configs=json.loads(row["widget_configs"]),
        is_public=bool(row["is_public"]),
        is_default=bool(row["is_default"]),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


def _dump(value: Any) -> str:
    if isinstance(value, list):
        return json.dumps([v.model_dump() for v in value], separators=(",", ":"))
    return json.dumps(value.model_dump(), separators=(",", ":"))


def _undefault(owner: Owned) -> Any:
    return stmt("UPDATE dashboards SET is_default = 0 WHERE owner_id = ?", owner.owner_id)


async def default_for(owner: Owned, dashboard_id: str | None) -> Dashboard | None:
    """The dashboard asked for, else the owner's default, else their first; None if none."""
    if dashboard_id:
        return to_model(await owner.get(repo.DASHBOARDS, dashboard_id))
    row = await owner.db.first(
        "SELECT * FROM dashboards WHERE owner_id = ? ORDER BY is_default DESC, id LIMIT 1",
        owner.owner_id,
    )
    return to_model(row) if row else None


@router.post("/api/dashboards", status_code=201, response_model=Dashboard)
async def create(
    body: DashboardIn, owner: Owned = Depends(owned), ports: Ports = Depends(ports_of)
) -> Dashboard:
    now = ports.clock.now()
    row = {
        "id": new_id(now),
        "name": body.name,
        "description": body.description,
        "layout_config": _dump(body.layout_config),
        "widget_configs": _dump(body.widget_configs),
        "is_public": int(body.is_public),
        "is_default": int(body.is_default),
        "created_at": iso(now),
        "updated_at": iso(now),
    }
    statements = [_undefault(owner)] if body.is_default else []
    await ports.db.batch([*statements, owner.insert_statement(repo.DASHBOARDS, row)])
    return to_model(await owner.get(repo.DASHBOARDS, str(row["id"])))


@router.get("/api/dashboards")
async def list_dashboards(
    limit: int = Query(default=50, ge=1, le=200),
    cursor: str | None = Query(default=None, max_length=200),
    owner: Owned = Depends(owned),
) -> dict[str, object]:
    page = await owner.list(repo.DASHBOARDS, limit=limit, cursor=cursor)
    return {"items": [to_model(r) for r in page.items], "next_cursor": page.next_cursor}


@router.get("/api/dashboards/{id}", response_model=Dashboard)
async def get(id: str, owner: Owned = Depends(owned)) -> Dashboard:
    return to_model(await owner.get(repo.DASHBOARDS, id))


@router.patch("/api/dashboards/{id}", response_model=Dashboard)
async def patch(
    id: str, body: DashboardPatch, owner: Owned = Depends(owned), ports: Ports = Depends(ports_of)
) -> Dashboard:
    await owner.get(repo.DASHBOARDS, id)
    fields = body.model_dump(exclude_unset=True)
    values: dict[str, Any] = {}
    for name in ("name", "description"):
        if name in fields and (fields[name] is not None or name == "description"):
            values[name] = fields[name]
    if body.layout_config is not None:
        values["layout_config"] = _dump(body.layout_config)
    if body.widget_configs is not None:
        values["widget_configs"] = _dump(body.widget_configs)
    for name in ("is_public", "is_default"):
        if fields.get(name) is not None:
            values[name] = int(fields[name])
    values["updated_at"] = iso(ports.clock.now())
    statements = [_undefault(owner)] if fields.get("is_default") else []
    await ports.db.batch([*statements, owner.update_statement(repo.DASHBOARDS, id, values)])
    return to_model(await owner.get(repo.DASHBOARDS, id))


@router.delete("/api/dashboards/{id}", status_code=204)
async def delete(id: str, owner: Owned = Depends(owned)) -> Response:
    await owner.delete(repo.DASHBOARDS, id)
    return Response(status_code=204)
