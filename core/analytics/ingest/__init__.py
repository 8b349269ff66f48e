"""Ingest: from a request to stored events. ``beacon`` is the page snippet,
``collect`` what is read on the request path and what runs after the response,
with ``agents`` (user agents), ``geo`` and ``sources`` (place, referrer, UTM),
``salts`` (the daily visitor hash) and ``writer`` (the local buffer)."""
