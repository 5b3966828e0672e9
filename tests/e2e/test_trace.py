"""`pytake trace`: one message followed from its webhook to the Graph call and Meta's statuses,
on a whole stack."""

from __future__ import annotations

import argparse
import asyncio
import io
from typing import Any

import httpx
import orjson
import pytest

from pytake_tools import trace
from pytake_tools.stack import Stack
from pytake_tools.webhooks import signed, text_webhook

pytestmark = pytest.mark.e2e

NUMBER = "100000000000001"
CONTACT = "5511977776666"


async def _trace(stack: Stack, wamid: str | None = None, **extra: Any) -> tuple[int, str, str]:
    args = argparse.Namespace(
        bootstrap=stack.bootstrap,
        namespace=stack.config.namespace,
        idle_timeout=1.0,
        progress=None,
        json=False,
        wamid=wamid,
        key=None,
        limit=20,
    )
    for name, value in extra.items():
        setattr(args, name, value)
    out, err = io.StringIO(), io.StringIO()
    code = await trace.run(args, out, err)
    return code, out.getvalue(), err.getvalue()


async def _say(client: httpx.AsyncClient, stack: Stack, text: str, wamid: str) -> None:
    body, headers = signed(
        stack.config.app_secret, text_webhook(NUMBER, CONTACT, text, name="Ada", wamid=wamid)
    )
    response = await client.post(stack.webhook_url, content=body, headers=headers)
    assert response.status_code == 200, response.text


async def test_a_message_is_traced_through_every_topic_to_metas_statuses(stack: Stack) -> None:
    async with httpx.AsyncClient(timeout=10) as client:
        await _say(client, stack, "hi", "wamid.trace.first")
        await _say(client, stack, "again", "wamid.trace.second")
        async with asyncio.timeout(60):
            while True:  # the simulator posts sent, delivered and read 50-150 ms after a send
                code, text, _ = await _trace(stack, "wamid.trace.first", json=True)
                hops = orjson.loads(text)["hops"] if code == 0 else []
                if sum(h["type"] == "pytake.wa.status_received" for h in hops) >= 3:
                    break
                await asyncio.sleep(0.5)

    body = orjson.loads(text)
    assert body["root"] == "wamid.trace.first" and body["key"] == f"{NUMBER}:{CONTACT}"
    types = [h["type"] for h in hops]
    # In the order they were written, from the webhook to Meta's statuses.
    assert types[0] == "pytake.wa.message_received"
    order = [
        "pytake.wa.message_received",
        "pytake.conversation.handle_inbound",
        "pytake.outbound.send",
        "pytake.delivery.accepted",
    ]
    assert [types.index(t) for t in order] == sorted(types.index(t) for t in order)
    # Meta's first status follows the send; it may race the sender's `accepted` record onto
    # the topics on a loaded box (the simulator posts `sent` 50 ms after the call).
    assert types.index("pytake.wa.status_received") > types.index("pytake.outbound.send")
    assert any(t.startswith("pytake.conversation.") and "message_queued" in t for t in types)
    # Nothing of the second message is in the first one's trace.
    texts = " ".join(h["summary"] for h in hops)
    assert "again" not in texts and "'hi'" in texts
    by_type = {h["type"]: h for h in hops}
    assert by_type["pytake.conversation.handle_inbound"]["source"] == "pytake-router"
    assert by_type["pytake.outbound.send"]["handled_by"] == ["pytake-sender"]
    reply = by_type["pytake.delivery.accepted"]["data"]["wamid"]
    words = {
        h["data"]["status"]["status"] for h in hops if h["type"] == "pytake.wa.status_received"
    }
    assert words == {"sent", "delivered", "read"}
    stages = body["stages_ms"]
    assert {
        "router: → command",
        "sender: send → Graph API accepted",
        "Meta: accepted → read",
    } <= set(stages)
    # Our own hops follow each other; Meta's status webhook may race the sender's `accepted`
    # record onto the topics on a loaded box (the simulator posts `sent` 50 ms after the call).
    assert all(ms >= 0 for name, ms in stages.items() if not name.startswith("Meta:")), stages
    assert [h["after_ms"] for h in hops] == sorted(h["after_ms"] for h in hops)

    # The reply's wamid leads back to the same message; the terminal view reads as a table.
    code, table, _ = await _trace(stack, reply)
    assert code == 0
    assert table.startswith(f"trace of wamid.trace.first  key {NUMBER}:{CONTACT}")
    assert "where the time went (first reply):" in table and "outbound.send" in table
    assert f"read of {reply}" in table and "organization -" not in table

    # By conversation: both messages, each its own trace, the latest last.
    code, text, _ = await _trace(stack, key=f"{NUMBER}:{CONTACT}", json=True)
    roots = [orjson.loads(line)["root"] for line in text.splitlines()]
    assert code == 0 and roots == ["wamid.trace.first", "wamid.trace.second"]

    code, _, err = await _trace(stack, "wamid.nobody.sent.this")
    assert code == 1 and "nothing found for wamid.nobody.sent.this" in err
