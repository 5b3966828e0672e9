"""The router as wired by its bootstrap, on the real broker and database: config in, an inbound
message in, one command out, and a clean stop."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from pytake_router.bootstrap import build
from pytake_router.settings import RouterSettings
from pytake_shared import contracts as c
from pytake_shared.config import ChatbotConfig, NumberConfig, OrganizationConfig, snapshot
from pytake_shared.envelope import Envelope
from pytake_shared.kafka import Producer
from pytake_shared.secrets import SecretBox
from pytake_shared.testing.fixtures import wait_for_records
from pytake_shared.topics import Topics

NUMBER_ID = "106540352242922"


@pytest.mark.usefixtures("restore_signals")
async def test_the_wired_router_reads_the_config_and_forwards_inbound_messages(
    make_settings: Callable[..., RouterSettings],
    topics: Topics,
    producer: Producer,
    drain: Callable[[str], Awaitable[list[Any]]],
    inbound: Callable[..., Envelope],
) -> None:
    settings = make_settings(RouterSettings)
    box = SecretBox(settings.pytake_config_key)
    entities = [
        ("org", OrganizationConfig(id="org-1", name="Acme")),
        (
            "number",
            NumberConfig(
                id="n-1",
                organization_id="org-1",
                phone_number_id=NUMBER_ID,
                default_chatbot_id="bot-main",
            ),
        ),
        ("chatbot", ChatbotConfig(id="bot-main", organization_id="org-1", name="Main")),
    ]
    await producer.send_many(
        (topics.config, snapshot(kind, e, source="test", box=box)) for kind, e in entities
    )
    runtime = await build(settings)
    serving = asyncio.create_task(runtime.serve())
    try:
        first = inbound("wamid.SVC1", "hello")
        # Meta's retry of the first, then a second message of the same contact (same key,
        # same partition): once the second is out, the retry has been handled.
        for env in (first, first, inbound("wamid.SVC2", "again")):
            await producer.send(topics.wa_inbound, env)
        forwarded = await wait_for_records(drain, topics.commands, 2)
        assert all(runtime.readiness().values())
        assert set(runtime.readiness()) == {"database", "config", "consumer-router"}
    finally:
        runtime.request_stop()
        assert await asyncio.wait_for(serving, 20) == 0
    commands = [Envelope.from_bytes(r.value) for r in forwarded]
    assert [e.type for e in commands] == [c.CMD_HANDLE_INBOUND] * 2
    assert [e.data["message"]["id"] for e in commands] == ["wamid.SVC1", "wamid.SVC2"]
