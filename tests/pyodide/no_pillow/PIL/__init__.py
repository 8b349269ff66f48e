"""Stands in for Pillow under the Pyodide tier, which cannot have it.

Pyodide's build of Pillow is on Pyodide's CDN only (neither PyPI nor the npm
package has it), so the tier has no Pillow to install. ``core/assets/images.py``
imports it at the top (so at the edge it is in the memory snapshot): this
package lets that import succeed, and any real use of Pillow raises, which the
tier's image steps skip on. Only on the tier's path, after the bundle.
"""

ABSENT = "Pillow has no Pyodide build to be had offline: image steps are skipped in the tier"
