"""Assets: images uploaded by their owners, checked by their bytes, re-encoded
without metadata, stored under the owner's blob prefix and served publicly.

``sniff`` judges a file's type by its first bytes; ``images`` re-encodes it with
Pillow; ``form`` reads the multipart upload; ``repo`` holds the SQL, ``service``
the upload and deletion flows, ``routes`` the API and ``serve`` the public files.
Features whose rows point at assets provide ``AssetReferences``.
"""

from __future__ import annotations

from core.assets import routes, serve
from core.assets.form import UploadForm, read_upload
from core.assets.jobs import SWEEP_UPLOADS_JOB
from core.assets.references import AssetReferences
from core.assets.repo import ASSETS
from core.assets.service import ReadyImage, is_ready_image, ready_image_urls, ready_images
from core.feature import Feature, Scheduled
from core.jobs.schedule import DAILY

FEATURE = Feature(
    name="assets",
    routers=(routes.router, serve.router),
    owned_tables=(ASSETS,),
    policies=(routes.UPLOADS,),
    jobs=(Scheduled(DAILY, SWEEP_UPLOADS_JOB),),
    body_rules=(routes.upload_body_rule,),
)

__all__ = [
    "FEATURE",
    "AssetReferences",
    "ReadyImage",
    "UploadForm",
    "is_ready_image",
    "read_upload",
    "ready_image_urls",
    "ready_images",
]
