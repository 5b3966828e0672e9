"""Expected events for every status and other-field payload of the corpus."""

from __future__ import annotations

from typing import Any

from pytake_ingress.domain import FIELD_RECEIVED

from .normalize_expect import (
    ABSENT,
    CBP_SERVICE,
    DOC_KEY,
    DOC_WABA,
    PYWA_STATUS,
    WABA2,
    Expect,
    m,
    status,
)

STATUS_CASES: dict[str, list[Any]] = {
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
STATUS_CASES["message_template_status_update_approved.json"] = [
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
