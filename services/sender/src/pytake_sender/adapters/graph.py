"""The Graph API client: `POST /{version}/{phone_number_id}/messages` with a bearer token.

On aiohttp: measured with `make bench ARGS="graph-client"`, one call costs it about 90 µs of
CPU where httpx (its httpcore pool) spent 700 to 1,100 µs, with 5 to 50 calls in flight.
"""

from __future__ import annotations

from typing import Any

import aiohttp
import orjson

from pytake_shared import tracing
from pytake_shared.errors import IndefiniteError, TransientError


class MetaUnreachable(TransientError):
    """No request reached Meta (no connection, or none free in time): safe to send again."""


class GraphClient:
    def __init__(
        self, base_url: str, version: str, timeout_s: float, keepalive_s: float = 4.0
    ) -> None:
        self._base = base_url.rstrip("/")
        self._version = version
        # Connecting (a free pooled connection included) and waiting for the answer are timed
        # apart: a request never written is safe to send again, one unanswered is not.
        self._timeout = aiohttp.ClientTimeout(total=None, connect=timeout_s, sock_read=timeout_s)
        self._keepalive_s = keepalive_s
        self._session: aiohttp.ClientSession | None = None

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None:  # made on first use, inside the running event loop
            self._session = aiohttp.ClientSession(
                timeout=self._timeout,
                # An idle connection is dropped before a server would close it: a send on a
                # connection the server just closed fails ambiguously (its outcome unknown).
                connector=aiohttp.TCPConnector(limit=200, keepalive_timeout=self._keepalive_s),
                json_serialize=lambda value: orjson.dumps(value).decode(),
                skip_auto_headers=("User-Agent",),
            )
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()

    async def send(
        self, phone_number_id: str, token: str, body: dict[str, Any]
    ) -> tuple[int, Any, float | None]:
        """(HTTP status, parsed body, Retry-After seconds). Raises `MetaUnreachable` when the
        request cannot have reached Meta (connecting failed or timed out, no pooled connection
        came free in time) and `IndefiniteError` when it may have (no answer in time, the
        connection dropped while writing the request or waiting for the answer)."""
        url = f"{self._base}/{self._version}/{phone_number_id}/messages"
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        span = tracing.client(
            "POST /{phone_number_id}/messages",
            **{
                "http.request.method": "POST",
                "url.full": url,
                "pytake.graph_version": self._version,
            },
        )
        try:
            with span:
                async with self._client().post(url, data=orjson.dumps(body), headers=headers) as r:
                    status, content = r.status, await r.read()
                    retry_after = r.headers.get("Retry-After")
                    tracing.annotate(**{"http.response.status_code": status})
        except (aiohttp.ClientConnectorError, aiohttp.ConnectionTimeoutError) as exc:
            raise MetaUnreachable(f"Graph API unreachable: {exc!r}") from exc
        except TimeoutError as exc:  # aiohttp's SocketTimeoutError: no answer in time
            raise IndefiniteError(f"Graph API did not answer in time: {exc!r}") from exc
        except aiohttp.ClientError as exc:
            raise IndefiniteError(f"Graph API connection lost before the answer: {exc!r}") from exc
        try:
            parsed: Any = orjson.loads(content)
        except orjson.JSONDecodeError:
            parsed = {"raw": content[:500].decode("utf-8", "replace")}
        return status, parsed, _retry_after(retry_after)


def _retry_after(value: str | None) -> float | None:
    try:
        return max(0.0, float(value)) if value else None
    except ValueError:
        return None  # an HTTP date: rare from Meta, and the backoff covers it
