"""Expected events for every message payload of the corpus."""

from __future__ import annotations

from typing import Any

from .normalize_expect import (
    ABSENT,
    DOC_KEY,
    DOC_PN,
    DOC_WA,
    DOC_WABA,
    FORWARDED,
    MSG_131051,
    NO_EXTRAS,
    PN,
    PYWA_CONTACT,
    WA,
    WABA,
    WABA2,
    m,
    message,
)

MESSAGE_CASES: dict[str, list[Any]] = {
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
}
