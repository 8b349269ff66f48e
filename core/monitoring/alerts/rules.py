"""Alert rules: CRUD for their owner."""

from __future__ import annotations

import json
import secrets
from typing import Any

from core.clock import iso
from core.data.owned import Owned, Page
from core.errors import Invalid
from core.ids import new_id
from core.monitoring import repo
from core.monitoring.alerts.models import CONFIGS, Rule, RuleIn, RulePatch
from core.ports import Row


def to_model(row: Row, *, with_secret: bool = False) -> Rule:
    return Rule(
        id=row["id"],
        name=row["name"],
        description=row["description"],
        condition_type=row["condition_type"],
        condition_config=json.loads(row["condition_config"]),
        severity=row["severity"],
        enabled=bool(row["enabled"]),
        notification_channels=json.loads(row["notification_channels"]),
        cooldown_minutes=row["cooldown_minutes"],
        last_triggered=iso(row["last_triggered"]) if row["last_triggered"] is not None else None,
        created_by=row["created_by"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        webhook_secret=row["webhook_secret"] if with_secret else None,
    )


def _check_channels(channels: list[Any], allow_http: bool) -> str:
    out = []
    for channel in channels:
        if channel.type == "webhook" and not allow_http and not channel.url.startswith("https://"):
            raise Invalid(
                "A webhook url must be https://.",
                details=[{"field": "notification_channels", "message": "https only"}],
            )
        out.append(channel.model_dump(exclude_none=True))
    return json.dumps(out, separators=(",", ":"))


async def create(owner: Owned, body: RuleIn, *, now: float, allow_http: bool) -> Rule:
    row = {
        "id": new_id(now),
        "name": body.name,
        "description": body.description,
        "condition_type": body.condition_type,
        "condition_config": json.dumps(body.condition_config, separators=(",", ":")),
        "severity": body.severity,
        "enabled": int(body.enabled),
        "notification_channels": _check_channels(body.notification_channels, allow_http),
        "webhook_secret": secrets.token_urlsafe(32),
        "cooldown_minutes": body.cooldown_minutes,
        "last_triggered": None,
        "created_by": owner.owner_id,
        "created_at": iso(now),
        "updated_at": iso(now),
    }
    await owner.insert(repo.RULES, row)
    return to_model(await owner.get(repo.RULES, str(row["id"])), with_secret=True)


async def get(owner: Owned, rule_id: str) -> Rule:
    return to_model(await owner.get(repo.RULES, rule_id))


async def list_rules(owner: Owned, *, limit: int, cursor: str | None) -> Page[Rule]:
    page = await owner.list(repo.RULES, limit=limit, cursor=cursor)
    return Page([to_model(r) for r in page.items], page.next_cursor)


async def update(
    owner: Owned, rule_id: str, patch: RulePatch, *, now: float, allow_http: bool
) -> Rule:
    row = await owner.get(repo.RULES, rule_id)
    values: dict[str, Any] = {}
    fields = patch.model_dump(exclude_unset=True)
    for name in ("name", "description", "severity", "cooldown_minutes"):
        if name in fields:
            if fields[name] is None and name != "description":
                raise Invalid(f"'{name}' cannot be null.")
            values[name] = fields[name]
    if fields.get("enabled") is not None:
        values["enabled"] = int(fields["enabled"])
    if patch.condition_config is not None:
        model = CONFIGS[row["condition_type"]]
        try:
            config = model.model_validate(patch.condition_config).model_dump()
        except ValueError as exc:
            raise Invalid("The condition is invalid.", details=str(exc)[:500]) from None
        values["condition_config"] = json.dumps(config, separators=(",", ":"))
    if patch.notification_channels is not None:
        values["notification_channels"] = _check_channels(patch.notification_channels, allow_http)
    values["updated_at"] = iso(now)
    await owner.update(repo.RULES, rule_id, values)
    return to_model(await owner.get(repo.RULES, rule_id))


async def delete(owner: Owned, rule_id: str) -> None:
    await owner.delete(repo.RULES, rule_id)
