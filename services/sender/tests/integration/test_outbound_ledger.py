"""The outbound ledger on PostgreSQL: attempts, outcomes, lookups."""

from __future__ import annotations

import asyncpg
import pytest

from pytake_sender.adapters.ledger import OutboundLedger


@pytest.fixture
def ledger(sender_pool: asyncpg.Pool) -> OutboundLedger:
    return OutboundLedger(sender_pool)


async def test_an_unknown_outbound_id_is_not_in_the_ledger(ledger: OutboundLedger) -> None:
    assert await ledger.get("nope") is None


async def test_each_attempt_is_counted_and_the_first_marks_it_sending(
    ledger: OutboundLedger,
) -> None:
    assert await ledger.attempt("o-1", "org-1", "123") == 1
    assert await ledger.get("o-1") == {"status": "sending", "wamid": None, "attempts": 1}
    assert await ledger.attempt("o-1", "org-1", "123") == 2
    assert await ledger.attempt("o-2", "org-1", "123") == 1


async def test_finishing_records_the_outcome(
    ledger: OutboundLedger, sender_pool: asyncpg.Pool
) -> None:
    await ledger.attempt("o-1", "org-1", "123")
    await ledger.finish("o-1", "org", "123", "accepted", wamid="wamid.X")
    assert await ledger.get("o-1") == {"status": "accepted", "wamid": "wamid.X", "attempts": 1}

    await ledger.attempt("o-2", "org-1", "123")
    await ledger.finish("o-2", "org", "123", "failed", code=131026, error="undeliverable")
    row = await sender_pool.fetchrow(
        "SELECT status, last_error_code, last_error FROM sender.outbound_ledger "
        "WHERE outbound_id = 'o-2'"
    )
    assert tuple(row) == ("failed", 131026, "undeliverable")


async def test_a_later_outcome_without_a_wamid_keeps_the_known_one(
    ledger: OutboundLedger,
) -> None:
    await ledger.attempt("o-1", "org-1", "123")
    await ledger.finish("o-1", "org", "123", "accepted", wamid="wamid.X")
    await ledger.finish("o-1", "org", "123", "accepted")
    found = await ledger.get("o-1")
    assert found is not None and found["wamid"] == "wamid.X"
