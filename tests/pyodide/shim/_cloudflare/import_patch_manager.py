"""``register_exec_patch`` as workerd's import patch manager offers it: the patch, a
context manager taking the module, is entered around the module's execution (or
run at once on a module already imported: pytest's anyio plugin imports anyio
before the patches load)."""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import sys
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

Patch = Callable[[Any], AbstractContextManager[None]]
_patches: dict[str, Patch] = {}


def register_exec_patch(name: str) -> Callable[[Patch], Patch]:
    def register(patch: Patch) -> Patch:
        _patches[name] = patch
        loaded = sys.modules.get(name)
        if loaded is not None:  # imported before the patches were: patch it now
            with patch(loaded):
                pass
        return patch

    return register


class _Loader(importlib.abc.Loader):
    def __init__(self, inner: Any, patch: Patch) -> None:
        self._inner, self._patch = inner, patch

    def create_module(self, spec: Any) -> Any:
        return self._inner.create_module(spec)

    def exec_module(self, module: Any) -> None:
        with self._patch(module):
            self._inner.exec_module(module)


class _Finder(importlib.abc.MetaPathFinder):
    def find_spec(self, name: str, path: Any, target: Any = None) -> Any:
        patch = _patches.get(name)
        if patch is None:
            return None
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        if spec is not None and spec.loader is not None:
            spec.loader = _Loader(spec.loader, patch)
        return spec


_finder = _Finder()
sys.meta_path.insert(0, _finder)


def ahead_of_pytest() -> None:
    """Put the patching finder back in front, where pytest's assertion rewriter
    (which loads the packages of pytest plugins itself) pushed it back."""
    if _finder in sys.meta_path:
        sys.meta_path.remove(_finder)
    sys.meta_path.insert(0, _finder)
