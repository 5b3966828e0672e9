"""Bodies only partly right, unknown types and fields, values orjson cannot write."""

from __future__ import annotations

import importlib

import orjson
import pytest

from pytake_ingress.domain import (
    ERROR_RECEIVED,
    EVENT_TYPES,
    FIELD_RECEIVED,
    MESSAGE_RECEIVED,
    PAYLOAD_UNRECOGNIZED,
    STATUS_RECEIVED,
    normalize,
)
from pytake_shared.envelope import deterministic_id

from .normalize_payloads import AT, PN, WABA, body, canonical, change, entry, meta, receipt, text


def test_value_level_errors_are_published_as_error_received() -> None:
    error = {
        "code": 131000,
        "title": "Something went wrong",
        "message": "Something went wrong",
        "error_data": {"details": "Unsupported webhook payload"},
        "href": "https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/",
    }
    (envelope,) = normalize(
        body(entry(change({"metadata": meta(), "errors": [error]}))), received_at=AT
    )

    assert envelope.type == ERROR_RECEIVED
    assert envelope.subject == PN
    assert envelope.id == deterministic_id("wa.error", PN, canonical(error))
    assert envelope.data == {
        "phone_number_id": PN,
        "waba_id": WABA,
        "error": {
            "code": 131000,
            "title": "Something went wrong",
            "message": "Something went wrong",
            "details": "Unsupported webhook payload",
        },
        "raw": error,
    }


def test_a_message_meta_could_not_render_keeps_its_type_and_errors() -> None:
    item = {
        "from": "16505551234",
        "id": "wamid.r",
        "timestamp": "1750000000",
        "type": "interactive",
        "errors": [{"code": 131000, "title": "Unsupported webhook payload"}],
    }
    (envelope,) = normalize(
        body(entry(change({"metadata": meta(), "messages": [item]}))), received_at=AT
    )

    message = envelope.data["message"]
    assert message["type"] == "interactive"
    assert message["interactive"]["id"] is None
    assert message["errors"] == [
        {"code": 131000, "title": "Unsupported webhook payload", "message": None, "details": None}
    ]


def test_an_unknown_message_type_is_published_with_its_type_as_given() -> None:
    item = {
        "from": "16505551234",
        "id": "wamid.n",
        "timestamp": "1750000000",
        "type": "hologram",
        "hologram": {"id": "h1"},
    }
    (envelope,) = normalize(
        body(entry(change({"metadata": meta(), "messages": [item]}))), received_at=AT
    )

    assert envelope.type == MESSAGE_RECEIVED
    assert envelope.data["message"] == {
        "id": "wamid.n",
        "type": "hologram",
        "timestamp": 1750000000,
        "from": "16505551234",
        "from_user_id": None,
        "text": None,
    }
    assert envelope.data["raw"] == item


def test_a_message_without_an_id_gets_an_id_from_its_content() -> None:
    item = {"from": "16505551234", "type": "text", "text": {"body": "x"}}
    other = {**item, "text": {"body": "y"}}
    value = {"metadata": meta(), "messages": [item, other]}
    first, second = normalize(body(entry(change(value))), received_at=AT)

    assert first.id == deterministic_id("wa.message", "raw", canonical(item))
    assert first.id != second.id
    assert first.correlation_id is None
    assert first.subject == f"{PN}:16505551234"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1697043223", 1697043223),
        (1697043223, 1697043223),
        (1697043223.0, 1697043223),
        (1697043223.5, None),
        ("soon", None),
        (True, None),
    ],
)
def test_timestamps_are_read_from_strings_and_ints(raw: object, expected: int | None) -> None:
    item = {**text("wamid.t"), "timestamp": raw}
    (envelope,) = normalize(
        body(entry(change({"metadata": meta(), "messages": [item]}))), received_at=AT
    )

    assert envelope.data["message"]["timestamp"] == expected


def test_a_flow_reply_has_its_response_json_parsed() -> None:
    reply = {"name": "flow", "body": "Sent", "response_json": '{"flow_token": "T", "choice": 2}'}
    broken = {**reply, "response_json": "{not json"}
    items = [
        {
            **text("wamid.f1"),
            "type": "interactive",
            "interactive": {"type": "nfm_reply", "nfm_reply": r},
        }
        for r in (reply, broken)
    ]
    items[1]["id"] = "wamid.f2"
    parsed, kept = normalize(
        body(entry(change({"metadata": meta(), "messages": items}))), received_at=AT
    )

    assert parsed.data["message"]["interactive"] == {
        "type": "nfm_reply",
        "name": "flow",
        "body": "Sent",
        "response_json": {"flow_token": "T", "choice": 2},
    }
    assert parsed.data["message"]["text"] == "Sent"
    assert kept.data["message"]["interactive"]["response_json"] == "{not json"


