"""Every error is `{"error": {"code", "message", ...}}` with a 4xx status.

The shared handlers stay underneath as the last resort (an unexpected error is a 503); these
cover what the API raises on purpose, Starlette's own 404/405, and request validation (400,
naming the fields but never echoing the input, which may be a password).
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict
from starlette.exceptions import HTTPException as StarletteHTTPException

from pytake_analytics.domain.errors import (
    Conflict,
    Forbidden,
    ManagementError,
    NotFound,
    TooManyAttempts,
    Unauthorized,
    Unavailable,
    Unprocessable,
)

STATUS: dict[type[ManagementError], int] = {
    Unauthorized: 401,
    Forbidden: 403,
    NotFound: 404,
    Conflict: 409,
    Unprocessable: 422,
    TooManyAttempts: 429,
    Unavailable: 503,
}
_HTTP_CODES = {
    400: "invalid_request",
    401: "not_authenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    413: "too_large",
    415: "unsupported_media_type",
}


class ErrorDetail(BaseModel):
    model_config = ConfigDict(extra="allow")

    code: str
    message: str


class ErrorBody(BaseModel):
    error: ErrorDetail


DESCRIPTIONS = {
    400: "Invalid request (malformed JSON, a field out of range)",
    401: "Missing, invalid or expired token; wrong credentials",
    403: "The caller's role does not allow this",
    404: "Not found in the caller's organization",
    409: "Conflicts with existing data",
    422: "Refers to something unusable (another organization's chatbot, an invalid flow)",
    429: "Too many failed logins; see Retry-After",
    503: "Briefly unavailable; retry",
}


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` for the given error statuses (400 and 401 always apply)."""
    wanted = sorted({400, *statuses})
    return {s: {"model": ErrorBody, "description": DESCRIPTIONS[s]} for s in wanted}


def _body(code: str, message: str, **extra: Any) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, **extra}}


def install(app: FastAPI) -> None:
    @app.exception_handler(ManagementError)
    async def management(request: Request, exc: ManagementError) -> JSONResponse:
        status = next((s for cls, s in STATUS.items() if isinstance(exc, cls)), 400)
        headers = dict(exc.headers)
        if status == 401:
            headers.setdefault("WWW-Authenticate", "Bearer")
        return JSONResponse(
            _body(exc.code, exc.message, **exc.extra), status_code=status, headers=headers
        )

    @app.exception_handler(StarletteHTTPException)
    async def http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        status = exc.status_code if 400 <= exc.status_code < 500 else 400
        code = _HTTP_CODES.get(status, "invalid_request")
        return JSONResponse(
            _body(code, str(exc.detail)), status_code=status, headers=exc.headers or None
        )

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        fields = [
            {"field": ".".join(str(p) for p in e.get("loc", ())), "message": str(e.get("msg"))}
            for e in exc.errors()[:10]
        ]
        message = "; ".join(f"{f['field']}: {f['message']}" for f in fields) or "invalid request"
        return JSONResponse(_body("invalid_request", message, fields=fields), status_code=400)
