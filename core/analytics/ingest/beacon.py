"""The page script that sends the beacon: load time, clicks for the heatmap,
custom events (``window.creatorEdge.track(name, properties)``), batched and sent
with ``navigator.sendBeacon`` as text/plain (no preflight). No third party.

Profiles include it in the public page with ``beacon_script(nonce, profile_id)``
(or the template ``analytics_beacon.html`` with ``profile_id`` and ``nonce`` in
the context). It needs ``connect-src 'self'``, which the page CSP allows.
"""

from __future__ import annotations

from markupsafe import Markup, escape

from core.analytics.page_files import FILES

ENDPOINT = "/api/collect"

# The script is core/analytics/static/beacon.js. Coordinates are fractions (0
# to 1) of the viewport; a batch holds at most 50 events and leaves after 2 s,
# when full, or when the page is hidden.
BEACON_JS = FILES["beacon.js"].removesuffix("\n")


def beacon_script(nonce: str, profile_id: str) -> Markup:
    """The nonce'd inline script for a public profile page."""
    return Markup(  # noqa: S704 (the script is a constant; both values are escaped)
        f'<script nonce="{escape(nonce)}" data-profile="{escape(profile_id)}">{BEACON_JS}</script>'
    )
