"""Meta's retries and overlapping batches reach the executor once per message (ingress+router
as processes, commands read back from the topic)."""

from __future__ import annotations

import asyncio
import copy
from typing import Any

import httpx
import orjson
import pytest
from aiokafka import AIOKafkaConsumer

from pytake_tools.stack import Stack
from pytake_tools.webhooks import signed, text_webhook

pytestmark = pytest.mark.e2e

NUMBER = "100000000000001"


def _batch(*messages: tuple[str, str, str]) -> dict[str, Any]:
    """One webhook carrying several messages: (wa_id, wamid, text) each."""
    payload = text_webhook(NUMBER, messages[0][0], messages[0][2], wamid=messages[0][1])
    value = payload["entry"][0]["changes"][0]["value"]
    template = value["messages"][0]
    value["messages"], value["contacts"] = [], []
    for wa_id, wamid, text in messages:
        item = copy.deepcopy(template)
        item.update({"from": wa_id, "id": wamid, "text": {"body": text}})
        value["messages"].append(item)
        value["contacts"].append({"profile": {"name": wa_id}, "wa_id": wa_id})
    return payload


async def _commands(stack: Stack, expect: int, settle_s: float) -> list[dict[str, Any]]:
    consumer = AIOKafkaConsumer(
        stack.topics.commands,
        bootstrap_servers=stack.bootstrap,
        group_id=None,
        auto_offset_reset="earliest",
    )
    await consumer.start()
    out: list[dict[str, Any]] = []
    try:
        async with asyncio.timeout(40):
            while sum(o["type"].endswith("handle_inbound") for o in out) < expect:
                for records in (await consumer.getmany(timeout_ms=200)).values():
                    out.extend(orjson.loads(r.value) for r in records)
        # Anything extra would arrive right behind: wait a little longer for it.
        end = asyncio.get_running_loop().time() + settle_s
        while asyncio.get_running_loop().time() < end:
            for records in (await consumer.getmany(timeout_ms=200)).values():
                out.extend(orjson.loads(r.value) for r in records)
    finally:
        await consumer.stop()
    return out


async def test_a_webhook_delivered_three_times_and_overlapping_batches_give_each_command_once(
    stack: Stack,
) -> None:
    secret = stack.config.app_secret
    first = _batch(("551101", "wamid.A1", "one"), ("551102", "wamid.B1", "two"))
    overlapping = _batch(("551102", "wamid.B1", "two"), ("551103", "wamid.C1", "three"))
    async with httpx.AsyncClient(timeout=10) as client:
        # Three deliveries of the same webhook, two of them at the same time.
        body, headers = signed(secret, first)
        responses = await asyncio.gather(
            client.post(stack.webhook_url, content=body, headers=headers),
            client.post(stack.webhook_url, content=body, headers=headers),
        )
        responses.append(await client.post(stack.webhook_url, content=body, headers=headers))
        body, headers = signed(secret, overlapping)
        responses.append(await client.post(stack.webhook_url, content=body, headers=headers))
    assert [r.status_code for r in responses] == [200, 200, 200, 200]

    everything = await _commands(stack, 3, settle_s=3)
    # The bot's replies bring status webhooks from the simulator: those are other commands.
    commands = [c for c in everything if c["type"] == "pytake.conversation.handle_inbound"]
    wamids = sorted(c["data"]["message"]["id"] for c in commands)
    assert wamids == ["wamid.A1", "wamid.B1", "wamid.C1"]
    assert sorted(c["subject"] for c in commands) == [
        f"{NUMBER}:551101",
        f"{NUMBER}:551102",
        f"{NUMBER}:551103",
    ]
