"""The sender's memory of closed conversations (it drops bot messages still queued for one)
stays bounded by age and by count, oldest first, for each organization on its own: one
tenant's closes never push out another's."""

from __future__ import annotations

import asyncio
from typing import Any, cast

from pytake_sender.closed import SWEEP_EVERY, ClosedConversations
from pytake_sender.handlers import SenderHandler
from pytake_shared import contracts as c
from pytake_shared.envelope import Envelope
from pytake_shared.kafka import Record


def _record(kind: str, org: str, conversation: str) -> Record:
    data = {"organization_id": org, "conversation_id": conversation}
    env = Envelope.new(kind, source="test", subject="s", data=data)
    return Record("wa.outbound.v1", 0, 0, "s", env, 0)


def _close(handler: SenderHandler, org: str, conversation: str) -> None:
    async def park(record: Record, reason: str) -> None:
        raise AssertionError(reason)

    record = _record(c.OUT_CANCEL, org, conversation)
    assert asyncio.run(handler.submit(record, park)).result() is True


def _handler(now: list[float]) -> SenderHandler:
    return SenderHandler(*cast(Any, [None] * 5), clock=lambda: now[0])


def test_closed_conversations_are_forgotten_oldest_first_by_age_and_by_count() -> None:
    now = [0.0]
    handler = _handler(now)
    handler._closed.kept = 3
    for i, conversation in enumerate(["a", "b", "c", "d"]):
        now[0] = float(i)
        _close(handler, "org-1", conversation)
    assert not handler._cancelled(_record(c.OUT_SEND, "org-1", "a"))  # pushed out by the 4th
    assert all(handler._cancelled(_record(c.OUT_SEND, "org-1", x)) for x in "bcd")
    now[0] = 1.5 + handler._closed.kept_s
    _close(handler, "org-1", "e")  # b (closed at 1.0) is over an hour old now; c and d are not
    assert handler._closed.of("org-1") == ["c", "d", "e"]
    _close(handler, "org-1", "c")  # closed again: it is the newest now
    assert handler._closed.of("org-1") == ["d", "e", "c"]


def test_one_organizations_closes_never_push_out_anothers() -> None:
    now = [0.0]
    handler = _handler(now)
    handler._closed.kept = 100
    _close(handler, "victim", "v-1")
    for i in range(5_000):  # a hostile tenant closing conversations by the thousand
        _close(handler, "hostile", f"h-{i}")
    assert handler._cancelled(_record(c.OUT_SEND, "victim", "v-1"))
    assert len(handler._closed.of("hostile")) == 100
    # A conversation id is only closed for the organization it belongs to.
    assert not handler._cancelled(_record(c.OUT_SEND, "hostile", "v-1"))
    assert not handler._cancelled(_record(c.OUT_SEND, "victim", "h-4999"))


def test_an_organization_gone_quiet_is_swept_by_the_others_closes() -> None:
    now = [0.0]
    closed = ClosedConversations(lambda: now[0], kept_s=60)
    for i in range(10):
        closed.add("quiet", f"q-{i}")
    now[0] = 61.0
    for i in range(SWEEP_EVERY):
        closed.add("busy", f"b-{i}")
    assert closed.of("quiet") == [] and not closed.holds("quiet", "q-0")
    assert "quiet" not in closed._by_org  # its map went too, not only its entries
    assert len(closed) == SWEEP_EVERY
