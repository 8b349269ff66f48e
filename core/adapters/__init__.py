"""Local adapters: SQLite, Redis and a folder behind the ports.

Imported only by local entry points (the dev server, scripts, tests). Nothing
here may be imported by ``worker/``: these modules use sqlite3, redis-py,
threads and the filesystem, none of which exist at the edge.
"""