def test_a_product_enquiry_keeps_the_referred_product() -> None:
    product = {"catalog_id": "C1", "product_retailer_id": "P1"}
    context = {"from": "15550783881", "id": "wamid.q", "referred_product": product}
    item = {**text("wamid.p"), "context": context}
    (envelope,) = normalize(
        body(entry(change({"metadata": meta(), "messages": [item]}))), received_at=AT
    )

    assert envelope.data["message"]["context"] == {
        "from": "15550783881",
        "id": "wamid.q",
        "forwarded": False,
        "frequently_forwarded": False,
        "referred_product": product,
    }


def test_an_order_keeps_its_items_and_text() -> None:
    order = {"catalog_id": "C1", "text": "two please", "product_items": [{"quantity": 2}]}
    item = {**text("wamid.o"), "type": "order", "order": order}
    (envelope,) = normalize(
        body(entry(change({"metadata": meta(), "messages": [item]}))), received_at=AT
    )

    assert envelope.data["message"]["order"] == order
    assert envelope.data["message"]["text"] == "two please"


def test_a_template_approved_again_later_is_not_a_duplicate_of_the_first_approval() -> None:
    value = {"event": "APPROVED", "message_template_id": 1}
    template = change(value, field="message_template_status_update")
    first = normalize(body(entry(template, time=100)), received_at=AT)
    retry = normalize(body(entry(template, time=100)), received_at=AT)
    later = normalize(body(entry(template, time=900)), received_at=AT)

    assert first[0].id == retry[0].id != later[0].id


def test_any_other_field_is_published_with_its_value() -> None:
    update = {"phone_number": "15550783881", "event": "VERIFIED_ACCOUNT"}
    preferences = {"metadata": meta(), "user_preferences": [{"wa_id": "1", "value": "stop"}]}
    envelopes = normalize(
        body(
            entry(
                change(update, field="account_update"),
                change(preferences, field="user_preferences"),
                {"field": "security", "value": "odd"},
                time=5,
            )
        ),
        received_at=AT,
    )

    assert [e.type for e in envelopes] == [FIELD_RECEIVED] * 3
    assert envelopes[0].data == {
        "field": "account_update",
        "waba_id": WABA,
        "time": 5,
        "value": {"messaging_product": "whatsapp", **update},
    }
    assert envelopes[1].subject == PN
    assert envelopes[2].data["value"] == "odd"
    assert envelopes[2].subject == "unknown"


def test_items_without_a_number_or_a_contact_fall_back_to_a_partial_subject() -> None:
    no_number = change({"messages": [text("wamid.a")]})
    no_contact = change({"metadata": meta(), "messages": [{"id": "wamid.b", "type": "text"}]})
    envelopes = normalize(body(entry(no_number, no_contact)), received_at=AT)

    assert [e.subject for e in envelopes] == ["unknown", PN]


@pytest.mark.parametrize("item", ["garbage", 7, None, [1, 2], {}])
def test_a_malformed_item_is_still_published_with_its_raw_form(item: object) -> None:
    value = {"metadata": meta(), "messages": [item], "statuses": [item]}
    message, status = normalize(body(entry(change(value))), received_at=AT)

    assert (message.type, status.type) == (MESSAGE_RECEIVED, STATUS_RECEIVED)
    assert message.data["raw"] == item == status.data["raw"]
    assert message.data["message"]["type"] is None
    assert message.subject == status.subject == PN


@pytest.mark.parametrize(
    "payload", [None, [], "x", 3, 2.5, True, {}, {"entry": "x"}, {"entry": []}]
)
def test_a_body_that_is_not_a_webhook_is_published_whole_as_unrecognized(payload: object) -> None:
    (envelope,) = normalize(payload, received_at=AT)

    assert envelope.type == PAYLOAD_UNRECOGNIZED
    assert envelope.subject == "unrouted"
    assert envelope.id == deterministic_id("wa.unrecognized", canonical(payload))
    assert envelope.data["raw"] == payload
    assert envelope.data["path"] == "$"
    assert envelope.data["reason"]


