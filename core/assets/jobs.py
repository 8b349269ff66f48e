"""The daily sweep of uploads that did not finish.

A process that dies mid-upload leaves its row 'uploading' or 'processing' and
perhaps a file written: after an hour such a row is marked failed and its files
are deleted (unless another of the owner's assets uses the same content). Failed
rows are purged once their ``expires_at`` has passed. This is system
maintenance across owners, so it reads the table directly, not through ``Owned``.
"""

from __future__ import annotations

import logging

from core.assets.repo import TABLE
from core.assets.service import FAILED_KEPT_SECONDS
from core.clock import iso
from core.jobs.dispatcher import Job, JobContext
from core.ports import Ports, Row

log = logging.getLogger("creator_edge.assets")
STUCK_AFTER = 3600
BATCH = 200


async def _drop_files(ports: Ports, row: Row) -> None:
    """Delete the row's files unless another live asset of its owner shares them."""
    if not row["storage_key"]:
        return
    shared = await ports.db.first(
        f"SELECT 1 AS x FROM {TABLE} WHERE owner_id = ? AND storage_key = ? AND id <> ?"  # noqa: S608
        " AND upload_status <> 'failed' LIMIT 1",
        row["owner_id"],
        row["storage_key"],
        row["id"],
    )
    if shared is None:
        await ports.blobs.delete([k for k in (row["storage_key"], row["thumbnail_key"]) if k])


async def sweep_uploads(ctx: JobContext) -> None:
    ports, now = ctx.ports, ctx.scheduled_time
    stuck = await ports.db.all(
        f"SELECT id, owner_id, storage_key, thumbnail_key FROM {TABLE}"  # noqa: S608
        " WHERE upload_status IN ('uploading', 'processing') AND updated_at < ? LIMIT ?",
        iso(now - STUCK_AFTER),
        BATCH,
    )
    for row in stuck:
        await _drop_files(ports, row)
        await ports.db.run(
            f"UPDATE {TABLE} SET upload_status = 'failed', upload_error = ?,"  # noqa: S608
            " updated_at = ?, expires_at = ? WHERE id = ? AND upload_status <> 'ready'",
            "The upload was interrupted. Upload it again.",
            iso(now),
            iso(now + FAILED_KEPT_SECONDS),
            row["id"],
        )
    expired = await ports.db.all(
        f"SELECT id, owner_id, storage_key, thumbnail_key FROM {TABLE}"  # noqa: S608
        " WHERE upload_status = 'failed' AND expires_at < ? LIMIT ?",
        iso(now),
        BATCH,
    )
    for row in expired:
        await _drop_files(ports, row)
        await ports.db.run(f"DELETE FROM {TABLE} WHERE id = ?", row["id"])  # noqa: S608
    if stuck or expired:
        log.info("asset sweep: %d interrupted uploads failed, %d purged", len(stuck), len(expired))


SWEEP_UPLOADS_JOB = Job("sweep_uploads", sweep_uploads)
