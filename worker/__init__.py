"""The edge: the Worker entry (``worker/entry.py``) and the binding adapters.

``worker.bindings`` is the public surface: the adapters that put the core ports
over the Cloudflare bindings, the edge runtime and the settings reader. Nothing
in this package imports ``js``, ``pyodide`` or ``workers`` at module level, so it
imports under CPython for tests; all JS access goes through ``worker.interop``.
"""
