"""The public side: ``page`` renders a profile's page and keeps it in KV by slug,
``routes`` serves it (``/p/{slug}``) and its links' redirect (``/l/{link_id}``)."""
