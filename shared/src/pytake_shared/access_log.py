"""One JSON log line per HTTP request, carrying a request id the caller can quote.

The id is the caller's `X-Request-ID` when it sends a sane one, else a new UUID; it is put on
the response and, through the log context, on every line logged while the request is handled
(so an error in a handler names the request). The line says method, path (never the query: it
may hold search terms), status, duration and the client. Health and metrics probes are skipped.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from pytake_shared.logs import log_context

log = logging.getLogger("pytake.access")

_SANE_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
QUIET = ("/healthz", "/readyz", "/metrics")


class AccessLog:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in QUIET:
            await self.app(scope, receive, send)
            return
        given = dict(scope.get("headers") or ()).get(b"x-request-id", b"").decode("latin-1")
        request_id = given if _SANE_ID.match(given) else str(uuid.uuid4())
        status = 500
        started = time.perf_counter()

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                headers = list(message.get("headers") or [])
                headers.append((b"x-request-id", request_id.encode()))
                message = {**message, "headers": headers}
            await send(message)

        try:
            with log_context(request_id=request_id):
                await self.app(scope, receive, sending)
        finally:
            client: Any = scope.get("client") or ("", 0)
            log.info(
                "%s %s %d",
                scope["method"],
                scope["path"],
                status,
                extra={
                    "request_id": request_id,
                    "method": scope["method"],
                    "path": scope["path"],
                    "status": status,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                    "client": client[0],
                },
            )
