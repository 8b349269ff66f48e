"""Reading a multipart upload as it streams in, with python-multipart's parser.

Starlette's own form parsing spools a file over 1 MB to a temporary file and
reads and writes it through a thread pool; the edge has no threads. Here the
parts are gathered in memory as they arrive (the pipeline has already bounded
the whole body), and the file part is refused (413) the moment it outgrows the
limit, without reading the rest.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from email.message import Message

from fastapi import Request
from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, parse_options_header

from core.errors import BadRequest, Invalid, PayloadTooLarge

MAX_PARTS = 16
MAX_FIELD_BYTES = 1024
MAX_FILE_NAME = 255
_UNSAFE_NAME = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(slots=True)
class UploadForm:
    """The text fields and the one file of an upload."""

    fields: dict[str, str] = field(default_factory=dict)
    file_field: str | None = None
    file_name: str = ""
    file: bytearray = field(default_factory=bytearray)


def clean_file_name(raw: str) -> str:
    """The client's file name, kept for display only: no path, no control characters."""
    name = raw.replace("\\", "/").rsplit("/", 1)[-1]
    name = _UNSAFE_NAME.sub("", name).strip()
    return name[:MAX_FILE_NAME] or "upload"


def part_disposition(raw: bytes) -> tuple[str | None, str | None]:
    """A part's field name and file name (None when it is not a file).

    The standard library's header parser reads both ``filename="..."`` and the
    RFC 2231/5987 ``filename*=UTF-8''...`` that some clients send; the multipart
    package's own drops the latter, which made such a file a text field.
    """
    header = Message()
    header["content-disposition"] = raw.decode("utf-8", "replace")
    name = header.get_param("name", header="content-disposition")
    return (name if isinstance(name, str) else None), header.get_filename()


class _Reader:
    """The parser's callbacks: they fill an ``UploadForm`` and enforce the limits."""

    def __init__(self, file_field: str, max_file_bytes: int) -> None:
        self.form = UploadForm()
        self.file_field = file_field
        self.max_file_bytes = max_file_bytes
        self.parts = 0
        self.ended = False
        self._header_name = b""
        self._header_value = b""
        self._disposition = b""
        self._name: str | None = None
        self._is_file = False
        self._value = bytearray()

    def on_part_begin(self) -> None:
        self.parts += 1
        if self.parts > MAX_PARTS:
            raise BadRequest(f"An upload has at most {MAX_PARTS} parts.", code="bad_multipart")
        self._disposition = b""
        self._value = bytearray()

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self._header_name += data[start:end]

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]

    def on_header_end(self) -> None:
        if self._header_name.strip().lower() == b"content-disposition":
            self._disposition = self._header_value
        self._header_name = self._header_value = b""

    def on_headers_finished(self) -> None:
        name, file_name = part_disposition(self._disposition)
        if name is None:
            raise BadRequest("Every part needs a Content-Disposition name.", code="bad_multipart")
        self._name = name
        self._is_file = file_name is not None
        if self._is_file and self._name == self.file_field:
            if self.form.file_field is not None:
                raise Invalid(
                    "Send one file per upload.",
                    details=[{"field": self.file_field, "message": "more than one file"}],
                )
            self.form.file_field = self._name
            self.form.file_name = clean_file_name(file_name or "")

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        if self._is_file and self._name == self.file_field:
            if len(self.form.file) + (end - start) > self.max_file_bytes:
                raise PayloadTooLarge(
                    f"The file is larger than {self.max_file_bytes:,} bytes.",
                    details={"max_bytes": self.max_file_bytes},
                )
            self.form.file += data[start:end]
        elif not self._is_file:
            if len(self._value) + (end - start) > MAX_FIELD_BYTES:
                raise Invalid(
                    f"A form field holds at most {MAX_FIELD_BYTES} bytes.",
                    details=[{"field": self._name, "message": "too long"}],
                )
            self._value += data[start:end]
        # Files in other fields are not read.

    def on_part_end(self) -> None:
        if not self._is_file and self._name is not None:
            self.form.fields[self._name] = self._value.decode("utf-8", "replace")

    def on_end(self) -> None:
        self.ended = True


async def read_upload(request: Request, *, file_field: str, max_file_bytes: int) -> UploadForm:
    """The multipart body of ``request``; 400 when it is malformed, 413 when its
    file is over ``max_file_bytes``, 422 when the file is missing."""
    media, params = parse_options_header(request.headers.get("content-type"))
    if media != b"multipart/form-data" or not params.get(b"boundary"):
        raise BadRequest("Send the upload as multipart/form-data.", code="bad_multipart")
    reader = _Reader(file_field, max_file_bytes)
    callbacks = {
        "on_part_begin": reader.on_part_begin,
        "on_header_field": reader.on_header_field,
        "on_header_value": reader.on_header_value,
        "on_header_end": reader.on_header_end,
        "on_headers_finished": reader.on_headers_finished,
        "on_part_data": reader.on_part_data,
        "on_part_end": reader.on_part_end,
        "on_end": reader.on_end,
    }
    parser = MultipartParser(params[b"boundary"], callbacks)  # type: ignore[arg-type]
    try:
        async for chunk in request.stream():
            parser.write(chunk)
        parser.finalize()
    except FormParserError:
        raise BadRequest("The multipart body is malformed.", code="bad_multipart") from None
    if not reader.ended:
        raise BadRequest("The multipart body ends too early.", code="bad_multipart")
    if reader.form.file_field is None:
        raise Invalid(
            f"Attach the file as the '{file_field}' field.",
            details=[{"field": file_field, "message": "missing"}],
        )
    return reader.form
