"""`kill -9` of the executor in the middle of many conversations: no reply lost, none sent
twice (counted by outbound id at the simulator), every conversation where it should be."""

from __future__ import annotations

import asyncio
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import pytest

from pytake_tools.stack import Stack
from pytake_tools.webhooks import signed, text_webhook

pytestmark = pytest.mark.e2e

NUMBER = "100000000000001"
CONTACTS = [f"5531{i:07d}" for i in range(100)]
FLOW = str(Path(__file__).parent / "fixtures" / "pizza_question_flow.json")


async def _accepted(client: httpx.AsyncClient, stack: Stack) -> list[dict[str, Any]]:
    r = await client.get(
        stack.url("metasim") + "/_sim/messages", params={"phone_number_id": NUMBER}
    )
    return [m for m in r.json()["messages"] if m["status"] == 200]


async def _say(client: httpx.AsyncClient, stack: Stack, contact: str, text: str) -> None:
    body, headers = signed(
        stack.config.app_secret, text_webhook(NUMBER, contact, text, name=f"C{contact[-3:]}")
    )
    assert (await client.post(stack.webhook_url, content=body, headers=headers)).status_code == 200


async def _until(client: httpx.AsyncClient, stack: Stack, count: int) -> list[dict[str, Any]]:
    async with asyncio.timeout(120):
        while len(found := await _accepted(client, stack)) < count:
            await asyncio.sleep(0.3)
    return found


@pytest.mark.parametrize("stack_env", [{"PYTAKE_DEMO_FLOW_FILE": FLOW}], indirect=True)
async def test_kill_9_of_the_executor_loses_no_reply_and_sends_none_twice(
    stack: Stack, stack_env: dict[str, str]
) -> None:
    async with httpx.AsyncClient(timeout=10) as client:
        for contact in CONTACTS:
            await _say(client, stack, contact, "hi")
        await _until(client, stack, 10)
        stack.restart("executor", kill=True)
        await stack.wait_ready("executor")
        await _until(client, stack, len(CONTACTS))
        for contact in CONTACTS:
            await _say(client, stack, contact, "Margherita")
        await asyncio.sleep(0.5)
        stack.restart("executor", kill=True)  # and once more, with answers in flight
        await stack.wait_ready("executor")
        await _until(client, stack, 2 * len(CONTACTS))
        await asyncio.sleep(2)
        accepted = await _accepted(client, stack)
    ids = Counter(m["body"]["biz_opaque_callback_data"] for m in accepted)
    assert [i for i, n in ids.items() if n > 1] == []
    texts: dict[str, list[str]] = {}
    for m in accepted:
        texts.setdefault(m["to"].lstrip("+"), []).append(m["body"]["text"]["body"])
    for contact in CONTACTS:
        name = f"C{contact[-3:]}"
        assert texts[contact] == [
            f"Hello {name}! Which pizza would you like?",
            f"One Margherita coming up, {name}!",
        ], contact
