"""`kill -9` of the executor at random instants during 1,000 scripted conversations: no reply
lost, none sent twice (counted by outbound id at the simulator), every conversation where it
should be.

Each contact says "hi" then names a pizza, with no pause between the two: order per contact
holds from ingress to executor, so the answer always follows the question. Meanwhile a killer
task `kill -9`s the executor at random moments (seeded; the seed is printed so a failure can be
replayed) while webhooks are still arriving and replies are in flight.
"""

from __future__ import annotations

import asyncio
import os
import random
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import pytest

from pytake_tools.stack import Stack
from pytake_tools.webhooks import signed, text_webhook

pytestmark = pytest.mark.e2e

NUMBER = "100000000000001"
CONVERSATIONS = 1000
KILLS = 3
CONTACTS = [f"5531{i:07d}" for i in range(CONVERSATIONS)]
FLOW = str(Path(__file__).parent / "fixtures" / "pizza_question_flow.json")
PIZZAS = ["Margherita", "Calabresa", "Portuguesa", "Quatro Queijos"]


class Accepted:
    """The simulator's accepted calls, read incrementally (`after` the last seq seen)."""

    def __init__(self, client: httpx.AsyncClient, stack: Stack) -> None:
        self._client, self._url = client, stack.url("metasim") + "/_sim/messages"
        self.calls: list[dict[str, Any]] = []
        self._seq = 0

    async def poll(self) -> list[dict[str, Any]]:
        params = {"phone_number_id": NUMBER, "after": str(self._seq)}
        new = (await self._client.get(self._url, params=params)).json()["messages"]
        if new:
            self._seq = max(m["seq"] for m in new)
        self.calls += [m for m in new if m["status"] == 200]
        return self.calls


async def _say(client: httpx.AsyncClient, stack: Stack, contact: str, text: str) -> None:
    body, headers = signed(
        stack.config.app_secret, text_webhook(NUMBER, contact, text, name=f"C{contact[-3:]}")
    )
    outcome: object = None
    for _ in range(30):  # as Meta does: retry a 5xx or a timeout (the router drops repeats)
        try:
            response = await client.post(stack.webhook_url, content=body, headers=headers)
        except httpx.TransportError as exc:
            outcome = exc
        else:
            if response.status_code == 200:
                return
            outcome = response.status_code
        await asyncio.sleep(0.5)
    raise AssertionError(f"webhook for {contact} never accepted: {outcome!r}")


async def _converse(
    client: httpx.AsyncClient, stack: Stack, gate: asyncio.Semaphore, contact: str
) -> None:
    async with gate:
        await _say(client, stack, contact, "hi")
        await _say(client, stack, contact, PIZZAS[int(contact) % len(PIZZAS)])


async def _killer(stack: Stack, rng: random.Random, traffic: asyncio.Task[Any]) -> int:
    """`kill -9` the executor at random instants, the last one once all webhooks are in (with
    replies still being produced)."""
    kills = 0
    for n in range(KILLS):
        await asyncio.sleep(rng.uniform(1.0, 6.0))
        if n == KILLS - 1:
            await asyncio.shield(traffic)
            await asyncio.sleep(rng.uniform(0.0, 1.5))
        stack.restart("executor", kill=True)
        kills += 1
        await stack.wait_ready("executor")
    return kills


@pytest.mark.timeout(600)
@pytest.mark.parametrize("stack_env", [{"PYTAKE_DEMO_FLOW_FILE": FLOW}], indirect=True)
async def test_kill_9_of_the_executor_loses_no_reply_and_sends_none_twice(
    stack: Stack, stack_env: dict[str, str]
) -> None:
    seed = int(os.environ.get("PYTAKE_CRASH_SEED") or random.SystemRandom().randrange(1 << 32))
    print(f"kill schedule seed: PYTAKE_CRASH_SEED={seed}")
    rng = random.Random(seed)
    gate = asyncio.Semaphore(16)
    limits = httpx.Limits(max_connections=32)
    async with httpx.AsyncClient(timeout=10, limits=limits) as client:
        traffic = asyncio.ensure_future(
            asyncio.gather(*(_converse(client, stack, gate, c) for c in CONTACTS))
        )
        try:
            kills = await _killer(stack, rng, traffic)
            await traffic
        finally:
            traffic.cancel()
        seen = Accepted(client, stack)
        async with asyncio.timeout(240):
            while len(await seen.poll()) < 2 * CONVERSATIONS:
                await asyncio.sleep(0.5)
        await asyncio.sleep(3)  # anything sent twice would show up by now
        accepted = await seen.poll()
    assert kills == KILLS
    ids = Counter(m["body"]["biz_opaque_callback_data"] for m in accepted)
    assert [i for i, n in ids.items() if n > 1] == []
    texts: dict[str, list[str]] = {}
    for m in accepted:
        texts.setdefault(m["to"].lstrip("+"), []).append(m["body"]["text"]["body"])
    assert len(texts) == CONVERSATIONS
    for contact in CONTACTS:
        name, pizza = f"C{contact[-3:]}", PIZZAS[int(contact) % len(PIZZAS)]
        assert texts[contact] == [
            f"Hello {name}! Which pizza would you like?",
            f"One {pizza} coming up, {name}!",
        ], contact
