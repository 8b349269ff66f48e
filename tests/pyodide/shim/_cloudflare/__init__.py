"""Stands in for workerd's ``_cloudflare`` package under the Pyodide tier.

workerd's Python runtime applies the runtime SDK's package patches
(``_workers_sdk_package_patches``: ``anyio.to_thread.run_sync`` runs inline, there
being no threads) through its import patch manager. Only that part is here:
``register_exec_patch``; the snapshot and entropy machinery is not.
"""
