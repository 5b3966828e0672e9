"""Every payload of the webhook corpus normalizes to exactly the events written down here."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from pytake_ingress.domain import (
    FIELD_RECEIVED,
    MESSAGE_RECEIVED,
    STATUS_RECEIVED,
    normalize,
)
from pytake_shared.envelope import Envelope, deterministic_id

FIXTURES = Path(__file__).resolve().parents[4] / "tests" / "fixtures" / "meta-webhooks"
RECEIVED_AT = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)


class _Absent:
    def __repr__(self) -> str:
        return "ABSENT"


# Expected value of a key that must not be there at all (as opposed to being None).
ABSENT: Any = _Absent()


def fixture_names() -> list[str]:
    return sorted(p.name for p in FIXTURES.glob("*.json"))


def load(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def pick(data: Any, path: str) -> Any:
    """`data["a"]["b"][0]` for the path "a.b.0"; `ABSENT` where a key or index is missing."""
    node = data
    for part in path.split("."):
        if isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        elif isinstance(node, dict) and part in node:
            node = node[part]
        else:
            return ABSENT
    return node


def first_value(payload: Any) -> Any:
    return payload["entry"][0]["changes"][0]["value"]


# The pywa fixtures share one business number, one WABA and one contact.
PN = "1122334455667"
WA = "972987654321"
KEY = f"{PN}:{WA}"
BSUID = "US.13491208655302741918"
PARENT_BSUID = "US.ENT.11815799212886844830"
WABA = "1234567890987654321"
WABA2 = "5467539754836534"
# The Meta documentation examples share another.
DOC_PN = "106540352242922"
DOC_WA = "16505551234"
DOC_KEY = f"{DOC_PN}:{DOC_WA}"
DOC_WABA = "102290129340398"

PYWA_CONTACT = {
    "contact.wa_id": WA,
    "contact.user_id": BSUID,
    "contact.parent_user_id": PARENT_BSUID,
    "contact.name": "Test Name",
    "contact.username": None,
    "phone_number_id": PN,
    "display_phone_number": "972123456789",
}
FORWARDED = {
    "message.context.forwarded": True,
    "message.context.frequently_forwarded": False,
    "message.context.id": None,
}
NO_EXTRAS = {"message.context": ABSENT, "message.referral": ABSENT, "message.errors": ABSENT}
MSG_131051 = {
    "message.errors.0.code": 131051,
    "message.errors.0.title": "Message type unknown",
    "message.errors.0.details": "Message type is currently not supported.",
}
PYWA_STATUS = {"phone_number_id": PN, "status.recipient_id": WA, "status.recipient_user_id": None}
CBP_SERVICE = {
    "status.pricing.billable": True,
    "status.pricing.pricing_model": "CBP",
    "status.pricing.category": "service",
    "status.conversation.id": "7270432eae37498234f4444b35ffc5",
    "status.conversation.origin_type": "service",
}


@dataclass(frozen=True)
class Expect:
    type: str
    id_parts: tuple[object, ...]
    subject: str
    correlation_id: str | None
    checks: dict[str, Any] = field(default_factory=dict)


def message(wamid: str, key: str = KEY, **checks: Any) -> Expect:
    return Expect(MESSAGE_RECEIVED, ("wa.message", wamid), key, wamid, _paths(checks))


def status(wamid: str, state: str, *extra: object, key: str = KEY, **checks: Any) -> Expect:
    return Expect(STATUS_RECEIVED, ("wa.status", wamid, state, *extra), key, wamid, _paths(checks))


def _paths(checks: dict[str, Any]) -> dict[str, Any]:
    """Keyword arguments spell paths with `__` (`message__text` is `message.text`)."""
    out: dict[str, Any] = {}
    for key, value in checks.items():
        if key == "merge":
            out.update(value)
        else:
            out[key.replace("__", ".")] = value
    return out


def m(*groups: dict[str, Any]) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for group in groups:
        merged.update(group)
    return merged


CASES: dict[str, list[Expect]] = {
    "text_message.json": [
        message(
            "wamid.xyzxyz",
            message__type="text",
            message__text="Body Text",
            message__timestamp=1697043223,
            message__from=WA,
            waba_id=WABA,
            message__media=ABSENT,
            merge=m(PYWA_CONTACT, NO_EXTRAS),
        )
    ],
    "meta_docs_text_message.json": [
        message(
            "wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0RgA=",
            DOC_KEY,
            message__type="text",
            message__text="Does it come in another color?",
            message__timestamp=1749416383,
            contact__wa_id=DOC_WA,
            contact__user_id=None,
            contact__name="Sheena Nelson",
            phone_number_id=DOC_PN,
            display_phone_number="15550783881",
            waba_id=DOC_WABA,
            merge=NO_EXTRAS,
        )
    ],
    "text_forwarded.json": [
        message(
            "wamid.xyzxyz",
            message__type="text",
            message__text="forwarded text",
            merge=m(PYWA_CONTACT, FORWARDED),
        )
    ],
    "text_reply_with_context.json": [
        message(
            "wamid.xyzxyz",
            message__text="replied text",
            message__context__from="972123456789",
            message__context__id="wamid.xyzxyz==",
            message__context__forwarded=False,
            message__context__referred_product=None,
            merge=PYWA_CONTACT,
        )
    ],
    "text_from_click_to_whatsapp_ad_referral.json": [
        message(
            "wamid.ID",
            message__type="text",
            message__text="BODY",
            message__referral__source_id="ADID",
            message__referral__source_url="AD_OR_POST_FB_URL",
            message__referral__headline="AD_TITLE",
            message__referral__body="AD_DESCRIPTION",
            message__referral__ctwa_clid="CTWA_CLID",
            message__referral__thumbnail_url="RAW_THUMBNAIL_URL",
            message__context=ABSENT,
            merge=PYWA_CONTACT,
        )
    ],
    "image_message.json": [
        message(
            "wamid.xyzxyz",
            message__type="image",
            message__text=None,
            message__media__kind="image",
            message__media__id="65463453",
            message__media__mime_type="image/jpeg",
            message__media__sha256="4654+8g=",
            message__media__caption=None,
            merge=m(PYWA_CONTACT, NO_EXTRAS),
        )
    ],
    "video_message_forwarded_caption.json": [
        message(
            "wamid.xyzxyz",
            message__type="video",
            message__media__kind="video",
            message__media__id="765756756",
            message__media__mime_type="video/mp4",
            message__media__caption="caption",
            merge=m(PYWA_CONTACT, FORWARDED),
        )
    ],
    "document_message.json": [
        message(
            "wamid.xyzxyz",
            message__type="document",
            message__media__kind="document",
            message__media__id="1234567890987654321",
            message__media__filename="filename.pdf",
            message__media__mime_type="application/pdf",
            message__media__caption="caption",
            merge=m(PYWA_CONTACT, FORWARDED),
        )
    ],
    "audio_message.json": [
        message(
            "wamid.xyzxyz",
            message__type="audio",
            message__timestamp=1697043509,
            message__media__kind="audio",
            message__media__id="1234567890987654321",
            message__media__mime_type="audio/ogg; codecs=opus",
            message__media__voice=False,
            merge=m(PYWA_CONTACT, FORWARDED),
        )
    ],
    "audio_voice_note.json": [
        message(
            "wamid.xyzxyz",
            message__type="audio",
            message__media__kind="audio",
            message__media__voice=True,
            message__media__animated=None,
            merge=m(PYWA_CONTACT, NO_EXTRAS),
        )
    ],
    "sticker_static.json": [
        message(
            "wamid.xyzxyz",
            message__type="sticker",
            message__media__kind="sticker",
            message__media__id="1234567890987654321",
            message__media__mime_type="image/webp",
            message__media__animated=False,
            merge=PYWA_CONTACT,
        )
    ],
    "sticker_animated.json": [
        message(
            "wamid.xyzxyz",
            message__type="sticker",
            message__media__kind="sticker",
            message__media__animated=True,
            merge=PYWA_CONTACT,
        )
    ],
    "location_current.json": [
        message(
            "wamid.xyzxyz",
            message__type="location",
            message__location__latitude=12.25089,
            message__location__longitude=43.90539,
            message__location__name=None,
            message__media=ABSENT,
            merge=m(PYWA_CONTACT, FORWARDED),
        )
    ],
    "contacts_message_three_cards.json": [
        message(
            "wamid.xyzxyz",
            message__type="contacts",
            message__contacts__0__name__formatted_name="Chandler Bing",
            message__contacts__1__phones__0__phone="+1 666-666-6666",
            message__contacts__2__name__last_name="Green",
            message__contacts__3=ABSENT,
            merge=PYWA_CONTACT,
        )
    ],
    "reaction.json": [
        message(
            "wamid.xyzxyz",
            message__type="reaction",
            message__reaction__message_id="wamid.yzxyzx=",
            message__reaction__emoji="\U0001f62e",
            message__reaction__removed=False,
            message__text=None,
            merge=PYWA_CONTACT,
        )
    ],
    "reaction_removed_empty_emoji.json": [
        message(
            "wamid.xyzxyz",
            message__type="reaction",
            message__reaction__message_id="wamid.yzxyzx=",
            message__reaction__emoji=None,
            message__reaction__removed=True,
            merge=PYWA_CONTACT,
        )
    ],
    "reaction_removed_no_emoji_field.json": [
        message(
            "wamid.xyzxyz",
            message__reaction__message_id="wamid.yzxyzx=",
            message__reaction__emoji=None,
            message__reaction__removed=True,
            merge=PYWA_CONTACT,
        )
    ],
    "interactive_button_reply.json": [
        message(
            "wamid.xyzxyz",
            message__type="interactive",
            message__text="title",
            message__interactive__type="button_reply",
            message__interactive__id="callback_data",
            message__interactive__title="title",
            message__context__from=PN,
            message__context__id="wamid.xyzxyz",
            waba_id=WABA2,
            merge=PYWA_CONTACT,
        )
    ],
    "meta_docs_interactive_button_reply.json": [
        message(
            "wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQTZBQzg0MzQ4QjRCM0NGNkVGOAA=",
            DOC_KEY,
            message__type="interactive",
            message__text="Cancel",
            message__interactive__type="button_reply",
            message__interactive__id="cancel-button",
            message__interactive__title="Cancel",
            message__context__id="wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBI3MEM2RUJFNkI0RENGQTVDRjUA",
            contact__name="Sheena Nelson",
        )
    ],
    "interactive_list_reply.json": [
        message(
            "wamid.zyzxyz",
            message__type="interactive",
            message__text="title",
            message__interactive__type="list_reply",
            message__interactive__id="callback_data",
            message__interactive__description=None,
            merge=PYWA_CONTACT,
        )
    ],
    "interactive_list_reply_with_description.json": [
        message(
            "wamid.zyzxyz",
            message__interactive__type="list_reply",
            message__interactive__id="callback_data",
            message__interactive__title="title",
            message__interactive__description="description",
            merge=PYWA_CONTACT,
        )
    ],
    "template_quick_reply_button.json": [
        message(
            "wamid.xsidjw",
            message__type="button",
            message__text="title",
            message__button__payload="callback_data",
            message__button__text="title",
            message__context__id="wamid.xyzxyz==",
            message__interactive=ABSENT,
            merge=PYWA_CONTACT,
        )
    ],
    "request_welcome_chat_opened.json": [
        message(
            "wamid.xyzxyz",
            message__type="request_welcome",
            message__text=None,
            contact__wa_id=WA,
            contact__user_id=None,
            contact__name="Test Name",
            merge=NO_EXTRAS,
        )
    ],
    "system_user_changed_number.json": [
        message(
            "wamid.xyzxyz==",
            message__type="system",
            message__system__type="user_changed_number",
            message__system__wa_id="972912345678",
            message__system__body="User A changed from 972987654321 to 972912345678",
            # System messages come without contacts[]: the sender's own `from` stands in.
            contact__wa_id=WA,
            contact__name=None,
            raw_contact=None,
        )
    ],
    "meta_docs_system_user_changed_number.json": [
        message(
            "wamid.HBgLMTk4MzU1NTE5NzQVAgASGAoxMTgyMDg2MjY3AA==",
            DOC_KEY,
            message__type="system",
            message__system__type="user_changed_number",
            message__system__wa_id="12195555358",
            raw_contact=None,
        )
    ],
    "unsupported_message.json": [
        message(
            "wamid.xyzxyz",
            message__type="unsupported",
            message__unsupported__type=None,
            merge=m(PYWA_CONTACT, MSG_131051),
        )
    ],
    "unsupported_message_with_type_poll.json": [
        message(
            "wamid.xyzxyz",
            message__type="unsupported",
            message__unsupported__type="pool",
            merge=m(PYWA_CONTACT, MSG_131051),
        )
    ],
    "meta_docs_unsupported_edit_131051.json": [
        message(
            "wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQUFERjg0NDEzNDdFODU3MUMxMAA=",
            DOC_KEY,
            message__type="unsupported",
            message__unsupported__type="edit",
            merge=MSG_131051,
        )
    ],
    "status_sent.json": [
        status(
            "wamid.xyzxyz",
            "sent",
            status__status="sent",
            status__timestamp=1698266945,
            status__conversation__expiration_timestamp=1698339900,
            status__biz_opaque_callback_data=None,
            status__errors=[],
            waba_id=WABA2,
            merge=m(PYWA_STATUS, CBP_SERVICE),
        )
    ],
    "status_sent_with_biz_opaque_callback_data.json": [
        status(
            "wamid.xyzxyz",
            "sent",
            status__biz_opaque_callback_data="some data",
            merge=m(PYWA_STATUS, CBP_SERVICE),
        )
    ],
    "status_delivered.json": [
        status(
            "wamid.xyzxyz",
            "delivered",
            status__status="delivered",
            status__conversation__expiration_timestamp=None,
            merge=m(PYWA_STATUS, CBP_SERVICE),
        )
    ],
    "status_read.json": [
        status(
            "wamid.xyzxyz",
            "read",
            status__status="read",
            status__timestamp=1689380458,
            merge=m(PYWA_STATUS, CBP_SERVICE),
        )
    ],
    "status_played_voice.json": [
        status("wamid.xyzxyz", "played", status__status="played", merge=PYWA_STATUS)
    ],
    "status_read_legacy_user_initiated_conversation.json": [
        status(
            "wamid.ID",
            "read",
            key="PHONE_NUMBER_ID:CUSTOMER_PHONE_NUMBER",
            status__conversation__id="CONVERSATION_ID",
            status__conversation__origin_type="user_initiated",
            # An int here, where current payloads send a string.
            status__conversation__expiration_timestamp=1669233778,
            status__pricing=None,
            waba_id="WHATSAPP_BUSINESS_ACCOUNT_ID",
        )
    ],
    "meta_docs_status_sent_pmp_marketing.json": [
        status(
            "wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQUFERjg0NDEzNDdFODU3MUMxMAA=",
            "sent",
            key=DOC_KEY,
            status__pricing__pricing_model="PMP",
            status__pricing__type="regular",
            status__pricing__category="marketing",
            status__conversation__origin_type="marketing",
            status__conversation__expiration_timestamp=1750116480,
        )
    ],
    "meta_docs_status_failed_131049_ecosystem.json": [
        status(
            "wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBI0QUQ2MjA4NEYyRkExNjMyREUA",
            "failed",
            "131049",
            key=DOC_KEY,
            status__errors__0__code=131049,
            status__errors__0__details=(
                "In order to maintain a healthy ecosystem engagement,"
                " the message failed to be delivered."
            ),
            status__conversation=None,
        )
    ],
    "status_failed_130472_experiment.json": [
        status(
            "wamid.xyzxyz",
            "failed",
            "130472",
            status__errors__0__code=130472,
            status__errors__0__title="User's number is part of an experiment",
            status__errors__1=ABSENT,
            merge=PYWA_STATUS,
        )
    ],
    "status_failed_131026_undeliverable.json": [
        status(
            "wamid.HBgLMzI0NzY3NTUzNzYVAgARGBIzOTI2MzFGRjdBRjA4M0Y2RDQA",
            "failed",
            "131026",
            key="REDACTED:REDACTED",
            status__errors__0__code=131026,
            status__errors__0__details="Message Undeliverable.",
        )
    ],
    "status_failed_131047_reengagement_window_closed.json": [
        status(
            "wamid.H=====================================",
            "failed",
            "131047",
            key="86501452171734:86501452171734",
            status__errors__0__code=131047,
            status__errors__0__title="Re-engagement message",
        )
    ],
}

TEMPLATE_VALUE = {
    "event": "APPROVED",
    "message_template_id": 1689556908129832,
    "message_template_name": "order_confirmation",
    "message_template_language": "en_US",
    "reason": "NONE",
    "message_template_category": "UTILITY",
}
CASES["message_template_status_update_approved.json"] = [
    Expect(
        FIELD_RECEIVED,
        (
            "wa.field",
            DOC_WABA,
            "message_template_status_update",
            1751247548,
            '{"event":"APPROVED","message_template_category":"UTILITY","message_template_id":'
            '1689556908129832,"message_template_language":"en_US","message_template_name":'
            '"order_confirmation","reason":"NONE"}',
        ),
        "unknown",
        None,
        {
            "field": "message_template_status_update",
            "waba_id": DOC_WABA,
            "time": 1751247548,
            "value": TEMPLATE_VALUE,
            "raw": ABSENT,
        },
    )
]


def test_every_fixture_in_the_corpus_has_expected_events() -> None:
    assert sorted(CASES) == fixture_names()


@pytest.mark.parametrize("name", sorted(CASES))
def test_fixture_normalizes_to_the_expected_events(name: str) -> None:
    payload = load(name)
    envelopes = normalize(payload, received_at=RECEIVED_AT)

    assert [e.type for e in envelopes] == [x.type for x in CASES[name]]
    for envelope, expect in zip(envelopes, CASES[name], strict=True):
        assert envelope.id == deterministic_id(*expect.id_parts)
        assert envelope.subject == expect.subject
        assert envelope.correlation_id == expect.correlation_id
        assert envelope.time == RECEIVED_AT
        assert envelope.source == "pytake-ingress"
        assert envelope.organization_id is None
        for path, value in expect.checks.items():
            assert pick(envelope.data, path) == value, path


@pytest.mark.parametrize("name", sorted(CASES))
def test_fixture_items_travel_unchanged_as_raw(name: str) -> None:
    payload = load(name)
    value = first_value(payload)
    (envelope,) = normalize(payload, received_at=RECEIVED_AT)

    if envelope.type == MESSAGE_RECEIVED:
        assert envelope.data["raw"] == value["messages"][0]
        contacts = value.get("contacts")
        assert envelope.data["raw_contact"] == (contacts[0] if contacts else None)
    elif envelope.type == STATUS_RECEIVED:
        assert envelope.data["raw"] == value["statuses"][0]
    else:
        assert envelope.data["value"] == value


@pytest.mark.parametrize("name", sorted(CASES))
def test_fixture_envelopes_survive_a_round_trip_through_bytes(name: str) -> None:
    for envelope in normalize(load(name), received_at=RECEIVED_AT):
        assert Envelope.from_bytes(envelope.to_bytes()) == envelope


def test_message_keys_depend_only_on_the_type() -> None:
    """Consumers can rely on which keys exist: the same type always has the same keys."""
    keys: dict[str, set[frozenset[str]]] = {}
    for name in fixture_names():
        for envelope in normalize(load(name), received_at=RECEIVED_AT):
            if envelope.type == MESSAGE_RECEIVED:
                msg = envelope.data["message"]
                optional = {"context", "referral", "errors"}
                shape = frozenset(k for k in msg if k not in optional)
                keys.setdefault(msg["type"], set()).add(shape)
    assert all(len(shapes) == 1 for shapes in keys.values()), keys
    assert keys["text"] == {frozenset({"id", "type", "timestamp", "from", "from_user_id", "text"})}
