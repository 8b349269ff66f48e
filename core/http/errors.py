"""Exception handlers: every error the app raises leaves as the envelope."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from core.errors import AppError, envelope

_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "invalid",
    429: "rate_limited",
    503: "dependency_unavailable",
}
_MESSAGES = {
    404: "Nothing is here.",
    405: "This method is not allowed here.",
}


def _json(status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> JSONResponse:
    response = JSONResponse(body, status_code=status, headers=headers)
    response.headers.setdefault("cache-control", "no-store")
    return response


async def app_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, AppError)
    return _json(exc.status, envelope(exc.code, exc.message, exc.details), exc.headers)


async def http_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    status = exc.status_code
    message = _MESSAGES.get(status) or (exc.detail if isinstance(exc.detail, str) else "Error.")
    return _json(status, envelope(_CODES.get(status, "error"), message), dict(exc.headers or {}))


async def validation_error(_: Request, exc: Exception) -> JSONResponse:
    """Malformed JSON is a 400; a well-formed body with a bad field is a 422.

    Only where and what went wrong is returned, never the submitted values.
    """
    assert isinstance(exc, RequestValidationError)
    errors = exc.errors()
    if any(e.get("type") == "json_invalid" for e in errors):
        return _json(400, envelope("malformed_json", "The request body is not valid JSON."))
    details = [
        {
            "field": ".".join(str(p) for p in e.get("loc", ())),
            "message": e.get("msg", ""),
            "type": e.get("type", ""),
        }
        for e in errors
    ]
    return _json(422, envelope("invalid", "A field is invalid.", details))


def install(app: FastAPI) -> None:
    app.add_exception_handler(AppError, app_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(RequestValidationError, validation_error)
