"""Part of the tier's stand-in for Pillow: see ``PIL/__init__.py``."""

from PIL import ABSENT


def __getattr__(name: str) -> object:
    raise ImportError(ABSENT)
