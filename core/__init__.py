"""creator-edge core: the application, pure Python, edge-safe at import."""
