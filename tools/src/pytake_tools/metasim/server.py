"""Serving the simulator with uvicorn: in-process for tests, or as the process's main loop.

`run_simulator(settings)` serves `create_app(settings)` on a free 127.0.0.1 port inside the
current event loop and yields its base URL; `serve_app(app)` does the same for any ASGI app
(tests use it for a webhook receiver). The socket is bound before uvicorn starts, so there is
no window in which another process can take the port. `serve_forever` is what `python -m
pytake_tools.metasim` runs: SIGTERM or SIGINT stops it gracefully and the process exits 0.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import socket
from collections.abc import AsyncIterator, Generator
from typing import Any

import httpx
import uvicorn

from pytake_tools.metasim.app import create_app
from pytake_tools.metasim.settings import SimulatorSettings

log = logging.getLogger(__name__)

# A hanging "timeout" fault must not hold shutdown for its full 30 s.
GRACEFUL_SHUTDOWN_SECONDS = 2


class _Server(uvicorn.Server):
    """uvicorn's server without its own signal handling.

    uvicorn installs process-wide handlers and re-raises the signal once it has stopped, which
    would end the process with 143 instead of 0 and, in tests, steal the runner's Ctrl+C.
    """

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        yield

    def request_stop(self) -> None:
        if self.should_exit:  # a second signal: stop waiting for open connections
            self.force_exit = True
        self.should_exit = True


def _config(app: Any, host: str, port: int) -> uvicorn.Config:
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        log_config=None,  # keep the process's logging (stderr) as configured
        access_log=False,  # one line per message would drown a benchmark
        lifespan="on",
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS,
        # Meta's front ends keep idle connections open far longer than uvicorn's 5 s default.
        timeout_keep_alive=60,
    )


@contextlib.asynccontextmanager
async def serve_app(app: Any, host: str = "127.0.0.1") -> AsyncIterator[str]:
    """Serve an ASGI app on a free port of `host` until the block ends; yield its base URL."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, 0))
    port = sock.getsockname()[1]
    server = _Server(_config(app, host, port))
    task = asyncio.create_task(server.serve(sockets=[sock]), name=f"uvicorn-{port}")
    try:
        while not server.started:
            if task.done():  # startup failed: surface uvicorn's error
                await task
                raise RuntimeError("the server stopped during startup")
            await asyncio.sleep(0.005)
        yield f"http://{host}:{port}"
    finally:
        server.request_stop()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        sock.close()


@contextlib.asynccontextmanager
async def run_simulator(
    settings: SimulatorSettings,
    *,
    webhook_transport: httpx.AsyncBaseTransport | None = None,
) -> AsyncIterator[str]:
    """`async with run_simulator(settings) as base_url:` a real HTTP simulator for tests."""
    async with serve_app(create_app(settings, webhook_transport=webhook_transport)) as url:
        yield url


async def serve_forever(settings: SimulatorSettings) -> None:
    server = _Server(_config(create_app(settings), settings.host, settings.port))
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, server.request_stop)
    await server.serve()
    log.info("meta simulator stopped")
