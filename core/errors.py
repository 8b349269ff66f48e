"""Domain errors and the error envelope of the HTTP contract.

Services raise these; the app turns each into
``{"error": {"code", "message", "details"}}`` with its status.
"""

from __future__ import annotations

from typing import Any


class AppError(Exception):
    status = 400
    code = "bad_request"
    message = "The request could not be understood."

    def __init__(
        self,
        message: str | None = None,
        *,
        code: str | None = None,
        details: Any = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message or self.message)
        self.message = message or self.message
        self.code = code or self.code
        self.details = details
        self.headers = headers or {}


class BadRequest(AppError):
    pass


class Unauthorized(AppError):
    status = 401
    code = "unauthorized"
    message = "Sign in to do this."


class Forbidden(AppError):
    status = 403
    code = "forbidden"
    message = "You are not allowed to do this."


class NotFound(AppError):
    status = 404
    code = "not_found"
    message = "Nothing is here."


class Conflict(AppError):
    status = 409
    code = "conflict"
    message = "This conflicts with what is stored."


class PayloadTooLarge(AppError):
    status = 413
    code = "payload_too_large"
    message = "The request body is too large."


class UnsupportedMediaType(AppError):
    status = 415
    code = "unsupported_media_type"
    message = "This content type is not accepted here."


class Invalid(AppError):
    status = 422
    code = "invalid"
    message = "A field is invalid."


class RateLimited(AppError):
    status = 429
    code = "rate_limited"
    message = "Too many requests. Try again later."


class DependencyDown(AppError):
    status = 503
    code = "dependency_unavailable"
    message = "A service this needs is unavailable. Try again shortly."


def envelope(code: str, message: str, details: Any = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "details": details}}
