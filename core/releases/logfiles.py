"""What a diagnostic upload is, judged by its bytes: a text log or a zip of logs.

Never by its name or the Content-Type the client sent. An executable (PE, ELF,
Mach-O, a script with a ``#!`` line) posing as a log is refused by its magic
bytes, and so is anything else that is not UTF-8 text without binary control
characters (tab, newline, carriage return, form feed and the escape of ANSI
colours are allowed) or a zip archive.
"""

from __future__ import annotations

import re

from core.errors import UnsupportedMediaType

TEXT = "text/plain"
ZIP = "application/zip"
EXTENSIONS = {TEXT: "log", ZIP: "zip"}

_EXECUTABLES: tuple[tuple[bytes, str], ...] = (
    (b"MZ", "a Windows executable"),
    (b"\x7fELF", "an ELF executable"),
    (b"\xfe\xed\xfa\xce", "a Mach-O executable"),
    (b"\xfe\xed\xfa\xcf", "a Mach-O executable"),
    (b"\xce\xfa\xed\xfe", "a Mach-O executable"),
    (b"\xcf\xfa\xed\xfe", "a Mach-O executable"),
    (b"\xca\xfe\xba\xbe", "a Mach-O universal binary"),
    (b"#!", "a script"),
)
_ZIP = (b"PK\x03\x04", b"PK\x05\x06")
_BINARY = re.compile(rb"[\x00-\x08\x0b\x0e-\x1a\x1c-\x1f\x7f]")


def _refuse(what: str) -> UnsupportedMediaType:
    return UnsupportedMediaType(
        f"A diagnostic upload is a text log or a zip of logs, not {what}.",
        details={"accepted": [TEXT, ZIP]},
    )


def log_type(data: bytes) -> str:
    """``text/plain`` or ``application/zip``; 415 for anything else."""
    for magic, what in _EXECUTABLES:
        if data.startswith(magic):
            raise _refuse(what)
    if data.startswith(_ZIP):
        return ZIP
    if _BINARY.search(data) is not None:
        raise _refuse("a binary file")
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        raise _refuse("text in an encoding other than UTF-8") from None
    return TEXT
