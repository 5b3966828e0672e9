"""Batches, id determinism and identity without phone numbers."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import orjson

from pytake_ingress.domain import (
    FIELD_RECEIVED,
    MESSAGE_RECEIVED,
    STATUS_RECEIVED,
    event_counts,
    normalize,
)
from pytake_shared.envelope import deterministic_id

from .normalize_payloads import AT, BATCH, PN, PN2, WABA, body, change, entry, meta, receipt, text


def test_a_batch_yields_every_item_of_every_change_of_every_entry_in_order() -> None:
    envelopes = normalize(BATCH, received_at=AT)

    assert [(e.type, e.correlation_id, e.subject) for e in envelopes] == [
        (MESSAGE_RECEIVED, "wamid.m1", f"{PN}:111"),
        (MESSAGE_RECEIVED, "wamid.m2", f"{PN}:222"),
        (MESSAGE_RECEIVED, "wamid.m3", f"{PN}:111"),
        (STATUS_RECEIVED, "wamid.o1", f"{PN}:333"),
        (STATUS_RECEIVED, "wamid.o2", f"{PN2}:444"),
        (STATUS_RECEIVED, "wamid.o2", f"{PN2}:444"),
        (FIELD_RECEIVED, None, "unknown"),
    ]
    assert [e.data["contact"]["name"] for e in envelopes[:3]] == ["A", "B", "A"]
    assert [e.data.get("waba_id") for e in envelopes] == [WABA] * 4 + ["999"] * 3
    assert event_counts(envelopes) == {MESSAGE_RECEIVED: 3, STATUS_RECEIVED: 3, FIELD_RECEIVED: 1}
    assert len({e.id for e in envelopes}) == len(envelopes)


def test_normalizing_the_same_payload_twice_gives_the_same_ids() -> None:
    first = normalize(BATCH, received_at=AT)
    retried = normalize(orjson.loads(orjson.dumps(BATCH)), received_at=AT + timedelta(days=2))

    assert [e.id for e in first] == [e.id for e in retried]
    assert [e.subject for e in first] == [e.subject for e in retried]
    assert all(e.time == AT + timedelta(days=2) for e in retried)


def test_each_status_of_one_wamid_gets_its_own_id() -> None:
    def error(code: int) -> dict[str, Any]:
        return {"code": code, "title": "t", "message": "m", "error_data": {"details": "d"}}

    statuses = [
        receipt("wamid.x", "sent"),
        receipt("wamid.x", "delivered"),
        receipt("wamid.x", "read"),
        receipt("wamid.x", "played"),
        receipt("wamid.x", "failed"),
        receipt("wamid.x", "failed", errors=[error(131047)]),
        receipt("wamid.x", "failed", errors=[error(131026)]),
    ]
    envelopes = normalize(
        body(entry(change({"metadata": meta(), "statuses": statuses}))), received_at=AT
    )

    assert len({e.id for e in envelopes}) == 7
    assert envelopes[0].id == deterministic_id("wa.status", "wamid.x", "sent")
    assert envelopes[5].id == deterministic_id("wa.status", "wamid.x", "failed", "131047")
    assert {e.correlation_id for e in envelopes} == {"wamid.x"}


def test_group_statuses_for_each_participant_get_their_own_ids() -> None:
    statuses = [
        receipt("wamid.g", "read", "GROUP1", recipient_type="group", recipient_participant_id=p)
        for p in ("111", "222")
    ]
    envelopes = normalize(
        body(entry(change({"metadata": meta(), "statuses": statuses}))), received_at=AT
    )

    assert envelopes[0].id != envelopes[1].id
    assert {e.subject for e in envelopes} == {f"{PN}:GROUP1"}


def test_a_contact_known_only_by_business_scoped_user_id_is_keyed_by_it() -> None:
    bsuid = "US.13491208655302741918"
    item = {
        "from_user_id": bsuid,
        "id": "wamid.u1",
        "timestamp": "1750000000",
        "type": "text",
        "text": {"body": "hello"},
    }
    contact = {
        "profile": {"name": "Sheena", "username": "@sheena"},
        "user_id": bsuid,
        "parent_user_id": "US.ENT.11815799212886844830",
    }
    value = {"metadata": meta(), "contacts": [contact], "messages": [item]}
    (envelope,) = normalize(body(entry(change(value))), received_at=AT)

    assert envelope.subject == f"{PN}:{bsuid}"
    assert envelope.data["contact"] == {
        "wa_id": None,
        "user_id": bsuid,
        "parent_user_id": "US.ENT.11815799212886844830",
        "name": "Sheena",
        "username": "@sheena",
    }
    assert envelope.data["raw_contact"] == contact
    assert envelope.data["message"]["from"] is None
    assert envelope.data["message"]["from_user_id"] == bsuid


def test_a_bsuid_without_from_user_id_is_taken_from_the_only_contact() -> None:
    item = {"id": "wamid.u2", "timestamp": "1750000000", "type": "text", "text": {"body": "x"}}
    value = {"metadata": meta(), "contacts": [{"user_id": "US.1"}], "messages": [item]}
    (envelope,) = normalize(body(entry(change(value))), received_at=AT)

    assert envelope.subject == f"{PN}:US.1"


def test_a_status_for_a_user_without_phone_number_is_keyed_by_recipient_user_id() -> None:
    item = {"id": "wamid.s", "status": "sent", "timestamp": "1", "recipient_user_id": "US.7"}
    (envelope,) = normalize(
        body(entry(change({"metadata": meta(), "statuses": [item]}))), received_at=AT
    )

    assert envelope.subject == f"{PN}:US.7"
    assert envelope.data["status"]["recipient_id"] is None
    assert envelope.data["status"]["recipient_user_id"] == "US.7"


def test_the_contact_is_matched_on_wa_id_then_user_id_and_never_guessed_among_several() -> None:
    contacts = [
        {"profile": {"name": "A"}, "wa_id": "111", "user_id": "US.A"},
        {"profile": {"name": "B"}, "wa_id": "222", "user_id": "US.B"},
    ]
    by_bsuid = {"from_user_id": "US.B", "id": "wamid.b", "type": "text", "text": {"body": "x"}}
    stranger = text("wamid.c", "333")
    value = {"metadata": meta(), "contacts": contacts, "messages": [by_bsuid, stranger]}
    matched, unmatched = normalize(body(entry(change(value))), received_at=AT)

    assert matched.data["contact"]["name"] == "B"
    assert matched.subject == f"{PN}:222"
    assert unmatched.data["raw_contact"] is None
    assert unmatched.data["contact"]["wa_id"] == "333"
    assert unmatched.subject == f"{PN}:333"
