"""The sender when a send's outcome is unknown or half recorded (Meta's answer lost, the ledger
write refused): confirmed by Meta's status, marked indefinite, or sent again only when allowed;
never sent blindly twice."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import asyncpg
import pytest

from pytake_sender.adapters.ledger import OutboundLedger
from pytake_sender.confirmations import StatusConfirmations
from pytake_sender.handlers import SenderHandler
from pytake_shared import contracts as c
from pytake_shared.envelope import Envelope
from pytake_shared.errors import IndefiniteError
from pytake_shared.kafka import Record

NUMBER_ID = "106540352242922"
WA_ID = "5511988887777"
KEY = f"{NUMBER_ID}:{WA_ID}"

MakeRecord = Callable[..., Record]
MakeCommand = Callable[..., Envelope]
Simulated = Callable[..., Any]


def _status(wamid: str, outbound_id: str) -> Envelope:
    """Meta's `sent` status for a send, as it reaches wa.inbound.v1."""
    return Envelope.new(
        c.WA_STATUS_RECEIVED,
        source="pytake-ingress",
        subject=KEY,
        data={
            "phone_number_id": NUMBER_ID,
            "status": {"id": wamid, "status": "sent", "biz_opaque_callback_data": outbound_id},
        },
    )


async def test_an_unknown_outcome_confirmed_by_metas_status_is_accepted_without_a_second_call(
    simulator: Simulated,
    make_handler: Callable[..., SenderHandler],
    command: MakeCommand,
    record: MakeRecord,
    sender_pool: asyncpg.Pool,
    probe: Any,
) -> None:
    """Meta took the send but its answer was lost: the status webhook confirms it."""
    async with simulator(
        timeout_s=0.2, error_rate=1.0, error_kinds=("lost_answer",), timeout_seconds=0.6
    ) as (base_url, graph):
        handler = make_handler(graph)
        with pytest.raises(IndefiniteError):
            await handler.handle(record(command("out-1")))
        [call] = await probe.calls(base_url)
        await StatusConfirmations(OutboundLedger(sender_pool)).handle_batch(
            [record(_status(call["wamid"], "out-1"))]
        )
        await handler.handle(record(command("out-1")))  # the redelivery, or the lane's retry
        assert len(await probe.calls(base_url)) == 1
    [accepted] = await probe.deliveries()
    assert (accepted.type, accepted.data["wamid"]) == (c.DELIVERY_ACCEPTED, call["wamid"])
    ledger = await probe.row()
    assert ledger is not None and (ledger["status"], ledger["wamid"]) == ("accepted", call["wamid"])


async def test_an_unknown_outcome_without_confirmation_is_indefinite_and_never_sent_again(
    simulator: Simulated,
    make_handler: Callable[..., SenderHandler],
    command: MakeCommand,
    record: MakeRecord,
    sender_pool: asyncpg.Pool,
    probe: Any,
) -> None:
    async with simulator(
        timeout_s=0.2, error_rate=1.0, error_kinds=("timeout",), timeout_seconds=0.6
    ) as (base_url, graph):
        handler = make_handler(graph)
        with pytest.raises(IndefiniteError):
            await handler.handle(record(command("out-1")))
        await handler.handle(record(command("out-1")))  # no status came within the wait
        await handler.handle(record(command("out-1")))  # and a later redelivery does nothing
        assert len(await probe.calls(base_url)) == 1
    [indefinite] = await probe.deliveries()
    assert indefinite.type == c.DELIVERY_INDEFINITE
    assert "not sent again" in indefinite.data["reason"]
    ledger = await probe.row()
    assert ledger is not None and ledger["status"] == "indefinite"
    # A status that arrives after all still tells the truth.
    await StatusConfirmations(OutboundLedger(sender_pool)).handle_batch(
        [record(_status("wamid.LATE", "out-1"))]
    )
    ledger = await probe.row()
    assert ledger is not None and ledger["status"] == "accepted"


async def test_with_resend_unconfirmed_an_unknown_outcome_is_sent_again_after_the_wait(
    simulator: Simulated,
    make_handler: Callable[..., SenderHandler],
    command: MakeCommand,
    record: MakeRecord,
    probe: Any,
) -> None:
    async with simulator(
        timeout_s=0.2, error_rate=1.0, error_kinds=("timeout",), timeout_seconds=0.6
    ) as (base_url, graph):
        handler = make_handler(graph, resend_unconfirmed=True)
        for _ in range(2):
            with pytest.raises(IndefiniteError):
                await handler.handle(record(command("out-1")))
        assert len(await probe.calls(base_url)) == 2  # at least once: the price is a duplicate


class _FlakyLedger(OutboundLedger):
    """The real ledger, whose database refuses the first writes of an acceptance."""

    def __init__(self, pool: asyncpg.Pool, failures: int) -> None:
        super().__init__(pool)
        self.failures = failures

    async def finish(self, outbound_id: str, *args: Any, **kwargs: Any) -> None:
        if args[2:3] == ("accepted",) and self.failures:
            self.failures -= 1
            raise ConnectionRefusedError("connection to the database refused")
        await super().finish(outbound_id, *args, **kwargs)


async def test_an_accepted_send_whose_ledger_write_fails_is_recorded_later_never_resent(
    simulator: Simulated,
    make_handler: Callable[..., SenderHandler],
    command: MakeCommand,
    record: MakeRecord,
    sender_pool: asyncpg.Pool,
    probe: Any,
) -> None:
    ledger = _FlakyLedger(sender_pool, failures=3)
    async with simulator() as (base_url, graph):
        await make_handler(graph, ledger=ledger).handle(record(command("out-1")))
        [call] = await probe.calls(base_url)
    assert ledger.failures == 0
    row = await probe.row()
    assert row is not None and (row["status"], row["wamid"]) == ("accepted", call["wamid"])
    [accepted] = await probe.deliveries()
    assert accepted.type == c.DELIVERY_ACCEPTED


class _LostAttempt(OutboundLedger):
    """The real ledger whose first `attempt` is written but its answer lost (the database
    went away right after the commit)."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        super().__init__(pool)
        self.lost = 1

    async def attempt(self, outbound_id: str, organization_id: str, phone_number_id: str) -> int:
        attempts = await super().attempt(outbound_id, organization_id, phone_number_id)
        if self.lost:
            self.lost -= 1
            raise ConnectionResetError(104, "Connection reset by peer")
        return attempts


async def test_a_sending_row_this_process_never_sent_is_sent_without_waiting_or_doubt(
    simulator: Simulated,
    make_handler: Callable[..., SenderHandler],
    command: MakeCommand,
    record: MakeRecord,
    sender_pool: asyncpg.Pool,
    probe: Any,
) -> None:
    """The ledger says `sending`, but this process knows the call was never made: it is a
    plain send, not an unknown outcome to mark indefinite."""
    async with simulator() as (base_url, graph):
        handler = make_handler(graph, ledger=_LostAttempt(sender_pool), confirm_wait_s=30)
        with pytest.raises(ConnectionResetError):
            await handler.handle(record(command("out-1")))
        assert (await probe.row() or {})["status"] == "sending"
        async with asyncio.timeout(5):  # no 30 s confirmation wait
            await handler.handle(record(command("out-1")))
        assert len(await probe.calls(base_url)) == 1
    row = await probe.row()
    assert row is not None and row["status"] == "accepted"
