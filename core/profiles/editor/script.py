"""The editor's one script (``static/editor.js``), served as a static file at
``/editor/editor.js?v=<hash>``.

It enhances pages that work without it: the Up and Down forms reorder in place
through ``PUT /api/profiles/{id}/links/order``, and the avatar widget shrinks
the image in the browser (canvas, at most 2048 px, WebP, or JPEG where the
browser cannot encode WebP) before ``POST /api/assets``. Calls go with the
page's session cookie; the browser adds Origin, which the API checks."""

from __future__ import annotations

import hashlib

from core.profiles.page_files import FILES

EDITOR_JS = FILES["editor.js"]
VERSION = hashlib.sha256(EDITOR_JS.encode()).hexdigest()[:12]
URL = f"/editor/editor.js?v={VERSION}"
