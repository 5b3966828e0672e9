"""The sender's memory of closed conversations (it drops bot messages still queued for one)
stays bounded by age and by count, oldest first, however many conversations close."""

from __future__ import annotations

import asyncio
from typing import Any, cast

from pytake_sender.handlers import SenderHandler
from pytake_shared import contracts as c
from pytake_shared.envelope import Envelope
from pytake_shared.kafka import Record


def _close(handler: SenderHandler, conversation: str) -> None:
    async def park(record: Record, reason: str) -> None:
        raise AssertionError(reason)

    env = Envelope.new(
        c.OUT_CANCEL, source="test", subject="s", data={"conversation_id": conversation}
    )
    done = asyncio.run(handler.submit(Record("wa.outbound.v1", 0, 0, "s", env, 0), park))
    assert done.result() is True


def _message(conversation: str) -> Record:
    env = Envelope.new(
        c.OUT_SEND, source="test", subject="s", data={"conversation_id": conversation}
    )
    return Record("wa.outbound.v1", 0, 0, "s", env, 0)


def test_closed_conversations_are_forgotten_oldest_first_by_age_and_by_count() -> None:
    now = [0.0]
    handler = SenderHandler(*cast(Any, [None] * 5), clock=lambda: now[0])
    handler.CLOSED_KEPT = 3
    for i, conversation in enumerate(["a", "b", "c", "d"]):
        now[0] = float(i)
        _close(handler, conversation)
    assert not handler._cancelled(_message("a"))  # the fourth close pushed the oldest out
    assert all(handler._cancelled(_message(x)) for x in "bcd")
    now[0] = 1.5 + SenderHandler.CLOSED_KEPT_S
    _close(handler, "e")  # b (closed at 1.0) is over an hour old now; c and d are not
    assert list(handler._closed) == ["c", "d", "e"]
    _close(handler, "c")  # closed again: it is the newest now
    assert list(handler._closed) == ["d", "e", "c"]
