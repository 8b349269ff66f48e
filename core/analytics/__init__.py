"""Analytics: views, clicks and beacon events counted without identifying anyone.

The public surface for other features is ``record_after_response`` and
``ServerEvent`` (``core.analytics.recorder``); the page snippet that sends the
beacon is ``core.analytics.beacon.beacon_script``.
"""

from __future__ import annotations

from core.analytics.recorder import ServerEvent, record_after_response

__all__ = ["ServerEvent", "record_after_response"]
