"""`GET /live`: the console's live updates, as server-sent events, scoped like every query.

`event: ready` once subscribed; then one `event: conversation` or `event: delivery` per change
of a conversation of the caller's organization (a super admin sees all, or the one named with
`organization_id`), whose data says which conversation (key, phone, number, status); and a
`: ping` comment every 15 s. The console reads the conversation again through the API. A stream
ends after 10 minutes: the client reconnects with its current token, so a deactivated account
or an expired session stops receiving.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from typing import Annotated

import orjson
from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse

from pytake_analytics.adapters.live import Change
from pytake_analytics.api.deps import Ctx, CurrentUser
from pytake_analytics.api.errors import errors
from pytake_analytics.domain.errors import Unavailable

router = APIRouter(tags=["live"])

PING_S = 15.0
STREAM_S = 600.0


def _event(change: Change) -> bytes:
    return f"event: {change.kind}\ndata: ".encode() + orjson.dumps(change.to_json()) + b"\n\n"


@router.get(
    "/live",
    responses={**errors(503), 200: {"content": {"text/event-stream": {}}}},
    response_class=StreamingResponse,
)
async def live(
    user: CurrentUser,
    ctx: Ctx,
    organization_id: Annotated[
        uuid.UUID | None, Query(description="super_admin only: one organization")
    ] = None,
) -> StreamingResponse:
    hub = ctx.live
    if hub is None or not hub.listening.is_set():
        raise Unavailable("live updates are not available right now; retry shortly")
    scope = user.target_organization(organization_id) if organization_id else user.scope

    async def stream() -> AsyncIterator[bytes]:
        async with hub.subscribe(scope) as queue:
            yield b"event: ready\ndata: {}\n\n"
            ends = time.monotonic() + STREAM_S
            while (left := ends - time.monotonic()) > 0:
                try:
                    change = await asyncio.wait_for(queue.get(), min(PING_S, left))
                except TimeoutError:
                    yield b": ping\n\n"
                    continue
                yield _event(change)

    return StreamingResponse(
        stream(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )
