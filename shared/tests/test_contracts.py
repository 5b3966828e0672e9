"""The payloads crossing service boundaries: both sides validate the same shape."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from pytake_shared import contracts as c


def test_a_send_command_round_trips_through_json() -> None:
    cmd = c.SendMessage(
        outbound_id="o-1",
        organization_id="org",
        phone_number_id="123",
        contact=c.Contact(id="55", wa_id="55", name="Ada"),
        message=c.OutboundMessage(kind="buttons", text="Pick", buttons=[{"id": "a", "title": "A"}]),
    )
    assert c.SendMessage.model_validate(cmd.model_dump(mode="json")) == cmd


def test_an_unknown_outbound_kind_is_refused() -> None:
    with pytest.raises(ValidationError):
        c.OutboundMessage(kind="carousel")  # type: ignore[arg-type]


def test_fields_added_by_a_newer_producer_are_ignored() -> None:
    inbound = c.HandleInbound.model_validate(
        {
            "organization_id": "org",
            "chatbot_id": "bot",
            "phone_number_id": "123",
            "contact": {"id": "55", "future": 1},
            "message": {"id": "wamid.1"},
            "added_later": True,
        }
    )
    assert inbound.received_at == 0
    assert inbound.contact == c.Contact(id="55")


def test_a_command_missing_a_required_field_is_refused() -> None:
    with pytest.raises(ValidationError):
        c.HandleInbound.model_validate(
            {
                "organization_id": "org",
                "phone_number_id": "1",
                "contact": {"id": "5"},
                "message": {},
            }
        )


def test_type_names_follow_the_aggregate_event_pattern() -> None:
    names = [v for k, v in vars(c).items() if k.isupper() and isinstance(v, str)]
    assert names
    assert all(n.startswith("pytake.") and n.count(".") == 2 for n in names)
    assert len(set(names)) == len(names)
