"""The contracts of `wa.outbound.v1` and `wa.delivery.v1`: what the executor's handler publishes
for a real conversation decodes in the sender, which builds a Graph API request from every send;
what the sender writes about each send, in every state, decodes in analytics as an update of
that send's row.

The sends come from the engine running the example flows through the handler's own output
path (`scenarios.py`); the delivery records from the sender's own `delivery_record`."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from pytake_analytics.domain.deliveries import from_delivery
from pytake_sender.deliveries import delivery_record
from pytake_sender.domain.requests import build_body
from pytake_shared.contracts import delivery, outbound
from pytake_shared.envelope import Envelope

from .scenarios import ORG, SCENARIOS, WA_ID

NOW = datetime(2026, 12, 1, tzinfo=UTC)


def _wire(env: Envelope) -> Envelope:
    return Envelope.from_bytes(env.to_bytes())


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_every_send_the_executor_publishes_decodes_and_builds_a_graph_request(
    scenario: str,
) -> None:
    run = SCENARIOS[scenario]()
    sends = [_wire(env) for env in run.outbound if env.type == outbound.SEND]
    queued = [e.outbound_id for e, _ in run.records if type(e).__name__ == "MessageQueued"]
    assert len(sends) == len(queued) >= 3
    for env in sends:
        cmd = outbound.decode(env.type, env.data)
        assert isinstance(cmd, outbound.SendMessage)
        assert cmd.organization_id == ORG and cmd.contact.wa_id == WA_ID
        body = build_body(cmd)
        assert body["messaging_product"] == "whatsapp" and body["to"].lstrip("+") == WA_ID
        assert body["biz_opaque_callback_data"] == cmd.outbound_id
    assert [outbound.decode(e.type, e.data).outbound_id for e in sends] == queued  # type: ignore[union-attr]


def test_a_conversation_closed_by_an_agent_cancels_its_unsent_bot_messages() -> None:
    run = SCENARIOS["pizza with a handoff"]()
    cancels = [_wire(env) for env in run.outbound if env.type == outbound.CANCEL]
    assert len(cancels) == 1
    cancel = outbound.decode(cancels[0].type, cancels[0].data)
    assert isinstance(cancel, outbound.CancelSends)
    assert cancel.reason == "closed_by_agent" and cancel.organization_id == ORG


STATES: list[tuple[type[delivery.Delivery], dict[str, Any], dict[str, Any]]] = [
    (delivery.Accepted, {"wamid": "wamid.X"}, {"accepted_at": NOW, "wamid": "wamid.X"}),
    (delivery.Retrying, {"code": 131048, "reason": "spam rate", "attempt": 2}, {"retries": 2}),
    (
        delivery.Failed,
        {"code": 131026, "reason": "undeliverable", "permanent": True},
        {"send_failed_at": NOW, "send_error_code": 131026, "send_error_reason": "undeliverable"},
    ),
    (delivery.Indefinite, {"reason": "no answer"}, {"indefinite_at": NOW}),
    (delivery.Cancelled, {"reason": "closed"}, {"cancelled_at": NOW}),
]


def test_every_state_has_a_case() -> None:
    assert {delivery.type_of(state(outbound_id="o")) for state, _, _ in STATES} == delivery.TYPES


@pytest.mark.parametrize(("state", "fields", "expected"), STATES, ids=lambda v: str(v)[:30])
def test_what_the_sender_writes_about_a_send_updates_its_row_in_analytics(
    state: type[delivery.Delivery], fields: dict[str, Any], expected: dict[str, Any]
) -> None:
    run = SCENARIOS["support"]()
    send = _wire(next(env for env in run.outbound if env.type == outbound.SEND))
    cmd = outbound.decode(send.type, send.data)
    assert isinstance(cmd, outbound.SendMessage)
    record = _wire(delivery_record(send, cmd, state, **fields))
    record = Envelope.from_bytes(record.to_bytes())
    assert delivery.decode(record.type, record.data) == state(
        outbound_id=cmd.outbound_id, phone_number_id=cmd.phone_number_id, **fields
    )
    update = from_delivery(record.type, record.data, NOW, ORG)
    assert update is not None and update.outbound_id == cmd.outbound_id
    for name, value in expected.items():
        assert getattr(update, name) == value, name
