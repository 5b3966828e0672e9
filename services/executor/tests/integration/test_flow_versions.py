"""Publishing a new version of a flow leaves running conversations on the version they began
with; the next new conversation takes the new version (handler, database and broker)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import asyncpg

from pytake_executor.adapters.flows import ConfigFlows
from pytake_executor.adapters.store import Store
from pytake_executor.handlers import ExecutorHandler
from pytake_shared import contracts as c
from pytake_shared.envelope import Envelope
from pytake_shared.kafka import Producer, Record
from pytake_shared.topics import Topics


def _flow(question: str, thanks: str) -> dict[str, Any]:
    nodes = [
        {"id": "s", "type": "start", "data": {}},
        {"id": "q", "type": "question", "data": {"content": question, "variableName": "x"}},
        {"id": "e", "type": "end", "data": {"content": thanks}},
    ]
    return {
        "canvas_data": {
            "nodes": nodes,
            "edges": [{"source": "s", "target": "q"}, {"source": "q", "target": "e"}],
        }
    }


async def test_a_new_version_does_not_disturb_running_conversations(
    config: Any,
    executor_pool: asyncpg.Pool,
    producer: Producer,
    topics: Topics,
    command: Callable[..., Envelope],
    record: Callable[..., Record],
    drain: Any,
) -> None:
    config.with_flow(_flow("v1 question?", "v1 thanks {{x}}"), version=1)
    flows = ConfigFlows(config.view)
    handler = ExecutorHandler(topics, Store(executor_pool), flows, producer)
    await handler.handle_batch([record(command("wamid.a1", "hi"), offset=0)])

    # Version 2 is published and becomes the chatbot's main version.
    config.with_flow(_flow("v2 question?", "v2 thanks {{x}}"), version=2)
    await handler.handle_batch([record(command("wamid.a2", "pizza"), offset=1)])
    await handler.handle_batch([record(command("wamid.b1", "hi", wa_id="5511900000002"), offset=2)])

    sends = [Envelope.from_bytes(r.value) for r in await drain(topics.wa_outbound)]
    by_contact: dict[str, list[str]] = {}
    for send in sends:
        assert send.type == c.OUT_SEND
        by_contact.setdefault(send.data["contact"]["wa_id"], []).append(
            send.data["message"]["text"]
        )
    assert by_contact == {
        "5511988887777": ["v1 question?", "v1 thanks pizza"],
        "5511900000002": ["v2 question?"],
    }
