"""The executor as wired by its bootstrap, on the real broker and database: a command in, the
flow's sends out, offsets stored with the state, and a clean stop."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg
import pytest

from pytake_executor.bootstrap import build
from pytake_executor.settings import ExecutorSettings
from pytake_shared.config import ChatbotConfig, FlowConfig, OrganizationConfig, snapshot
from pytake_shared.envelope import Envelope
from pytake_shared.kafka import Producer
from pytake_shared.secrets import SecretBox
from pytake_shared.testing.fixtures import wait_for_records
from pytake_shared.topics import Topics


@pytest.mark.usefixtures("restore_signals")
async def test_the_wired_executor_runs_the_flow_of_an_inbound_command(
    make_settings: Callable[..., ExecutorSettings],
    topics: Topics,
    producer: Producer,
    drain: Callable[[str], Awaitable[list[Any]]],
    command: Callable[..., Envelope],
    survey: dict[str, Any],
    database: str,
) -> None:
    settings = make_settings(ExecutorSettings)
    box = SecretBox(settings.pytake_config_key)
    entities = [
        ("org", OrganizationConfig(id="org-1", name="Acme")),
        (
            "chatbot",
            ChatbotConfig(
                id="bot-1",
                organization_id="org-1",
                name="Main",
                main_flow_id="flow-1",
                main_flow_version=1,
            ),
        ),
        (
            "flow",
            FlowConfig(
                id="flow-1",
                organization_id="org-1",
                chatbot_id="bot-1",
                name="Survey",
                version=1,
                document={**survey, "variables": {"company": "Acme"}},
            ),
        ),
    ]
    await producer.send_many(
        (topics.config, snapshot(kind, e, source="test", box=box)) for kind, e in entities
    )
    runtime = await build(settings)
    serving = asyncio.create_task(runtime.serve())
    try:
        # Received now: with the helper's 2023 default the 24 h session timer is already due,
        # and the poller would fire it (one more command) while the test runs.
        await producer.send(
            topics.commands, command("wamid.SVC", "hi", received_at=int(time.time()))
        )
        sends = await wait_for_records(drain, topics.wa_outbound, 2)
        texts = [Envelope.from_bytes(r.value).data["message"]["text"] for r in sends]
        assert texts == ["Hello Ada from Acme", "Your name?"]
        assert all(runtime.readiness().values())
    finally:
        runtime.request_stop()
        assert await asyncio.wait_for(serving, 20) == 0
    conn = await asyncpg.connect(database)
    try:
        stored = await conn.fetch("SELECT topic, next_offset FROM executor.offsets")
    finally:
        await conn.close()
    assert [(r["topic"], r["next_offset"]) for r in stored] == [(topics.commands, 1)]
