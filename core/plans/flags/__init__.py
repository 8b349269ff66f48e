"""Feature flags: stored in D1, published to KV as one document, evaluated per
user from the isolate's copy of it (``store``), edited by admins (``routes``)."""
