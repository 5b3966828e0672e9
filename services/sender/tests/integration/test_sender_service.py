"""The sender as wired by its bootstrap, on the real broker and database, calling the Meta
simulator: a send command in, one Graph API call, an accepted delivery out, a clean stop."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

from pytake_sender.bootstrap import build
from pytake_sender.settings import SenderSettings
from pytake_shared import contracts as c
from pytake_shared.config import NumberConfig, snapshot
from pytake_shared.envelope import Envelope
from pytake_shared.kafka import Producer
from pytake_shared.secrets import SecretBox
from pytake_shared.testing.fixtures import wait_for_records
from pytake_shared.topics import Topics
from pytake_tools.metasim import SimulatorSettings, run_simulator

NUMBER_ID = "106540352242922"


@pytest.mark.usefixtures("restore_signals")
async def test_the_wired_sender_delivers_a_send_command_through_the_graph_api(
    make_settings: Callable[..., SenderSettings],
    topics: Topics,
    producer: Producer,
    drain: Callable[[str], Awaitable[list[Any]]],
    command: Callable[..., Envelope],
) -> None:
    sim = SimulatorSettings(
        webhook_url="", status_delays_ms=(), seed=3, access_tokens=("svc-token",)
    )
    async with run_simulator(sim) as base_url:
        settings = make_settings(
            SenderSettings,
            graph_api_base_url=base_url,
            graph_api_version="v21.0",
            graph_api_timeout_s=5,
        )
        box = SecretBox(settings.pytake_config_key)
        number = NumberConfig(
            id="n-1", organization_id="org-1", phone_number_id=NUMBER_ID, access_token="svc-token"
        )
        await producer.send(topics.config, snapshot("number", number, source="t", box=box))
        runtime = await build(settings)
        serving = asyncio.create_task(runtime.serve())
        try:
            await producer.send(topics.wa_outbound, command("out-svc"))
            [delivered] = await wait_for_records(drain, topics.wa_delivery, 1)
            async with httpx.AsyncClient() as client:
                calls = (await client.get(f"{base_url}/_sim/messages")).json()["messages"]
        finally:
            runtime.request_stop()
            assert await asyncio.wait_for(serving, 20) == 0
    accepted = Envelope.from_bytes(delivered.value)
    assert accepted.type == c.DELIVERY_ACCEPTED
    [call] = calls
    assert (call["status"], call["token"]) == (200, "svc-token")
    assert accepted.data["wamid"] == call["wamid"]
