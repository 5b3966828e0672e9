"""A send whose outcome is unknown (timeout, crash) is confirmed by Meta's status webhook echoing
its outbound id, and is then never sent again."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import asyncpg
import httpx

from pytake_sender.adapters.ledger import OutboundLedger
from pytake_sender.confirmations import StatusConfirmations
from pytake_sender.handlers import Pacing, SenderHandler
from pytake_shared import contracts as c
from pytake_shared.config import ConfigView
from pytake_shared.envelope import Envelope
from pytake_shared.kafka import Producer, Record
from pytake_shared.topics import Topics

NUMBER_ID = "106540352242922"


def _status(outbound_id: str, status: str = "sent", wamid: str = "wamid.FROM-META") -> Record:
    env = Envelope.new(
        c.WA_STATUS_RECEIVED,
        source="t",
        subject=f"{NUMBER_ID}:5511988887777",
        data={
            "phone_number_id": NUMBER_ID,
            "status": {"id": wamid, "status": status, "biz_opaque_callback_data": outbound_id},
        },
    )
    return Record("wa.inbound.v1", 0, 0, env.subject, env, 0)


async def _calls(base_url: str) -> list[Any]:
    async with httpx.AsyncClient() as client:
        found: list[Any] = (await client.get(f"{base_url}/_sim/messages")).json()["messages"]
    return found


async def test_an_unknown_outcome_confirmed_by_a_status_webhook_is_not_sent_again(
    simulator: Any,
    config: ConfigView,
    sender_pool: asyncpg.Pool,
    producer: Producer,
    topics: Topics,
    command: Callable[..., Envelope],
    record: Callable[..., Record],
) -> None:
    ledger = OutboundLedger(sender_pool)
    await ledger.attempt("out-1", "org-1", NUMBER_ID)  # a call whose answer was lost
    confirmations = StatusConfirmations(ledger)
    await confirmations.handle_batch([_status("out-1", "failed")])  # failures confirm nothing
    assert (await ledger.get("out-1") or {})["status"] == "sending"
    await confirmations.handle_batch([_status("out-1")])
    async with simulator() as (base_url, graph):
        handler = SenderHandler(
            topics, config, ledger, graph, producer, pacing=Pacing(confirm_wait_s=0.5)
        )
        await handler.handle(record(command("out-1")))
        assert await _calls(base_url) == []
    assert await ledger.get("out-1") == {
        "status": "accepted",
        "wamid": "wamid.FROM-META",
        "attempts": 1,
    }


async def test_an_unknown_outcome_without_a_status_is_indefinite_by_default(
    simulator: Any,
    config: ConfigView,
    sender_pool: asyncpg.Pool,
    producer: Producer,
    topics: Topics,
    command: Callable[..., Envelope],
    record: Callable[..., Record],
) -> None:
    """A crash right after `attempt` (before or after the call, nobody knows) and no status
    within the wait: the message is left to an operator, not sent blindly a second time."""
    ledger = OutboundLedger(sender_pool)
    await ledger.attempt("out-2", "org-1", NUMBER_ID)
    async with simulator() as (base_url, graph):
        handler = SenderHandler(
            topics, config, ledger, graph, producer, pacing=Pacing(confirm_wait_s=0.3)
        )
        await handler.handle(record(command("out-2")))
        assert await _calls(base_url) == []
    found = await ledger.get("out-2")
    assert found is not None and found["status"] == "indefinite"


async def test_an_unknown_outcome_without_a_status_is_sent_again_when_resending(
    simulator: Any,
    config: ConfigView,
    sender_pool: asyncpg.Pool,
    producer: Producer,
    topics: Topics,
    command: Callable[..., Envelope],
    record: Callable[..., Record],
) -> None:
    ledger = OutboundLedger(sender_pool)
    await ledger.attempt("out-2", "org-1", NUMBER_ID)
    async with simulator() as (base_url, graph):
        pacing = Pacing(confirm_wait_s=0.3, resend_unconfirmed=True)
        handler = SenderHandler(topics, config, ledger, graph, producer, pacing=pacing)
        await handler.handle(record(command("out-2")))
        [call] = await _calls(base_url)
    assert call["body"]["biz_opaque_callback_data"] == "out-2"
    found = await ledger.get("out-2")
    assert found is not None and found["status"] == "accepted" and found["attempts"] == 2
