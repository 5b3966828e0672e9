"""Helpers for tests that use the simulator in-process, without sockets.

`local_simulator(settings)` builds the app, enters its lifespan (httpx's ASGI transport does not)
and yields a `LocalSimulator`: an httpx client on the app plus its recorded calls and webhook
sender. `WebhookInbox` is a status-webhook receiver as an httpx mock transport: it records each
POST, checks nothing, and answers with scripted statuses, so tests can verify signatures and
retries. `ManualClock` is monotonic time that moves only when told.
"""

from __future__ import annotations

import hmac
import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, cast

import httpx
from fastapi import FastAPI

from pytake_tools.metasim.app import create_app
from pytake_tools.metasim.settings import SimulatorSettings
from pytake_tools.metasim.state import SimState
from pytake_tools.metasim.webhooks import WebhookSender, sign


class ManualClock:
    """A monotonic clock for the rate limits that only moves on `advance`."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@dataclass
class WebhookInbox:
    """Receives status webhooks; `answers` scripts HTTP statuses (or exceptions) in order."""

    answers: list[int | Exception] = field(default_factory=list)
    requests: list[httpx.Request] = field(default_factory=list)

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self._handle)

    async def _handle(self, request: httpx.Request) -> httpx.Response:
        await request.aread()
        self.requests.append(request)
        answer = self.answers.pop(0) if self.answers else 200
        if isinstance(answer, Exception):
            raise answer
        return httpx.Response(answer)

    @property
    def bodies(self) -> list[dict[str, Any]]:
        return [cast(dict[str, Any], json.loads(r.content)) for r in self.requests]

    @property
    def statuses(self) -> list[dict[str, Any]]:
        """The status item of each webhook received, in arrival order."""
        return [
            item
            for body in self.bodies
            for entry in body["entry"]
            for change in entry["changes"]
            for item in change["value"].get("statuses", [])
        ]


def signature_ok(app_secret: str, request: httpx.Request) -> bool:
    """Whether `request` carries Meta's signature of its exact body."""
    header = request.headers.get("X-Hub-Signature-256", "")
    return hmac.compare_digest(header, sign(app_secret, request.content))


@dataclass
class LocalSimulator:
    client: httpx.AsyncClient  # base URL http://metasim
    app: FastAPI

    @property
    def state(self) -> SimState:
        return cast(SimState, self.app.state.sim)

    @property
    def webhooks(self) -> WebhookSender:
        return cast(WebhookSender, self.app.state.webhooks)

    async def send(
        self,
        body: Any,
        *,
        token: str | None = "test-token",
        path: str = "/v25.0/106540352242922/messages",
    ) -> httpx.Response:
        headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
        return await self.client.post(path, json=body, headers=headers)


@asynccontextmanager
async def local_simulator(
    settings: SimulatorSettings,
    *,
    webhook_transport: httpx.AsyncBaseTransport | None = None,
    clock: Callable[[], float] | None = None,
) -> AsyncIterator[LocalSimulator]:
    if clock is None:
        app = create_app(settings, webhook_transport=webhook_transport)
    else:
        app = create_app(settings, webhook_transport=webhook_transport, clock=clock)
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://metasim") as client,
    ):
        yield LocalSimulator(client=client, app=app)


def text_message(to: str = "+16505551234", body: str = "hello", **extra: Any) -> dict[str, Any]:
    """A valid send body for a text message."""
    return {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": to,
        "type": "text",
        "text": {"body": body},
        **extra,
    }


def json_shape(value: Any) -> Any:
    """The structure of a JSON value (keys and JSON types), to compare with Meta's fixtures."""
    if isinstance(value, dict):
        return {k: json_shape(v) for k, v in value.items()}
    if isinstance(value, list):
        return [json_shape(v) for v in value[:1]]
    return type(value).__name__
