"""Errors of the management API, grouped by what the caller must do (the API maps each to
its HTTP status and a JSON body `{"error": {"code", "message", ...}}`)."""

from __future__ import annotations

from typing import Any


class ManagementError(Exception):
    """Base: a definite answer about the request; never retried as is."""

    code = "invalid_request"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code or type(self).code
        self.headers = headers or {}
        self.extra = extra


class Unauthorized(ManagementError):
    code = "not_authenticated"


class Forbidden(ManagementError):
    code = "forbidden"


class NotFound(ManagementError):
    code = "not_found"


class Conflict(ManagementError):
    code = "conflict"


class Unprocessable(ManagementError):
    code = "unprocessable"


class TooManyAttempts(ManagementError):
    code = "too_many_attempts"

    def __init__(self, message: str, *, retry_after_s: int) -> None:
        super().__init__(
            message, headers={"Retry-After": str(retry_after_s)}, retry_after=retry_after_s
        )


class Unavailable(ManagementError):
    """Something the request needs is briefly away: retry later."""

    code = "unavailable"
