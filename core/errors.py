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


class PaymentRequired(AppError):
    """A plan limit: the message names the limit and the plan that lifts it."""

    status = 402
    code = "plan_limit"
    message = "This is over your plan's limit."


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


class PreconditionRequired(AppError):
    """An update that needs ``If-Match`` came without it."""

    status = 428
    code = "precondition_required"
    message = "Send If-Match with the version you last read."


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
