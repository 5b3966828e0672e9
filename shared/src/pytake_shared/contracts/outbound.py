"""The records of `wa.outbound.v1`: what the executor tells the sender to send, or not to.

Keyed by conversation, so a contact's messages are sent in the order the flow queued them.
`pytake.outbound.send` carries a `SendMessage` (exactly once per `outbound_id`; analytics'
broadcasts write them too, one per recipient, with no conversation);
`pytake.outbound.cancel` a `CancelSends` (the conversation closed: its bot messages not sent
yet never are). The sender reads them through `decode`.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from pytake_shared.contracts.commands import Contact

SEND = "pytake.outbound.send"
CANCEL = "pytake.outbound.cancel"


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")


class OutboundMessage(_Model):
    """What to send, in Meta-agnostic terms; the sender builds the Graph API body."""

    kind: Literal["text", "media", "buttons", "list", "template", "reaction", "mark_read"]
    text: str | None = None
    preview_url: bool = False
    media_type: str | None = None
    media_id: str | None = None
    media_url: str | None = None
    # A file of the organization's media store (our media id): the sender uploads it to the
    # number once and sends Meta's media id, reused until it expires.
    media_file: str | None = None
    caption: str | None = None
    filename: str | None = None
    header: str | None = None
    footer: str | None = None
    buttons: list[dict[str, str]] = Field(default_factory=list)
    button_text: str | None = None
    sections: list[dict[str, Any]] = Field(default_factory=list)
    template_name: str | None = None
    language_code: str | None = None
    components: list[dict[str, Any]] = Field(default_factory=list)
    reply_to: str | None = None
    emoji: str | None = None
    message_id: str | None = None
    typing_indicator: bool = False


class SendMessage(_Model):
    """Executor → sender: one message to send exactly once (`outbound_id`)."""

    outbound_id: str
    organization_id: str
    phone_number_id: str
    contact: Contact
    message: OutboundMessage
    conversation_id: str | None = None
    author: Literal["bot", "agent"] = "bot"
    broadcast_id: str | None = None  # analytics' broadcasts: a template to a list, no conversation


class CancelSends(_Model):
    """Executor → sender: the conversation closed; its bot messages not sent yet never are."""

    organization_id: str
    conversation_id: str
    reason: str = "closed"


def decode(envelope_type: str, data: dict[str, Any]) -> SendMessage | CancelSends:
    """The instruction a record carries; `ValueError` for an unknown type,
    `pydantic.ValidationError` for a bad payload."""
    if envelope_type == SEND:
        return SendMessage.model_validate(data)
    if envelope_type == CANCEL:
        return CancelSends.model_validate(data)
    raise ValueError(f"not a wa.outbound.v1 type: {envelope_type}")
