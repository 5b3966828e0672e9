"""Calls to the outside world the flows asked for (api_call, webhook), off the hot path.

A separate consumer of conversation.events.v1 picks up `api_call_requested` and
`webhook_requested`, makes the HTTP call through the egress guard (`pytake_shared.egress_http`: no
private or local destination, time and size bounded), and feeds the outcome back as a command
on the conversation's key: `complete_api_call` (the flow goes on along its success or error path)
or `record_webhook_result` (recorded only). Results are commands (and so recorded), which is why a
replay never calls the outside world again. Calls run concurrently (pipelined), so one slow API
holds up no other conversation.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from prometheus_client import Counter

from pytake_shared import egress_http as egress
from pytake_shared.contracts import commands
from pytake_shared.egress import EgressPolicy
from pytake_shared.envelope import Envelope, deterministic_id
from pytake_shared.kafka import PipelinedHandler, Producer, Record
from pytake_shared.kafka.handlers import ParkFn
from pytake_shared.topics import Topics

log = logging.getLogger(__name__)

CALLS = Counter(
    "pytake_executor_external_calls_total", "api_call/webhook calls", ["kind", "outcome"]
)
API_CALL = "pytake.conversation.api_call_requested"
WEBHOOK = "pytake.conversation.webhook_requested"


class EffectsHandler(PipelinedHandler):
    wants = frozenset({API_CALL, WEBHOOK})  # every other event is passed over undecoded

    def __init__(
        self,
        topics: Topics,
        producer: Producer,
        policy: EgressPolicy | None = None,
        *,
        max_response_bytes: int = 256 * 1024,
        concurrency: int = 100,
        resolver: egress.Resolver = egress.resolve,
    ) -> None:
        self._topics = topics
        self._producer = producer
        self._policy = policy or EgressPolicy()
        self._max_bytes = max_response_bytes
        self._client = egress.guarded_client(self._policy, resolver)
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
        answer = await self._call(data)
        kind = "api_call" if env.type == API_CALL else "webhook"
        outcome = "refused" if answer.refused else "error" if answer.error else str(answer.status)
        CALLS.labels(kind, outcome).inc()
        if answer.error:
            log.warning("%s of node %s: %s", kind, data.get("node_id"), answer.error)
        result: commands.CompleteApiCall | commands.RecordWebhookResult
        if env.type == API_CALL:
            result = commands.CompleteApiCall(
                request_id=data["request_id"],
                status=answer.status,
                body=egress.parsed_body(answer.body),
                error=answer.error,
            )
        else:
            result = commands.RecordWebhookResult(
                request_id=data["request_id"],
                node_id=data.get("node_id") or "",
                status=answer.status,
                error=answer.error,
            )
        command = commands.type_of(result)
        seed = commands.id_seed(command).rsplit(".", 1)[-1]
        await self._publish(
            Envelope.new(
                command,
                id=deterministic_id(seed, data["request_id"]),
                source="pytake-executor",
                subject=env.subject,
                causation=env,
                data=result.model_dump(mode="json"),
            )
        )
        return True

    async def _publish(self, result: Envelope) -> None:
        while True:
            try:
                await self._producer.send(self._topics.commands, result)
                return
            except Exception as exc:  # the broker: keep the result, retry
                log.warning("could not publish a call's result, retrying: %r", exc)
                await asyncio.sleep(1.0)

    async def _call(self, data: dict[str, Any]) -> egress.Answer:
        return await egress.flow_call(self._client, self._policy, data, self._max_bytes)
