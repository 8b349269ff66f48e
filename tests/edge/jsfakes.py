"""Fake JS values and a fake Pyodide FFI, for the binding stand-ins.

They keep the edges the real FFI has: a Python dict handed to a JS API is a
PyProxy (its keys are not properties), Python None arrives as ``undefined``,
JS null is ``jsnull``, results are proxies that need ``to_py()``, and a missing
property raises AttributeError.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from worker import interop


class JsError(Exception):
    """A JS exception as Pyodide raises it (``JsException``): ``str()`` is the message."""


class JsNull:
    def __repr__(self) -> str:
        return "jsnull"


JSNULL = JsNull()


class JsObject:
    """A plain JS object seen from Python: properties as attributes, ``to_py()`` a dict."""

    def __init__(self, fields: dict[str, Any] | None = None) -> None:
        object.__setattr__(self, "_fields", dict(fields or {}))

    def __getattr__(self, name: str) -> Any:
        try:
            return self._fields[name]
        except KeyError:
            raise AttributeError(name) from None

    def __setattr__(self, name: str, value: Any) -> None:
        self._fields[name] = value

    def has(self, name: str) -> bool:
        return name in self._fields

    def to_py(self) -> dict[str, Any]:
        return {k: _to_py(v) for k, v in self._fields.items()}

    def __repr__(self) -> str:
        return f"JsObject({self._fields!r})"


class JsArray(list[Any]):
    def to_py(self) -> list[Any]:
        return [_to_py(v) for v in self]


class Uint8Array:
    def __init__(self, data: bytes) -> None:
        self.data = bytes(data)

    def to_bytes(self) -> bytes:
        return self.data

    def __len__(self) -> int:
        return len(self.data)


class JsDate:
    def __init__(self, millis: float) -> None:
        self.millis = float(millis)

    def getTime(self) -> float:
        return self.millis


def _to_py(value: Any) -> Any:
    if isinstance(value, JsObject | JsArray):
        return value.to_py()
    return value  # Pyodide leaves jsnull as jsnull and other proxies as proxies


def _from_entries(entries: Any) -> Any:  # stands for js.Object.fromEntries
    raise AssertionError("only passed to to_js as dict_converter")


def to_js(value: Any, *, dict_converter: Callable[..., Any] | None = None, **_: Any) -> Any:
    """Like ``pyodide.ffi.to_js``: dicts become plain objects only with ``Object.fromEntries``."""
    if isinstance(value, bytes | bytearray | memoryview):
        return Uint8Array(bytes(value))
    if isinstance(value, dict):
        if dict_converter is not _from_entries:
            return JsMap(value)
        return JsObject({k: to_js(v, dict_converter=dict_converter) for k, v in value.items()})
    if isinstance(value, list | tuple):
        return JsArray(to_js(v, dict_converter=dict_converter) for v in value)
    return value


class JsMap(dict[Any, Any]):
    """What ``to_js(dict)`` gives without a converter: a JS Map, whose entries are no
    properties, so a binding reading ``options.expirationTtl`` would see nothing."""


class _Namespace:
    def __init__(self, **members: Any) -> None:
        self.__dict__.update(members)


class FakeJs:
    """The parts of Pyodide's ``js`` module the adapters use."""

    def __init__(self) -> None:
        self.Object = _Namespace(fromEntries=_from_entries)
        self.Date = _Namespace(new=JsDate)
        self.AbortSignal = _Namespace(timeout=lambda ms: _Namespace(timeout_ms=ms))
        self.fetch: Callable[..., Any] | None = None


def make_interop(js: FakeJs | None = None) -> interop.Interop:
    return interop.Interop(to_js=to_js, jsnull=JSNULL, create_proxy=lambda v: v, js=js or FakeJs())


@contextmanager
def patched_interop(fake: interop.Interop | None = None) -> Iterator[interop.Interop]:
    """Point ``worker.interop.js_interop`` at the fakes for the duration."""
    fake = fake or make_interop()
    saved = interop.js_interop
    interop.js_interop = lambda: fake  # type: ignore[assignment]
    try:
        yield fake
    finally:
        interop.js_interop = saved  # type: ignore[assignment]


def options_of(value: Any, api: str) -> JsObject:
    """An options argument as a JS API reads it; refuses what would not reach it intact."""
    if value is None:
        return JsObject()
    if not isinstance(value, JsObject):
        raise JsError(
            f"TypeError: {api}: options must be a plain JS object, got {type(value).__name__} "
            "(a dict passed as is arrives as a PyProxy or a Map, and its keys are lost)"
        )
    return value


def field(options: JsObject, name: str, default: Any = None) -> Any:
    value = getattr(options, name, default)
    return default if value is JSNULL else value
