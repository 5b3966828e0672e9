"""The OpenAPI document, made to match what the API answers.

- Operation ids are stable: `<tag>_<function name>` (`conversations_send`), so generated
  clients keep their method names across releases.
- A bad request is a 400 with the API's error body (`errors.install` turns every validation
  error into one): FastAPI's default 422 `HTTPValidationError`, which the API never sends, is
  removed, and the 400 documented wherever it was missing. (A documented 422 of the API's own,
  a rule the request breaks, stays.)
- Every bearer-protected operation documents its 401.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute

from pytake_analytics.api.errors import DESCRIPTIONS

ERROR_REF = "#/components/schemas/ErrorBody"


def operation_id(route: APIRoute) -> str:
    tag = str(route.tags[0]) if route.tags else "api"
    return f"{tag.replace(' ', '_')}_{route.name}"


def _error(status: int) -> dict[str, Any]:
    return {
        "description": DESCRIPTIONS[status],
        "content": {"application/json": {"schema": {"$ref": ERROR_REF}}},
    }


def _fastapi_default(response: dict[str, Any]) -> bool:
    schema = response.get("content", {}).get("application/json", {}).get("schema", {})
    return bool(schema.get("$ref", "").endswith("/HTTPValidationError"))


def install(app: FastAPI) -> None:
    def schema() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        document = get_openapi(
            title=app.title, version=app.version, description=app.description, routes=app.routes
        )
        for path in document.get("paths", {}).values():
            for operation in path.values():
                responses = operation.setdefault("responses", {})
                if _fastapi_default(responses.get("422", {})):
                    del responses["422"]
                responses.setdefault("400", _error(400))
                if operation.get("security"):
                    responses.setdefault("401", _error(401))
        schemas = document.get("components", {}).get("schemas", {})
        for unused in ("HTTPValidationError", "ValidationError"):
            schemas.pop(unused, None)
        app.openapi_schema = document
        return document

    app.openapi = schema  # type: ignore[method-assign]
