"""The product's three crons, the same as ``wrangler.toml``'s triggers. Which
jobs run on each is declared by the features (``Feature.jobs``)."""

from __future__ import annotations

EVERY_FIVE_MINUTES = "*/5 * * * *"
HOURLY = "0 * * * *"
DAILY = "30 3 * * *"
CRONS = (EVERY_FIVE_MINUTES, HOURLY, DAILY)
