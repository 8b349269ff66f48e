"""The one door to Pyodide's FFI: values between Python and the JS bindings.

Every adapter in ``worker/`` asks ``js_interop()`` for the FFI at call time, never
at import, so this package imports under CPython; tests replace ``js_interop``
with the stand-in's fakes (``tests/edge/standin.py``).

The adapters talk to the JS bindings themselves. The Python SDK's env wrapper
converts every argument and result through its RPC converters (and walks a
``Uint8Array`` argument byte by byte), so ``unwrap`` reaches past it and the
conversions here are explicit: results with ``to_py()``, ``None`` as JS null,
bytes with ``to_js``, option dicts as plain JS objects.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

# The largest integer a JS number holds exactly (Number.MAX_SAFE_INTEGER).
MAX_SAFE_INTEGER = 2**53 - 1


@dataclass(frozen=True, slots=True)
class Interop:
    """What the adapters need from Pyodide: ``to_js``, JS null, proxies and ``js``."""

    to_js: Callable[..., Any]
    jsnull: Any
    create_proxy: Callable[[Any], Any]
    js: Any  # the ``js`` module: fetch, Object, Date, AbortSignal


@functools.cache
def _pyodide() -> Interop:
    import js  # type: ignore[import-not-found]
    from pyodide.ffi import create_proxy, to_js  # type: ignore[import-not-found]

    try:
        from pyodide.ffi import jsnull  # type: ignore[import-not-found]
    except ImportError:  # Pyodide before 0.27: None already converts to null
        jsnull = None
    return Interop(to_js=to_js, jsnull=jsnull, create_proxy=create_proxy, js=js)


def js_interop() -> Interop:
    """The FFI of the running Pyodide (replaced by fakes in tests)."""
    return _pyodide()


def unwrap(binding: Any) -> Any:
    """The JS binding behind the SDK's ``_BindingWrapper``, or ``binding`` itself."""
    return getattr(binding, "_binding", binding)


def is_null(value: Any, ffi: Interop) -> bool:
    return value is None or (ffi.jsnull is not None and value is ffi.jsnull)


def to_py(value: Any, ffi: Interop) -> Any:
    """A JS result as Python: ``to_py()`` where it is a proxy, JS null as None."""
    if is_null(value, ffi):
        return None
    convert = getattr(value, "to_py", None)
    if callable(convert):
        value = convert()
    return _nulls_to_none(value, ffi.jsnull)


def _nulls_to_none(value: Any, jsnull: Any) -> Any:
    if jsnull is not None and value is jsnull:
        return None
    if isinstance(value, dict):
        return {k: _nulls_to_none(v, jsnull) for k, v in value.items()}
    if isinstance(value, list):
        return [_nulls_to_none(v, jsnull) for v in value]
    return value


def js_object(mapping: Mapping[str, Any], ffi: Interop) -> Any:
    """A plain JS object (not a ``Map``) from a dict, nested dicts too; keys whose value
    is None are left out, since None would arrive as ``undefined``."""
    return ffi.to_js(_without_none(mapping), dict_converter=ffi.js.Object.fromEntries)


def _without_none(mapping: Mapping[str, Any]) -> dict[str, Any]:
    return {
        k: _without_none(v) if isinstance(v, Mapping) else v
        for k, v in mapping.items()
        if v is not None
    }


def to_bytes(value: Any) -> bytes:
    """Bytes from whatever a binding hands back: a JS buffer, a memoryview, a list of numbers."""
    if isinstance(value, bytes):
        return value
    if isinstance(value, bytearray | memoryview):
        return bytes(value)
    if isinstance(value, list):
        return bytes(value)
    convert = getattr(value, "to_bytes", None)
    if callable(convert):
        return bytes(convert())
    raise TypeError(f"not a byte buffer: {type(value).__name__}")


def error_text(exc: BaseException) -> str:
    """A JS error's message, as ``str()`` of the Pyodide ``JsException`` gives it."""
    return str(exc) or type(exc).__name__
