"""The router's rate-limit notice: the excess message is recorded, the contact is told once,
and the flow stays where it was."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest

from pytake_shared import contracts as c
from pytake_shared.contracts.conversation_events import (
    CommandIgnored,
    InboundIgnored,
    MessageQueued,
)
from pytake_shared.engine.commands import NotifyRateLimit
from pytake_shared.engine.records import to_command
from pytake_shared.envelope import Envelope
from pytake_shared.errors import InvalidInput

from .documents import two_questions

SLOW_DOWN = "Please wait a minute."


def _notice(c_: Any, text: str = SLOW_DOWN) -> Any:
    c_.tick(1)
    return c_(
        NotifyRateLimit(command_id=str(uuid.uuid4()), text=text, at=c_.now, message_id="wamid.6")
    )


def test_the_contact_is_told_and_the_flow_does_not_move(chat: Any) -> None:
    c_ = chat(two_questions())
    c_.say()
    before = c_.state
    events = _notice(c_)
    [ignored] = events.of(InboundIgnored)
    assert (ignored.message_id, ignored.reason) == ("wamid.6", "rate_limited")
    [queued] = events.of(MessageQueued)
    assert (queued.author, queued.node_id, queued.message) == (
        "bot",
        None,
        {"kind": "text", "text": SLOW_DOWN},
    )
    after = c_.state
    assert (after.current_node_id, after.waiting_on, after.status, after.variables) == (
        before.current_node_id,
        before.waiting_on,
        before.status,
        before.variables,
    )
    assert after.messages_queued == before.messages_queued + 1  # a fresh outbound id


def test_without_an_open_conversation_nothing_is_sent_and_without_text_the_flow_words_it(
    chat: Any,
) -> None:
    c_ = chat(two_questions())
    events = _notice(c_)
    assert events.of(MessageQueued) == []
    assert events.of(CommandIgnored)[0].reason == "not_open"
    assert events.of(InboundIgnored)[0].reason == "rate_limited"  # still recorded
    c_.say()
    [queued] = _notice(c_, "  ").of(MessageQueued)
    assert queued.message["text"].startswith("You are sending messages faster")


def _envelope(data: dict[str, Any]) -> Envelope:
    return Envelope.new(
        c.CMD_NOTIFY_RATE_LIMIT,
        source="test",
        subject="1:2",
        data=data,
        time=datetime(2024, 1, 1, tzinfo=UTC),
    )


def test_the_router_command_becomes_the_engine_command() -> None:
    notice = c.NotifyRateLimit(
        organization_id="o",
        chatbot_id="b",
        phone_number_id="1",
        contact=c.Contact(id="2", wa_id="2"),
        message_id="wamid.6",
        text=SLOW_DOWN,
        limit_per_minute=5,
        received_at=1_700_000_005,
    )
    command = to_command(_envelope(notice.model_dump(mode="json")))
    assert command == NotifyRateLimit(
        command_id=str(command.command_id), text=SLOW_DOWN, at=1_700_000_005, message_id="wamid.6"
    )
    without_time = to_command(_envelope({**notice.model_dump(mode="json"), "received_at": 0}))
    assert without_time.at == int(datetime(2024, 1, 1, tzinfo=UTC).timestamp())
    with pytest.raises(InvalidInput):
        to_command(_envelope({"text": SLOW_DOWN}))
