"""The Graph API client: `POST /{version}/{phone_number_id}/messages` with a bearer token."""

from __future__ import annotations

from typing import Any

import httpx
import orjson

from pytake_shared.errors import IndefiniteError, TransientError


class MetaUnreachable(TransientError):
    """No request reached Meta (no connection, or it could not be written): safe to send again."""


class GraphClient:
    def __init__(
        self, base_url: str, version: str, timeout_s: float, keepalive_s: float = 4.0
    ) -> None:
        self._version = version
        self._client = httpx.AsyncClient(
            base_url=base_url.rstrip("/"),
            timeout=httpx.Timeout(timeout_s),
            # An idle connection is dropped before a server would close it: a send on a
            # connection the server just closed fails ambiguously (its outcome unknown).
            limits=httpx.Limits(
                max_connections=200, max_keepalive_connections=50, keepalive_expiry=keepalive_s
            ),
        )

    async def close(self) -> None:
        await self._client.aclose()

    async def send(
        self, phone_number_id: str, token: str, body: dict[str, Any]
    ) -> tuple[int, Any, float | None]:
        """(HTTP status, parsed body, Retry-After seconds). Raises `MetaUnreachable` when the
        request cannot have reached Meta (connecting failed or timed out, the pool had no
        connection, the body could not be written) and `IndefiniteError` when it may have (no
        answer in time, the connection dropped while waiting for it)."""
        try:
            response = await self._client.post(
                f"/{self._version}/{phone_number_id}/messages",
                content=orjson.dumps(body),
                headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
            )
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
            raise MetaUnreachable(f"Graph API unreachable: {exc!r}") from exc
        except httpx.WriteTimeout as exc:
            raise MetaUnreachable(f"Graph API request not written: {exc!r}") from exc
        except httpx.TimeoutException as exc:
            raise IndefiniteError(f"Graph API did not answer in time: {exc!r}") from exc
        except httpx.TransportError as exc:
            raise IndefiniteError(f"Graph API connection lost before the answer: {exc!r}") from exc
        try:
            parsed: Any = orjson.loads(response.content)
        except orjson.JSONDecodeError:
            parsed = {"raw": response.text[:500]}
        return response.status_code, parsed, _retry_after(response.headers.get("retry-after"))


def _retry_after(value: str | None) -> float | None:
    try:
        return max(0.0, float(value)) if value else None
    except ValueError:
        return None  # an HTTP date: rare from Meta, and the backoff covers it
