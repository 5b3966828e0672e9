"""Graph API request bodies for every outbound kind the executor emits."""

from __future__ import annotations

from typing import Any

import pytest

from pytake_sender.domain.requests import UnsendableError, build_body
from pytake_shared.contracts import Contact, OutboundMessage, SendMessage
from pytake_tools.metasim.validation import MarkRead, SendRequest, validate_request

PHONE = Contact(id="5511988887777", wa_id="5511988887777", name="Ada")
BASE = {
    "messaging_product": "whatsapp",
    "recipient_type": "individual",
    "to": "+5511988887777",
    "biz_opaque_callback_data": "o-1",  # the outbound id, echoed in Meta's status webhooks
}


def _cmd(contact: Contact = PHONE, **message: Any) -> SendMessage:
    return SendMessage(
        outbound_id="o-1",
        organization_id="org-1",
        phone_number_id="106540352242922",
        contact=contact,
        message=OutboundMessage(**message),
    )


def test_a_text_message() -> None:
    assert build_body(_cmd(kind="text", text="Hello", preview_url=True)) == {
        **BASE,
        "type": "text",
        "text": {"body": "Hello", "preview_url": True},
    }


def test_a_phone_number_that_already_has_a_plus_gets_only_one() -> None:
    contact = Contact(id="55", wa_id="+5511988887777")
    assert build_body(_cmd(contact, kind="text", text="x"))["to"] == "+5511988887777"


def test_a_contact_known_only_by_business_scoped_user_id_is_addressed_by_it() -> None:
    contact = Contact(id="BR.1234", user_id="BR.1234")
    body = build_body(_cmd(contact, kind="text", text="x"))
    assert body["recipient"] == "BR.1234"
    assert "to" not in body


def test_a_contact_without_phone_or_user_id_cannot_be_sent_to() -> None:
    with pytest.raises(UnsendableError, match="neither a phone number nor a user id"):
        build_body(_cmd(Contact(id="x"), kind="text", text="x"))


@pytest.mark.parametrize("text", [None, ""])
def test_a_text_message_with_an_empty_body_is_unsendable(text: str | None) -> None:
    with pytest.raises(UnsendableError, match="empty body"):
        build_body(_cmd(kind="text", text=text))


def test_a_reply_carries_the_context_of_the_message_it_answers() -> None:
    body = build_body(_cmd(kind="text", text="Yes", reply_to="wamid.IN"))
    assert body["context"] == {"message_id": "wamid.IN"}


def test_media_by_id_with_a_caption() -> None:
    body = build_body(_cmd(kind="media", media_type="video", media_id="m-1", caption="Look"))
    assert body == {**BASE, "type": "video", "video": {"id": "m-1", "caption": "Look"}}


def test_media_by_link_defaults_to_an_image() -> None:
    body = build_body(_cmd(kind="media", media_url="https://x.test/a.png"))
    assert body == {**BASE, "type": "image", "image": {"link": "https://x.test/a.png"}}


def test_a_document_keeps_its_file_name_and_caption() -> None:
    body = build_body(
        _cmd(
            kind="media",
            media_type="document",
            media_id="d-1",
            caption="Invoice",
            filename="invoice.pdf",
        )
    )
    assert body["document"] == {"id": "d-1", "caption": "Invoice", "filename": "invoice.pdf"}


@pytest.mark.parametrize("media_type", ["audio", "sticker"])
def test_audio_and_stickers_never_carry_a_caption(media_type: str) -> None:
    body = build_body(
        _cmd(kind="media", media_type=media_type, media_id="a-1", caption="no", filename="no.ogg")
    )
    assert body[media_type] == {"id": "a-1"}


def test_a_file_name_is_only_sent_for_documents() -> None:
    body = build_body(_cmd(kind="media", media_type="image", media_id="i-1", filename="x.png"))
    assert body["image"] == {"id": "i-1"}


def test_reply_buttons_with_header_and_footer() -> None:
    body = build_body(
        _cmd(
            kind="buttons",
            text="Pick one",
            header="Menu",
            footer="Acme",
            buttons=[{"id": "a", "title": "A"}, {"id": "b", "title": "B"}],
        )
    )
    assert body["type"] == "interactive"
    assert body["interactive"] == {
        "type": "button",
        "body": {"text": "Pick one"},
        "header": {"type": "text", "text": "Menu"},
        "footer": {"text": "Acme"},
        "action": {
            "buttons": [
                {"type": "reply", "reply": {"id": "a", "title": "A"}},
                {"type": "reply", "reply": {"id": "b", "title": "B"}},
            ]
        },
    }


