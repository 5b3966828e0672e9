"""A lean HTTP/1.1 client and server for the load generator and the Graph API stand-in.

The `echo` benchmark sends 1,200 signed webhooks a second and answers 300 Graph API calls a
second from the same 2-core machine as the system it measures: with httpx and FastAPI on this
side, the bench itself would be the bottleneck. These speak just enough HTTP/1.1 (keep-alive,
`Content-Length` bodies, no chunking) over asyncio streams, at a few tens of microseconds per
request.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from urllib.parse import urlsplit

Handler = Callable[[str, str, bytes], Awaitable[tuple[int, bytes]]]


async def _read_message(reader: asyncio.StreamReader) -> tuple[str, dict[str, str], bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines[1:]:
        name, sep, value = line.partition(":")
        if sep:
            headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length", "0"))
    body = await reader.readexactly(length) if length else b""
    return lines[0], headers, body


class LeanServer:
    """`POST`/`GET` requests to `handler(method, path, body) -> (status, json bytes)`."""

    def __init__(self, handler: Handler) -> None:
        self._handler = handler
        self._server: asyncio.Server | None = None
        self.port = 0

    async def start(self, host: str = "127.0.0.1") -> str:
        self._server = await asyncio.start_server(self._serve, host, 0, backlog=1024)
        self.port = self._server.sockets[0].getsockname()[1]
        return f"http://{host}:{self.port}"

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), 2)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                try:
                    request, _, body = await _read_message(reader)
                except (asyncio.IncompleteReadError, ConnectionError):
                    return
                method, path, _ = request.split(" ", 2)
                status, answer = await self._handler(method, path, body)
                writer.write(
                    f"HTTP/1.1 {status} OK\r\nContent-Type: application/json\r\n"
                    f"Content-Length: {len(answer)}\r\n\r\n".encode()
                    + answer
                )
                await writer.drain()
        finally:
            writer.close()


class LeanClient:
    """POSTs over a pool of keep-alive connections to one origin."""

    def __init__(self, url: str, connections: int = 64) -> None:
        parts = urlsplit(url)
        self._host = parts.hostname or "127.0.0.1"
        self._port = parts.port or 80
        self._path = parts.path or "/"
        self._idle: asyncio.Queue[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = (
            asyncio.Queue()
        )
        self._slots = asyncio.Semaphore(connections)
        self._open: list[asyncio.StreamWriter] = []

    async def post(self, body: bytes, headers: dict[str, str], path: str | None = None) -> int:
        """The response's status (0 when the connection failed). A kept-alive connection the
        server closed while idle is replaced, as HTTP clients do, not counted as an error."""
        head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        request = (
            f"POST {path or self._path} HTTP/1.1\r\nHost: {self._host}\r\n{head}"
            f"Content-Length: {len(body)}\r\n\r\n".encode()
            + body
        )
        async with self._slots:
            while True:  # every idle connection tried is dropped, so this ends
                try:
                    reader, writer = self._idle.get_nowait()
                    reused = True
                except asyncio.QueueEmpty:
                    try:
                        reader, writer = await asyncio.open_connection(self._host, self._port)
                    except OSError:
                        return 0
                    self._open.append(writer)
                    reused = False
                writer.write(request)
                try:
                    await writer.drain()
                    status_line, _, _ = await _read_message(reader)
                except (asyncio.IncompleteReadError, ConnectionError, OSError):
                    writer.close()
                    if reused:
                        continue
                    return 0
                self._idle.put_nowait((reader, writer))
                return int(status_line.split(" ", 2)[1])

    async def close(self) -> None:
        for writer in self._open:
            writer.close()
