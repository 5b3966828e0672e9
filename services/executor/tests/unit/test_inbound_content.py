"""What a contact's message carries besides text reaches its `inbound_received` event (for the
history), within a size bound."""

from __future__ import annotations

from typing import Any

from pytake_shared import contracts as c
from pytake_shared.contracts.conversation_events import InboundReceived
from pytake_shared.engine.commands import HandleInbound
from pytake_shared.engine.records import to_command
from pytake_shared.envelope import Envelope

from .documents import two_questions


def _command(message: dict[str, Any]) -> HandleInbound:
    env = Envelope.new(
        c.CMD_HANDLE_INBOUND,
        source="pytake-router",
        subject="100001:5511988887777",
        data=c.HandleInbound(
            organization_id="org-1",
            chatbot_id="bot-1",
            phone_number_id="100001",
            contact=c.Contact(id="5511988887777", wa_id="5511988887777"),
            message=message,
            received_at=1_700_000_000,
        ).model_dump(mode="json"),
    )
    command = to_command(env)
    assert isinstance(command, HandleInbound)
    return command


def test_media_and_locations_keep_their_parts_and_text_keeps_none() -> None:
    photo = {"kind": "image", "id": "m-1", "mime_type": "image/jpeg", "caption": "receipt"}
    image = _command({"id": "w1", "type": "image", "text": None, "media": photo})
    assert image.content == {"media": photo}
    reply = _command({"id": "w2", "type": "text", "text": "hi", "context": {"id": "w0"}})
    assert reply.content == {"context": {"id": "w0"}}
    assert _command({"id": "w3", "type": "text", "text": "hi"}).content is None


def test_content_past_16_kib_is_left_out() -> None:
    card = [{"name": {"formatted_name": "x" * 20_000}}]
    assert _command({"id": "w4", "type": "contacts", "contacts": card}).content is None


def test_the_event_carries_it(chat: Any) -> None:
    c_ = chat(two_questions())
    c_.say()
    place = {"latitude": 1.5, "longitude": 2.5, "name": "Home"}
    events = c_(
        HandleInbound(
            command_id="cmd-loc",
            organization_id="org-1",
            chatbot_id="bot-1",
            phone_number_id="100001",
            contact={"id": "5511988887777"},
            message_id="wamid.loc",
            message_type="location",
            text=None,
            reply_id=None,
            at=c_.now,
            content={"location": place},
        )
    )
    [received] = events.of(InboundReceived)
    assert (received.message_type, received.content) == ("location", {"location": place})