def test_a_list_with_its_button_label_and_sections() -> None:
    sections = [{"title": "S", "rows": [{"id": "r1", "title": "Row 1"}]}]
    body = build_body(_cmd(kind="list", text="Choose", button_text="See", sections=sections))
    assert body["interactive"] == {
        "type": "list",
        "body": {"text": "Choose"},
        "action": {"button": "See", "sections": sections},
    }


def test_a_list_without_a_button_label_gets_a_default_one() -> None:
    sections = [{"title": "S", "rows": [{"id": "r", "title": "Row"}]}]
    body = build_body(_cmd(kind="list", text="Choose", sections=sections))
    assert body["interactive"]["action"]["button"] == "Options"


def test_a_template_with_its_language_and_components() -> None:
    components = [{"type": "body", "parameters": [{"type": "text", "text": "Ada"}]}]
    body = build_body(
        _cmd(
            kind="template",
            template_name="reopen_chat",
            language_code="pt_BR",
            components=components,
        )
    )
    assert body == {
        **BASE,
        "type": "template",
        "template": {
            "name": "reopen_chat",
            "language": {"code": "pt_BR"},
            "components": components,
        },
    }


def test_a_template_without_a_language_is_sent_in_en_us() -> None:
    body = build_body(_cmd(kind="template", template_name="hello_world"))
    assert body["template"]["language"] == {"code": "en_US"}


def test_a_reaction_names_the_message_and_never_carries_a_context() -> None:
    body = build_body(_cmd(kind="reaction", message_id="wamid.IN", emoji="👍", reply_to="wamid.IN"))
    assert body == {
        **BASE,
        "type": "reaction",
        "reaction": {"message_id": "wamid.IN", "emoji": "👍"},
    }


def test_an_empty_reaction_removes_it() -> None:
    body = build_body(_cmd(kind="reaction", message_id="wamid.IN"))
    assert body["reaction"]["emoji"] == ""


def test_mark_read_needs_no_recipient_and_can_show_the_typing_indicator() -> None:
    nobody = Contact(id="x")
    assert build_body(_cmd(nobody, kind="mark_read", message_id="wamid.IN")) == {
        "messaging_product": "whatsapp",
        "status": "read",
        "message_id": "wamid.IN",
    }
    typing = build_body(
        _cmd(nobody, kind="mark_read", message_id="wamid.IN", typing_indicator=True)
    )
    assert typing["typing_indicator"] == {"type": "text"}


SENDABLE = [
    dict(kind="text", text="Hello", reply_to="wamid.HBgM"),
    dict(kind="media", media_type="image", media_url="https://x.test/a.png", caption="c"),
    dict(kind="media", media_type="document", media_id="123", filename="a.pdf", caption="c"),
    dict(kind="media", media_type="audio", media_id="123", caption="dropped"),
    dict(
        kind="buttons",
        text="Pick",
        header="H",
        footer="F",
        buttons=[{"id": "a", "title": "A"}, {"id": "b", "title": "B"}],
    ),
    dict(
        kind="list",
        text="Choose",
        button_text="See",
        sections=[{"title": "S", "rows": [{"id": "r1", "title": "Row"}]}],
    ),
    dict(kind="template", template_name="hello_world", components=[{"type": "body"}]),
    dict(kind="reaction", message_id="wamid.HBgM", emoji="👍"),
    dict(kind="mark_read", message_id="wamid.HBgM", typing_indicator=True),
]


@pytest.mark.parametrize("message", SENDABLE, ids=lambda m: f"{m['kind']}-{m.get('media_type')}")
def test_every_body_the_sender_builds_passes_metas_request_validation(
    message: dict[str, Any],
) -> None:
    checked = validate_request(build_body(_cmd(**message)))
    assert isinstance(checked, MarkRead if message["kind"] == "mark_read" else SendRequest)


def test_a_body_for_a_business_scoped_user_passes_metas_request_validation() -> None:
    contact = Contact(id="BR.1234", user_id="BR.1234")
    checked = validate_request(build_body(_cmd(contact, kind="text", text="x")))
    assert isinstance(checked, SendRequest) and checked.recipient == "BR.1234"
