"""Helpers of the media fetcher's tests: an inbound media record as ingress publishes it, and
a producer that keeps what it is given."""

from __future__ import annotations

from typing import Any

from pytake_shared import contracts as c
from pytake_shared.envelope import Envelope
from pytake_shared.kafka import Record
from pytake_shared.testing.fixtures import record_of

NUMBER_ID = "106540352242922"
WA_ID = "5511988887777"


def media_record(
    media: dict[str, Any] | None,
    *,
    kind: str = "image",
    wamid: str = "wamid.PHOTO",
    errors: list[dict[str, Any]] | None = None,
    topic: str = "wa.inbound.v1",
) -> Record:
    message: dict[str, Any] = {
        "id": wamid,
        "type": kind,
        "timestamp": 1697043379,
        "from": WA_ID,
        "from_user_id": None,
        "text": None,
    }
    if media is not None:
        message["media"] = {"kind": kind, **media}
    if errors is not None:
        message["errors"] = errors
    data = {
        "phone_number_id": NUMBER_ID,
        "display_phone_number": "15550783881",
        "waba_id": "1",
        "contact": {"wa_id": WA_ID, "user_id": None, "parent_user_id": None, "name": "Ada"},
        "message": message,
        "raw": {},
        "raw_contact": {},
    }
    env = Envelope.new(
        c.WA_MESSAGE_RECEIVED,
        source="pytake-ingress",
        subject=f"{NUMBER_ID}:{WA_ID}",
        correlation_id=wamid,
        data=data,
    )
    return record_of(env, topic)


class KeptProducer:
    def __init__(self) -> None:
        self.sent: list[tuple[str, Envelope]] = []

    async def send(self, topic: str, envelope: Envelope, *, key: str | None = None) -> None:
        self.sent.append((topic, envelope))
