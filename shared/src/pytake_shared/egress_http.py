"""The HTTP client of flows' calls, behind the egress policy (`pytake_shared.egress`).

The check sits where the connection is made: an httpcore network backend resolves the host,
judges every address it resolved to and connects only to an allowed one, so what is checked is
what is connected (a name that resolved to a public address for a pre-flight check and to
127.0.0.1 for the connection gains nothing), and every redirect hop opens its connection the
same way. Proxies from the environment are never used (they would connect on our behalf).
Each call is bounded in time as a whole (connect, redirects, body) and in the size of the
body read; past either it is an error, and the flow takes its error path.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any

import certifi
import httpcore
import httpx
import orjson

from pytake_shared.egress import EgressPolicy

MAX_TEXT_BODY = 10_000  # characters of a non-JSON response body kept

Resolver = Callable[[str, int], Awaitable[list[str]]]
MAX_REDIRECTS = 3


class EgressRefused(Exception):
    """The policy refused the destination: nothing was sent."""


async def resolve(host: str, port: int) -> list[str]:
    """The addresses `host` resolves to, in the resolver's order, without repeats."""
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """Connects only to addresses the policy allows."""

    def __init__(self, policy: EgressPolicy, resolver: Resolver = resolve) -> None:
        self._policy = policy
        self._resolve = resolver
        self._inner = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        try:
            addresses = await asyncio.wait_for(self._resolve(host, port), timeout or 10.0)
        except (OSError, TimeoutError) as exc:
            raise httpcore.ConnectError(f"{host} did not resolve: {exc}") from exc
        refusal = None
        for address in addresses:
            refusal = self._policy.refuse_address(host, address)
            if refusal is None:
                return await self._inner.connect_tcp(
                    address, port, timeout, local_address, socket_options
                )
        raise EgressRefused(refusal or f"{host} resolved to no address")

    async def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.AsyncNetworkStream:
        raise EgressRefused("unix sockets are refused")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


def guarded_client(policy: EgressPolicy, resolver: Resolver = resolve) -> httpx.AsyncClient:
    transport = httpx.AsyncHTTPTransport(retries=0, trust_env=False)
    # httpx takes no network backend of its own: its pool is swapped for one that has ours.
    transport._pool = httpcore.AsyncConnectionPool(
        ssl_context=ssl.create_default_context(cafile=certifi.where()),
        max_connections=100,
        max_keepalive_connections=20,
        network_backend=GuardedBackend(policy, resolver),
    )
    return httpx.AsyncClient(
        transport=transport, trust_env=False, follow_redirects=True, max_redirects=MAX_REDIRECTS
    )


@dataclass(frozen=True)
class Answer:
    status: int | None
    body: bytes
    headers: httpx.Headers | None
    error: str | None
    refused: bool = False


async def call(
    client: httpx.AsyncClient,
    policy: EgressPolicy,
    *,
    method: str,
    url: str,
    params: dict[str, str] | None,
    headers: dict[str, str],
    content: bytes | None,
    timeout_s: float,
    max_bytes: int,
) -> Answer:
    """One flow call: every failure, refusal included, is an `Answer` with its error."""
    refusal = policy.refuse_url(url)
    if refusal is not None:
        return Answer(None, b"", None, f"refused: {refusal}", refused=True)
    try:
        async with asyncio.timeout(timeout_s):
            request = client.build_request(
                method, url, params=params, headers=headers, content=content, timeout=timeout_s
            )
            response = await client.send(request, stream=True)
            try:
                body = bytearray()
                async for chunk in response.aiter_bytes():
                    body += chunk
                    if len(body) > max_bytes:
                        return Answer(
                            response.status_code,
                            b"",
                            response.headers,
                            f"response larger than {max_bytes} bytes",
                        )
            finally:
                await response.aclose()
    except EgressRefused as exc:
        return Answer(None, b"", None, f"refused: {exc}", refused=True)
    except (TimeoutError, httpx.TimeoutException):
        return Answer(None, b"", None, f"timeout after {timeout_s:g}s")
    except httpx.TooManyRedirects:
        return Answer(None, b"", None, f"more than {MAX_REDIRECTS} redirects")
    except (httpx.HTTPError, httpcore.ConnectError, ValueError) as exc:
        return Answer(None, b"", None, f"{type(exc).__name__}: {exc}")
    return Answer(response.status_code, bytes(body), response.headers, None)


async def flow_call(
    client: httpx.AsyncClient, policy: EgressPolicy, request: dict[str, Any], max_bytes: int
) -> Answer:
    """The call an `api_call_requested` or `webhook_requested` event asks for (its data):
    method, URL, query, headers and a JSON (or text) body, within its timeout (1-30 s)."""
    timeout = min(30.0, max(1.0, float(request.get("timeout") or 10)))
    method = str(request.get("method") or "GET").upper()
    body = request.get("body")
    headers = {str(k): str(v) for k, v in (request.get("headers") or {}).items()}
    # Lets the API drop a repeat if a crash made us call twice.
    headers.setdefault("X-PyTake-Request-Id", str(request.get("request_id") or ""))
    return await call(
        client,
        policy,
        method=method,
        url=str(request.get("url") or ""),
        params=request.get("query") or None,
        headers=headers,
        content=None
        if body is None or method in ("GET", "HEAD")
        else (body.encode() if isinstance(body, str) else orjson.dumps(body)),
        timeout_s=timeout,
        max_bytes=max_bytes,
    )


def parsed_body(body: bytes) -> Any:
    """A response body as the flow sees it: parsed JSON, else (the start of) its text."""
    if not body:
        return None
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError:
        return body[:MAX_TEXT_BODY].decode("utf-8", "replace")
