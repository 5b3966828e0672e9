"""`kill -9` of the sender in the middle of a run: after its restart nothing is lost and
nothing is sent twice (counted at the simulator). A send the kill caught between its ledger
write and its request leaving may or may not have reached Meta: without a status webhook to
confirm it, it is marked indefinite for an operator and not sent blindly again; it is accounted
for (`pytake.delivery.indefinite`), never silently dropped."""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

import httpx
import pytest

from pytake_tools.stack import Stack
from pytake_tools.webhooks import signed, text_webhook

pytestmark = pytest.mark.e2e

NUMBER = "100000000000001"
CONTACTS = [f"5521{i:07d}" for i in range(120)]


async def _accepted(client: httpx.AsyncClient, stack: Stack) -> list[dict[str, Any]]:
    r = await client.get(
        stack.url("metasim") + "/_sim/messages", params={"phone_number_id": NUMBER}
    )
    return [m for m in r.json()["messages"] if m["status"] == 200]


async def _indefinite(stack: Stack, drain: Any) -> set[str]:
    """The contacts whose send was marked indefinite."""
    found = set()
    for record in await drain(stack.topics.wa_delivery):
        if b"pytake.delivery.indefinite" in record.value:
            found.add(record.key.decode().split(":", 1)[1])
    return found


@pytest.mark.parametrize(
    "stack_env", [{"METASIM_SLOW_MS": "40", "SENDER_CONFIRM_WAIT_S": "8"}], indirect=True
)
async def test_kill_9_of_the_sender_loses_nothing_and_sends_nothing_twice(
    stack: Stack, stack_env: dict[str, str], drain: Any
) -> None:
    async with httpx.AsyncClient(timeout=10) as client:
        for i, contact in enumerate(CONTACTS):
            body, headers = signed(
                stack.config.app_secret, text_webhook(NUMBER, contact, "hi", name=f"C{i}")
            )
            assert (
                await client.post(stack.webhook_url, content=body, headers=headers)
            ).status_code == 200
        async with asyncio.timeout(60):
            while len(await _accepted(client, stack)) < 20:
                await asyncio.sleep(0.05)
        stack.restart("sender", kill=True)  # mid-run: some sends in flight
        await stack.wait_ready("sender")
        async with asyncio.timeout(90):
            while True:
                answered = {m["to"].lstrip("+") for m in await _accepted(client, stack)}
                if answered | await _indefinite(stack, drain) >= set(CONTACTS):
                    break
                await asyncio.sleep(0.5)
        await asyncio.sleep(2)  # a late duplicate would land here
        accepted = await _accepted(client, stack)
        indefinite = await _indefinite(stack, drain)
    per_contact = Counter(m["to"].lstrip("+") for m in accepted)
    assert set(per_contact) | indefinite == set(CONTACTS)  # every one accounted for
    assert [c for c, n in per_contact.items() if n > 1] == []  # none twice
    assert not indefinite & set(per_contact)  # an indefinite one was never sent blindly again
    assert len(indefinite) <= 10, indefinite  # only what the kill caught in flight
