"""The lifecycle of one service process: wire, serve HTTP, run loops, stop cleanly.

Every service serves `/healthz` (the process and its event loop answer), `/readyz` (every
readiness check passes: broker joined, database reachable, config caught up) and `/metrics`
(Prometheus). SIGTERM or SIGINT stops the consumer loops after their current batch, then
closes what was opened, in reverse order. A background task that dies stops the process with
a non-zero exit code, so a supervisor restarts it from the last commit.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Awaitable, Callable, Coroutine, Iterator
from typing import Any

import uvicorn
from fastapi import APIRouter, FastAPI, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.types import ASGIApp

from pytake_shared import tracing
from pytake_shared.faults import is_transient
from pytake_shared.settings import ServiceSettings

log = logging.getLogger(__name__)

ReadyCheck = Callable[[], bool]


class _Server(uvicorn.Server):
    """uvicorn without its own signal handling: the runtime owns SIGTERM/SIGINT."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


class Runtime:
    def __init__(self, settings: ServiceSettings) -> None:
        self.settings = settings
        self._tasks: dict[str, Callable[[], Coroutine[Any, Any, None]]] = {}
        self._stoppers: list[Callable[[], None]] = []
        self._cleanups: list[Callable[[], Awaitable[None]]] = []
        self._ready: dict[str, ReadyCheck] = {}
        self._stop = asyncio.Event()
        self.broker_watch: Any = None  # set by `wiring.start_producer`
        tracing.setup(settings.service_name)  # exports spans when OTEL_EXPORTER_OTLP_* is set

    def add_task(
        self, name: str, run: Callable[[], Coroutine[Any, Any, None]], stop: Callable[[], None]
    ) -> None:
        """A long-running coroutine (a consumer loop) and how to ask it to finish."""
        self._tasks[name] = run
        self._stoppers.append(stop)

    def add_periodic(
        self, name: str, interval_s: float, job: Callable[[], Awaitable[object]]
    ) -> None:
        """Run `job` every `interval_s` seconds until stop; a failing run is logged, not fatal."""
        stop = asyncio.Event()

        async def loop() -> None:
            while not stop.is_set():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), interval_s)
                if stop.is_set():
                    return
                try:
                    await job()
                except Exception as exc:
                    if is_transient(exc):  # the next run tries again; no traceback needed
                        log.warning("periodic job %s: environment unavailable: %r", name, exc)
                    else:
                        log.exception("periodic job %s failed", name)

        self.add_task(name, loop, stop.set)

    def on_close(self, cleanup: Callable[[], Awaitable[None]]) -> None:
        """Run at shutdown, after the tasks finished, in reverse order of registration."""
        self._cleanups.append(cleanup)

    def add_ready_check(self, name: str, check: ReadyCheck) -> None:
        self._ready[name] = check

    def readiness(self) -> dict[str, bool]:
        out = {}
        for name, check in self._ready.items():
            try:
                out[name] = bool(check())
            except Exception:
                out[name] = False
        return out

    def request_stop(self) -> None:
        self._stop.set()

    def ops_router(self) -> APIRouter:
        router = APIRouter(tags=["operations"])

        @router.get("/healthz")
        async def healthz() -> dict[str, str]:
            return {"status": "ok", "service": self.settings.service_name}

        @router.get("/readyz")
        async def readyz(response: Response) -> dict[str, Any]:
            checks = self.readiness()
            ready = all(checks.values())
            response.status_code = 200 if ready else 503
            return {"ready": ready, "checks": checks}

        @router.get("/metrics")
        async def metrics() -> Response:
            return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

        return router

    async def serve(
        self, app: FastAPI | None = None, front: Callable[[ASGIApp], ASGIApp] | None = None
    ) -> int:
        """Run until a stop signal or a task failure; return the process exit code. `front`
        wraps the app in an ASGI layer of the service's own (ingress' webhook fast path)."""
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.add_signal_handler(sig, self.request_stop)
        if app is None:
            app = FastAPI(title=self.settings.service_name)
        app.include_router(self.ops_router())
        config = uvicorn.Config(
            front(app) if front is not None else app,
            host=self.settings.http_host,
            port=self.settings.http_port,
            log_config=None,
            access_log=False,
            lifespan="off",
            # uvicorn believes X-Forwarded-For from any local peer by default; the services
            # decide themselves whom they trust (analytics' TRUSTED_PROXIES).
            proxy_headers=False,
        )
        server = _Server(config)
        tasks = {asyncio.create_task(run(), name=name) for name, run in self._tasks.items()}
        tasks.add(asyncio.create_task(server.serve(), name="http"))
        stop_wait = asyncio.create_task(self._stop.wait(), name="stop-signal")
        exit_code = 0
        done, _ = await asyncio.wait(tasks | {stop_wait}, return_when=asyncio.FIRST_COMPLETED)
        for task in done:
            if task is stop_wait:
                log.info("stop requested")
            elif task.exception() is not None:
                exc = task.exception()
                log.error("%s failed: %r", task.get_name(), exc, exc_info=exc)
                exit_code = 1
            else:
                log.error("%s ended on its own", task.get_name())
                exit_code = 1
        for stop in self._stoppers:
            stop()
        server.should_exit = True
        pending = [t for t in tasks if not t.done()]
        if pending:
            _, still = await asyncio.wait(pending, timeout=15)
            for task in still:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
        stop_wait.cancel()
        for cleanup in reversed(self._cleanups):
            try:
                await cleanup()
            except Exception:
                log.exception("cleanup failed")
        tracing.shutdown()  # flushes the spans still buffered
        log.info("stopped (exit code %d)", exit_code)
        return exit_code
