"""Calls to the outside world the flows asked for (api_call, webhook), off the hot path.

A separate consumer of conversation.events.v1 picks up `api_call_requested` and
`webhook_requested`, makes the HTTP call with the node's timeout, and feeds an api call's outcome
back as an `api_call_result` command on the conversation's key. Results are commands (and so
recorded), which is why a replay never calls the outside world again. Calls run concurrently
(pipelined), so one slow API holds up no other conversation.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import httpx
import orjson
from prometheus_client import Counter

from pytake_shared import contracts as c
from pytake_shared.envelope import Envelope, deterministic_id
from pytake_shared.kafka import Producer, Record, RecordHandler
from pytake_shared.kafka.consumer import ParkFn
from pytake_shared.topics import Topics

log = logging.getLogger(__name__)

CALLS = Counter(
    "pytake_executor_external_calls_total", "api_call/webhook calls", ["kind", "outcome"]
)
API_CALL = "pytake.conversation.api_call_requested"
WEBHOOK = "pytake.conversation.webhook_requested"


class EffectsHandler(RecordHandler):
    pipelined = True

    def __init__(self, topics: Topics, producer: Producer, concurrency: int = 100) -> None:
        self._topics = topics
        self._producer = producer
        self._client = httpx.AsyncClient(follow_redirects=False)
        self._slots = asyncio.Semaphore(concurrency)
        self._tasks: set[asyncio.Task[bool]] = set()

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self._client.aclose()

    async def submit(self, record: Record, park: ParkFn) -> asyncio.Future[bool]:
        if record.envelope.type not in (API_CALL, WEBHOOK):
            done: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
            done.set_result(True)
            return done
        await self._slots.acquire()
        task = asyncio.create_task(self._run(record.envelope))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        task.add_done_callback(lambda _: self._slots.release())
        return task

    async def _run(self, env: Envelope) -> bool:
        data = env.data
        status, body, error = await self._call(data)
        kind = "api_call" if env.type == API_CALL else "webhook"
        CALLS.labels(kind, "error" if error else str(status)).inc()
        if env.type == WEBHOOK:
            if error:
                log.warning("webhook of node %s failed: %s", data.get("node_id"), error)
            return True
        result = Envelope.new(
            c.CMD_API_CALL_RESULT,
            id=deterministic_id("api_call_result", data["request_id"]),
            source="pytake-executor",
            subject=env.subject,
            causation=env,
            data={"request_id": data["request_id"], "status": status, "body": body, "error": error},
        )
        while True:
            try:
                await self._producer.send(self._topics.commands, result)
                return True
            except Exception as exc:  # the broker: keep the result, retry
                log.warning("could not publish api call result, retrying: %r", exc)
                await asyncio.sleep(1.0)

    async def _call(self, data: dict[str, Any]) -> tuple[int | None, Any, str | None]:
        timeout = min(30.0, max(1.0, float(data.get("timeout") or 10)))
        method = str(data.get("method") or "GET").upper()
        body = data.get("body")
        headers = {str(k): str(v) for k, v in (data.get("headers") or {}).items()}
        # Lets the API drop a repeat if a crash made us call twice.
        headers.setdefault("X-PyTake-Request-Id", str(data.get("request_id") or ""))
        try:
            response = await self._client.request(
                method,
                str(data["url"]),
                params=data.get("query") or None,
                headers=headers,
                content=None
                if body is None or method in ("GET", "HEAD")
                else (body.encode() if isinstance(body, str) else orjson.dumps(body)),
                timeout=timeout,
            )
        except httpx.TimeoutException:
            return None, None, f"timeout after {timeout:g}s"
        except (httpx.HTTPError, ValueError, KeyError) as exc:
            return None, None, f"{type(exc).__name__}: {exc}"
        try:
            parsed: Any = response.json()
        except ValueError:
            parsed = response.text[:10_000]
        return response.status_code, parsed, None
