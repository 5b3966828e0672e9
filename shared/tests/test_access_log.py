"""Every request is one JSON log line with an id, which the response carries too."""

from __future__ import annotations

import logging

import httpx
import pytest
from fastapi import FastAPI

from pytake_shared.access_log import AccessLog
from pytake_shared.logs import _ContextFilter


def _app() -> FastAPI:
    app = FastAPI()

    @app.get("/things/{n}")
    async def thing(n: int) -> dict[str, int]:
        logging.getLogger("handler").warning("looking at %d", n)
        return {"n": n}

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    app.add_middleware(AccessLog)
    return app


async def test_a_request_is_logged_once_with_its_id_and_the_id_is_answered(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    caplog.handler.addFilter(_ContextFilter("t"))  # what `configure_logging` installs
    transport = httpx.ASGITransport(app=_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        given = await client.get("/things/7?q=secret", headers={"X-Request-ID": "req-42"})
        fresh = await client.get("/things/8")
        bad = await client.get("/things/9", headers={"X-Request-ID": "x" * 500})
        await client.get("/healthz")
    assert given.headers["x-request-id"] == "req-42"
    assert len(fresh.headers["x-request-id"]) == 36 and bad.headers["x-request-id"] != "x" * 500
    lines = [r for r in caplog.records if r.name == "pytake.access"]
    assert [(r.method, r.path, r.status) for r in lines] == [  # type: ignore[attr-defined]
        ("GET", "/things/7", 200),
        ("GET", "/things/8", 200),
        ("GET", "/things/9", 200),
    ]  # the query (it may hold search terms) and the health probe are not logged
    assert lines[0].request_id == "req-42"  # type: ignore[attr-defined]
    handler = [r for r in caplog.records if r.name == "handler"]
    assert handler[0].request_id == "req-42"  # type: ignore[attr-defined]