def test_unreadable_parts_are_published_next_to_the_readable_items() -> None:
    good = change({"metadata": meta(), "messages": [text("wamid.ok")]})
    payload = body(
        entry(
            good,
            {"value": {}},
            change({"metadata": meta(), "messages": []}),
            change(
                {
                    "metadata": meta(),
                    "messages": {"id": "wamid.d"},
                    "statuses": [receipt("wamid.s", "read")],
                }
            ),
        ),
        "not an entry",
        {"id": WABA, "changes": []},
    )
    envelopes = normalize(payload, received_at=AT)

    assert [(e.type, e.data.get("path")) for e in envelopes] == [
        (MESSAGE_RECEIVED, None),
        (PAYLOAD_UNRECOGNIZED, "$.entry[0].changes[1]"),
        (PAYLOAD_UNRECOGNIZED, "$.entry[0].changes[2]"),
        (PAYLOAD_UNRECOGNIZED, "$.entry[0].changes[3].value.messages"),
        (STATUS_RECEIVED, None),
        (PAYLOAD_UNRECOGNIZED, "$.entry[1]"),
        (PAYLOAD_UNRECOGNIZED, "$.entry[2]"),
    ]
    assert envelopes[3].data["raw"] == {"id": "wamid.d"}
    assert envelopes[5].data["raw"] == "not an entry"
    assert len({e.id for e in envelopes}) == len(envelopes)


def test_values_orjson_cannot_write_are_repaired_so_the_envelope_still_serializes() -> None:
    item = {**text("wamid.\ud800"), "huge": 2**80, "text": {"body": "a\udfffb"}}
    (envelope,) = normalize(
        body(entry(change({"metadata": meta(), "messages": [item]}))), received_at=AT
    )

    decoded = orjson.loads(envelope.to_bytes())
    assert decoded["data"]["raw"]["huge"] == str(2**80)
    assert decoded["data"]["message"]["text"] == "a\\udfffb"
    assert decoded["correlation_id"] == "wamid.\\ud800"


def test_nesting_deeper_than_orjson_allows_is_cut_rather_than_failing() -> None:
    deep: object = "bottom"
    for _ in range(400):
        deep = [deep]
    item = {**text("wamid.deep"), "extra": deep}
    (envelope,) = normalize(
        body(entry(change({"metadata": meta(), "messages": [item]}))), received_at=AT
    )

    assert orjson.loads(envelope.to_bytes())["data"]["message"]["text"] == "hi"


def test_a_bug_in_the_normalizer_still_publishes_the_whole_body(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken(item: object) -> None:
        raise KeyError("boom")

    # The package re-exports the function under the module's name, so reach the module itself.
    module = importlib.import_module("pytake_ingress.domain.normalize")
    monkeypatch.setattr(module, "read_message", broken)
    payload = body(entry(change({"metadata": meta(), "messages": [text("wamid.b")]})))
    (envelope,) = normalize(payload, received_at=AT)

    assert envelope.type == PAYLOAD_UNRECOGNIZED
    assert envelope.data["reason"].startswith("normalizer failed: KeyError")
    assert envelope.data["raw"] == payload


def test_the_event_type_names_are_the_published_contract() -> None:
    assert EVENT_TYPES == (
        "pytake.wa.message_received",
        "pytake.wa.status_received",
        "pytake.wa.error_received",
        "pytake.wa.field_received",
        "pytake.wa.payload_unrecognized",
    )


def test_deleted_and_edited_messages_point_at_the_original() -> None:
    revoke = {**text("wamid.r1"), "type": "revoke", "revoke": {"original_message_id": "wamid.o"}}
    edit = {
        **text("wamid.e1"),
        "type": "edit",
        "edit": {"original_message_id": "wamid.o", "message": {"type": "text"}},
    }
    deleted, edited = normalize(
        body(entry(change({"metadata": meta(), "messages": [revoke, edit]}))), received_at=AT
    )

    assert deleted.data["message"]["revoke"] == {"original_message_id": "wamid.o"}
    assert edited.data["message"]["edit"] == {"original_message_id": "wamid.o"}


@pytest.mark.parametrize(
    ("raw", "expected"),
    [(12.5, 12.5), (12, 12.0), ("12.5", 12.5), ("north", None), ("nan", None), (None, None)],
)
def test_location_coordinates_are_read_as_numbers(raw: object, expected: float | None) -> None:
    location = {"latitude": raw, "longitude": 1.0, "name": "Home", "address": "Street 1"}
    item = {**text("wamid.l"), "type": "location", "location": location}
    (envelope,) = normalize(
        body(entry(change({"metadata": meta(), "messages": [item]}))), received_at=AT
    )

    assert envelope.data["message"]["location"] == {
        "latitude": expected,
        "longitude": 1.0,
        "name": "Home",
        "address": "Street 1",
        "url": None,
    }
