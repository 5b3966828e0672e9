"""HTTP error handlers: a JSON body with 400 or 503, never a bare 500."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from pytake_shared.http_errors import install_error_handlers


def _app() -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)

    @app.get("/items/{item_id}")
    async def item(item_id: int) -> dict[str, int]:
        return {"id": item_id}

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("database exploded")

    return app


def _client() -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=_app(), raise_app_exceptions=False)
    return httpx.AsyncClient(transport=transport, base_url="http://svc")


async def test_a_request_that_fails_validation_is_a_400_with_a_json_error() -> None:
    async with _client() as client:
        response = await client.get("/items/not-a-number")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid_request"
    assert "item_id" in error["message"]


async def test_an_unexpected_exception_is_a_503_that_hides_the_details() -> None:
    async with _client() as client:
        response = await client.get("/boom")
    assert response.status_code == 503
    assert response.json() == {
        "error": {"code": "unavailable", "message": "temporary failure; retry"}
    }
    assert "exploded" not in response.text


async def test_a_valid_request_is_untouched() -> None:
    async with _client() as client:
        response = await client.get("/items/7")
    assert (response.status_code, response.json()) == (200, {"id": 7})
