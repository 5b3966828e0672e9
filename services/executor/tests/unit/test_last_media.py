"""`{{last_media.*}}`: the contact's latest media, set from the inbound's content (pure), its
url a short-lived link minted from the media id and the command's time."""

from __future__ import annotations

import dataclasses
from typing import Any

from pytake_shared.contracts.conversation_events import MessageQueued
from pytake_shared.contracts.media import media_id_of
from pytake_shared.engine.commands import HandleInbound

from .conftest import NUMBER_ID, WA_ID
from .documents import chain, node

REPLY = "Got your {{last_media.type}} ({{last_media.caption}}): {{last_media.url}}"


def _photo(chat: Any, n: int, caption: str) -> Any:
    chat.now += 1
    return chat(
        HandleInbound(
            command_id=f"cmd-photo-{n}",
            organization_id="org-1",
            chatbot_id="bot-1",
            phone_number_id=NUMBER_ID,
            contact={"id": WA_ID, "wa_id": WA_ID, "name": "Ada"},
            message_id=f"wamid.photo{n}",
            message_type="image",
            text=None,
            reply_id=None,
            at=chat.now,
            content={"media": {"kind": "image", "id": f"meta-{n}", "caption": caption}},
        )
    )


def test_a_flow_sees_the_photo_it_was_sent_with_a_link(chat: Any) -> None:
    c_ = chat(chain(node("start", "start"), node("reply", "end", content=REPLY)))
    c_.flows = dataclasses.replace(c_.flows, media_url=lambda i, now: f"https://api/m/{i}?t={now}")
    events = _photo(c_, 1, "my cat")
    [queued] = events.of(MessageQueued)
    media_id = media_id_of(NUMBER_ID, "meta-1")
    assert queued.message["text"] == f"Got your image (my cat): https://api/m/{media_id}?t={c_.now}"
    assert c_.state.last_media["id"] == media_id  # survives the conversation's start, replays


def test_without_media_the_fields_are_empty_and_a_text_keeps_the_last_one(chat: Any) -> None:
    c_ = chat(chain(node("start", "start"), node("reply", "end", content=REPLY)))
    [queued] = c_.say("hi").of(MessageQueued)
    assert queued.message["text"] == "Got your  (): "
    _photo(c_, 2, "dog")
    c_.say("hi again")
    assert c_.state.last_media["caption"] == "dog"
