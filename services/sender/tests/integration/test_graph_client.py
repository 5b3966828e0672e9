"""The Graph API client: what it sends, and answers that are not JSON."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse

from pytake_sender.adapters.graph import GraphClient
from pytake_sender.domain.outcomes import classify
from pytake_tools.metasim import serve_app


def _proxy(seen: list[dict[str, Any]]) -> FastAPI:
    """A misbehaving proxy in front of Meta: records the request, answers a 502 HTML page."""
    app = FastAPI()

    @app.post("/{version}/{number}/messages")
    async def messages(version: str, number: str, request: Request) -> HTMLResponse:
        seen.append(
            {
                "path": request.url.path,
                "auth": request.headers.get("authorization"),
                "type": request.headers.get("content-type"),
                "body": await request.json(),
            }
        )
        return HTMLResponse("<html><body>502 Bad Gateway</body></html>", status_code=502)

    return app


async def test_an_answer_that_is_not_json_comes_back_raw_and_is_retried() -> None:
    seen: list[dict[str, Any]] = []
    async with serve_app(_proxy(seen)) as base_url:
        graph = GraphClient(base_url + "/", "v21.0", 5.0)
        try:
            status, body, _ = await graph.send("123", "tok", {"messaging_product": "whatsapp"})
        finally:
            await graph.close()
    assert status == 502
    assert body == {"raw": "<html><body>502 Bad Gateway</body></html>"}
    assert classify(status, body).verdict == "retry"
    assert seen == [
        {
            "path": "/v21.0/123/messages",
            "auth": "Bearer tok",
            "type": "application/json",
            "body": {"messaging_product": "whatsapp"},
        }
    ]
