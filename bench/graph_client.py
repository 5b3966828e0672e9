"""`python -m bench graph-client`: what one Graph API call costs the sender's HTTP client.

A lean Graph stand-in runs in a child process (its CPU is not counted); the clients send the
same `POST /v21.0/{number}/messages` with `--graph-concurrency` calls in flight, and each row
gives calls/s, the client process' CPU per call and the p99 latency: httpx as the sender
configures it, httpcore's pool (httpx's transport, without httpx's request layers), and
aiohttp when it is installed (it is not a project dependency; `pip install aiohttp` to compare).
"""

from __future__ import annotations

import asyncio
import multiprocessing
import time
from collections.abc import Awaitable, Callable

import orjson

from bench.lean_http import LeanServer

BODY = orjson.dumps(
    {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": "5511999990000",
        "type": "text",
        "text": {"body": "echo hello"},
        "biz_opaque_callback_data": "6f1c2a9e-0000-4000-8000-000000000000",
    }
)
ANSWER = orjson.dumps(
    {
        "messaging_product": "whatsapp",
        "contacts": [{"input": "5511999990000", "wa_id": "5511999990000"}],
        "messages": [{"id": "wamid.HBgNNTUxMTk5OTk5MDAwMBUCABEYEjQ1"}],
    }
)
PATH = "/v21.0/100000000000001/messages"
HEADERS = {"Authorization": "Bearer token", "Content-Type": "application/json"}
Call = Callable[[], Awaitable[int]]


def _serve(port_out: multiprocessing.connection.Connection) -> None:
    async def answer(method: str, path: str, body: bytes) -> tuple[int, bytes]:
        return 200, ANSWER

    async def main() -> None:
        server = LeanServer(answer)
        url = await server.start()
        port_out.send(url)
        await asyncio.Event().wait()

    asyncio.run(main())


async def _measure(name: str, call: Call, n: int, concurrency: int) -> tuple[str, int, float, str]:
    for _ in range(50):  # warm the connections
        await call()
    latencies: list[float] = []
    queue = iter(range(n))

    async def worker() -> None:
        for _ in queue:
            started = time.perf_counter()
            status = await call()
            latencies.append(time.perf_counter() - started)
            assert status == 200, status

    cpu, wall = time.process_time(), time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    latencies.sort()
    p99 = latencies[int(0.99 * (len(latencies) - 1))]
    return (
        f"{name} ({concurrency} in flight)",
        n,
        wall,
        f"{n / wall:,.0f} calls/s, {cpu / n * 1e6:,.0f} µs CPU/call, p99 {p99 * 1000:.1f} ms",
    )


async def _clients(url: str, n: int, concurrency: int) -> list[tuple[str, int, float, str]]:
    import httpcore
    import httpx

    rows = []
    client = httpx.AsyncClient(
        base_url=url,
        timeout=httpx.Timeout(10),
        limits=httpx.Limits(max_connections=200, max_keepalive_connections=50, keepalive_expiry=4),
    )

    async def with_httpx() -> int:
        response = await client.post(PATH, content=BODY, headers=HEADERS)
        orjson.loads(response.content)
        return response.status_code

    rows.append(await _measure("httpx.AsyncClient", with_httpx, n, concurrency))
    await client.aclose()

    pool = httpcore.AsyncConnectionPool(max_connections=200, keepalive_expiry=4)
    target = f"{url}{PATH}".encode()
    headers = [(k.encode(), v.encode()) for k, v in HEADERS.items()]

    async def with_httpcore() -> int:
        response = await pool.request("POST", target, headers=headers, content=BODY)
        orjson.loads(response.content)
        return response.status

    rows.append(await _measure("httpcore.AsyncConnectionPool", with_httpcore, n, concurrency))
    await pool.aclose()

    try:
        import aiohttp
    except ImportError:
        return rows
    session = aiohttp.ClientSession(
        base_url=url, connector=aiohttp.TCPConnector(limit=200, keepalive_timeout=4)
    )

    async def with_aiohttp() -> int:
        async with session.post(PATH, data=BODY, headers=HEADERS) as response:
            orjson.loads(await response.read())
            return response.status

    rows.append(await _measure("aiohttp.ClientSession", with_aiohttp, n, concurrency))
    await session.close()
    return rows


def run(n: int, concurrency: int) -> list[tuple[str, int, float, str]]:
    from pytake_shared import loop as event_loop

    receive, send = multiprocessing.Pipe(duplex=False)
    server = multiprocessing.get_context("spawn").Process(target=_serve, args=(send,), daemon=True)
    server.start()
    try:
        url = receive.recv()
        rows: list[tuple[str, int, float, str]] = []

        async def main() -> None:
            rows.extend(await _clients(url, n, concurrency))

        event_loop.run(main(), "auto")
        return rows
    finally:
        server.terminate()
        server.join(5)
