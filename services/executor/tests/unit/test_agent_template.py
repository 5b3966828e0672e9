"""An agent's template: queued as a template send authored by the agent, inside or outside the
24-hour window, and read from the management API's command envelope."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest

from pytake_shared import contracts as c
from pytake_shared.contracts.conversation_events import (
    CommandIgnored,
    MessageQueued,
    WindowClosedAction,
)
from pytake_shared.engine.commands import SendAgentMessage
from pytake_shared.engine.records import to_command
from pytake_shared.envelope import Envelope
from pytake_shared.errors import InvalidInput

from .documents import two_questions

DAY = 24 * 3600
TEMPLATE = {"name": "reopen_chat", "language_code": "pt_BR", "components": [{"type": "body"}]}


def _template(c_: Any, template: dict[str, Any], *, after: int = 1) -> Any:
    c_.tick(after)
    return c_(
        SendAgentMessage(
            command_id=str(uuid.uuid4()), text="", at=c_.now, agent_id="ag-1", template=template
        )
    )


def test_an_agent_template_outside_the_window_is_queued_as_the_agents_template(chat: Any) -> None:
    c_ = chat(two_questions(window_expiry_settings={"action": "transfer"}))
    c_.say()
    c_.tick(DAY + 60)
    events = _template(c_, TEMPLATE)
    [queued] = events.of(MessageQueued)
    assert queued.author == "agent"
    assert queued.message == {
        "kind": "template",
        "template_name": "reopen_chat",
        "language_code": "pt_BR",
        "components": [{"type": "body"}],
    }
    assert events.of(WindowClosedAction) == []  # nothing was refused: no window action
    assert c_.state.status != "handoff"
    c.OutboundMessage.model_validate(queued.message)  # the sender can build it


def test_an_agent_template_inside_the_window_is_queued_too(chat: Any) -> None:
    c_ = chat(two_questions())
    c_.say()
    events = _template(c_, {"name": "promo"})
    assert [m["template_name"] for m in events.messages] == ["promo"]
    assert events.messages[0]["language_code"] == "en_US"


def test_an_agent_template_without_a_name_or_conversation_is_ignored(chat: Any) -> None:
    c_ = chat(two_questions())
    assert _template(c_, TEMPLATE).of(CommandIgnored)[0].reason == "no_conversation"
    c_.say()
    assert _template(c_, {"name": ""}).of(CommandIgnored)[0].reason == "empty"


def _envelope(data: dict[str, Any]) -> Envelope:
    return Envelope.new(
        c.CMD_SEND_AGENT_MESSAGE,
        source="test",
        subject="1:2",
        data=data,
        time=datetime(2024, 1, 1, tzinfo=UTC),
    )


def test_the_command_envelope_carries_text_or_template() -> None:
    text = to_command(_envelope({"organization_id": "o", "text": "hello", "agent_id": "a"}))
    assert isinstance(text, SendAgentMessage)
    assert (text.text, text.template, text.agent_id) == ("hello", None, "a")
    tpl = to_command(_envelope({"organization_id": "o", "template": TEMPLATE}))
    assert isinstance(tpl, SendAgentMessage)
    assert tpl.template == TEMPLATE
    assert tpl.at == int(datetime(2024, 1, 1, tzinfo=UTC).timestamp())


def test_a_malformed_template_is_invalid_input() -> None:
    with pytest.raises(InvalidInput):
        to_command(_envelope({"template": {"name": ""}}))
