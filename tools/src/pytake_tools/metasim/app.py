"""`create_app(settings)`: the Meta Graph API simulator as a FastAPI application.

It answers `POST /{version}/{phone_number_id}/messages` like Meta's Cloud API (validation,
errors, wamids), records every call, sends signed status webhooks for accepted messages and
injects the faults it is told to. Built once per process (or per test) from frozen settings;
nothing starts at import time, and the lifespan cancels pending webhook tasks on shutdown.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import httpx
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from pytake_tools.metasim.control import control_router
from pytake_tools.metasim.graph import MessagesEndpoint, bearer_token
from pytake_tools.metasim.media import MediaStore, media_router
from pytake_tools.metasim.settings import SimulatorSettings
from pytake_tools.metasim.state import SimState
from pytake_tools.metasim.template_routes import template_routers
from pytake_tools.metasim.templates import TemplateStore
from pytake_tools.metasim.webhooks import WebhookSender

log = logging.getLogger(__name__)

CALLER_BUGS = frozenset({100, 131008, 131009})  # codes of payloads that fail validation


class AsciiJSONResponse(JSONResponse):
    """Compact, ASCII-escaped JSON: a lone surrogate echoed from a request cannot break it."""

    def render(self, content: Any) -> bytes:
        return json.dumps(content, ensure_ascii=True, separators=(",", ":")).encode("ascii")


def create_app(
    settings: SimulatorSettings,
    *,
    webhook_transport: httpx.AsyncBaseTransport | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> FastAPI:
    """The simulator; `webhook_transport` and `clock` are for tests (a mock receiver, fake time)."""
    state = SimState(
        settings.faults(), seed=settings.seed, max_records=settings.max_records, clock=clock
    )
    sender = WebhookSender(settings, transport=webhook_transport)
    templates = TemplateStore(settings.waba_id)
    media = MediaStore(settings.media_url_ttl_seconds)
    endpoint = MessagesEndpoint(
        settings,
        state,
        templates,
        (lambda media_id, number: media.get(media_id, number) is not None)
        if settings.check_media_ids
        else None,
    )

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        log.info(
            "meta simulator ready (webhooks to %s)", settings.webhook_url or "nowhere: disabled"
        )
        if settings.webhook_url and not settings.app_secret:
            log.warning("META_APP_SECRET is empty: status webhooks go unsigned")
        yield
        await sender.aclose()

    app = FastAPI(
        title="PyTake Meta Graph API simulator",
        lifespan=lifespan,
        default_response_class=AsciiJSONResponse,
    )
    app.state.sim = state
    app.state.webhooks = sender
    app.state.media = media
    app.state.templates = templates
    app.include_router(control_router(settings, state, sender))
    for router in template_routers(settings, state, templates, sender):
        app.include_router(router)

    app.include_router(  # after /_sim: see media.py
        media_router(settings, state, media, sender, webhook_transport)
    )

    @app.post("/{version}/{phone_number_id}/messages")
    async def send_message(version: str, phone_number_id: str, request: Request) -> JSONResponse:
        faults = state.faults
        if faults.slow_ms:
            await asyncio.sleep(faults.slow_ms / 1000)
        token = bearer_token(request.headers.get("authorization"))
        outcome = await endpoint.handle(version, phone_number_id, token, await request.body())
        state.record(
            phone_number_id=phone_number_id,
            version=version,
            token=token,
            body=outcome.parsed,
            status=outcome.status,
            response=outcome.body,
            wamid=outcome.wamid,
        )
        error = outcome.body.get("error", {})
        if error.get("code") in CALLER_BUGS:
            # A refused payload is a bug in the caller: say so where the developer looks.
            details = error.get("error_data", {}).get("details", error.get("message"))
            log.warning("refused with code %s: %s", error["code"], details)
        else:
            log.debug("POST %s/%s/messages -> %d", version, phone_number_id, outcome.status)
        if outcome.plan is not None:
            sender.schedule(outcome.plan)
        if outcome.hang_seconds:
            # Recorded first: like a real timeout, the caller cannot tell what happened.
            await asyncio.sleep(outcome.hang_seconds)
        return AsciiJSONResponse(status_code=outcome.status, content=outcome.body)

    return app
