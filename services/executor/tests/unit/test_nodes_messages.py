"""Nodes that send: message (text and media), end, whatsapp_template, interactive nodes."""

from __future__ import annotations

from typing import Any

import pytest

from pytake_shared.contracts import OutboundMessage
from pytake_shared.contracts.conversation_events import InputCaptured, NodeFailed

from .documents import chain, node


def sent(chat: Any, *nodes: dict[str, Any]) -> list[dict[str, Any]]:
    """The messages a flow of `nodes` (after a start node) sends on the first message."""
    messages: list[dict[str, Any]] = chat(chain(node("start", "start"), *nodes)).say().messages
    for message in messages:
        OutboundMessage.model_validate(message)  # the sender understands every one
    return messages


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (
            {"mediaType": "image", "mediaUrl": "https://x/{{contact.name}}.png", "caption": "Hi"},
            [
                {
                    "kind": "media",
                    "media_type": "image",
                    "media_url": "https://x/Ada.png",
                    "caption": "Hi",
                }
            ],
        ),
        (
            {"mediaType": "video", "mediaUrl": "https://x/v.mp4", "content": "Watch"},
            [
                {
                    "kind": "media",
                    "media_type": "video",
                    "media_url": "https://x/v.mp4",
                    "caption": "Watch",
                }
            ],
        ),
        (
            {
                "mediaType": "document",
                "mediaUrl": "https://x/d.pdf",
                "filename": "{{contact.name}}.pdf",
            },
            [
                {
                    "kind": "media",
                    "media_type": "document",
                    "media_url": "https://x/d.pdf",
                    "filename": "Ada.pdf",
                }
            ],
        ),
        (
            {"mediaType": "audio", "mediaUrl": "https://x/a.ogg", "content": "Listen"},
            [
                {"kind": "text", "text": "Listen"},
                {"kind": "media", "media_type": "audio", "media_url": "https://x/a.ogg"},
            ],
        ),
        (
            {"mediaType": "image", "content": "no url: text"},
            [{"kind": "text", "text": "no url: text"}],
        ),
        (
            {"mediaType": "image", "mediaFile": " 3f1b2c4d ", "caption": "Menu"},
            [{"kind": "media", "media_type": "image", "media_file": "3f1b2c4d", "caption": "Menu"}],
        ),
        ({"content": "x" * 5000}, [{"kind": "text", "text": "x" * 4096}]),
        ({"content": "{{nothing}}"}, []),
    ],
    ids=[
        "image",
        "video-content-caption",
        "document",
        "audio",
        "no-url",
        "stored-file",
        "long",
        "empty",
    ],
)
def test_a_message_node_sends_text_or_media(
    chat: Any, data: dict[str, Any], expected: list[dict[str, Any]]
) -> None:
    assert sent(chat, node("m", "message", **data)) == expected


def test_an_end_node_sends_its_content_and_closes_completed(chat: Any) -> None:
    c = chat(
        chain(node("start", "start"), node("e", "end", farewellMessage="Bye {{contact.name}}"))
    )
    assert c.say().texts == ["Bye Ada"]
    assert (c.state.status, c.state.close_reason, c.state.closed_at) == (
        "closed",
        "completed",
        c.now,
    )


def test_a_whatsapp_template_renders_only_its_parameters(chat: Any) -> None:
    components = [
        {"type": "header", "parameters": [{"type": "text", "text": "{{contact.name}}"}]},
        {"type": "body", "text": "Hi {{1}}", "parameters": [{"type": "text", "text": "{{plan}}"}]},
    ]
    messages = sent(
        chat,
        node("set", "set_variable", variables=[{"name": "plan", "value": "Pro"}]),
        node(
            "t",
            "whatsapp_template",
            templateName="welcome",
            languageCode="pt_BR",
            components=components,
        ),
    )
    assert messages == [
        {
            "kind": "template",
            "template_name": "welcome",
            "language_code": "pt_BR",
            "components": [
                {"type": "header", "parameters": [{"type": "text", "text": "Ada"}]},
                {
                    "type": "body",
                    "text": "Hi {{1}}",
                    "parameters": [{"type": "text", "text": "Pro"}],
                },
            ],
        }
    ]


def test_a_template_without_a_name_is_recorded_and_skipped(chat: Any) -> None:
    c = chat(
        chain(
            node("start", "start"), node("t", "whatsapp_template"), node("e", "end", content="on")
        )
    )
    events = c.say()
    assert events.of(NodeFailed)[0].node_id == "t"
    assert events.texts == ["on"]


def test_a_template_defaults_to_english(chat: Any) -> None:
    [message] = sent(chat, node("t", "whatsapp_template", templateName="hello"))
    assert (message["language_code"], message["components"]) == ("en_US", [])


BUTTONS = node(
    "menu",
    "interactive_buttons",
    bodyText="Pick, {{contact.name}}",
    headerText="Menu",
    footerText="Reply below",
    buttons=[
        {"id": "a", "title": "Apples"},
        {"id": "b", "title": "Bananas" * 4},
        {"id": "c", "title": "C"},
        {"id": "d", "title": "D"},
    ],
    variableName="fruit",
)


def _menu(chat: Any, data_node: dict[str, Any] = BUTTONS) -> Any:
    nodes = [
        node("start", "start"),
        data_node,
        node("default", "end", content="default {{fruit}}"),
        node("got-a", "end", content="got a"),
        node("got-b", "end", content="got b {{fruit}}"),
    ]
    edges = [
        {"source": "start", "target": "menu"},
        {"source": "menu", "target": "got-a", "sourceHandle": "a"},
        {"source": "menu", "target": "default"},
        {"source": "menu", "target": "got-b", "sourceHandle": "b"},
    ]
    return chat({"canvas_data": {"nodes": nodes, "edges": edges}})


def test_interactive_buttons_send_at_most_three_buttons_with_short_titles(chat: Any) -> None:
    c = _menu(chat)
    [message] = c.say().messages
    OutboundMessage.model_validate(message)
    assert message == {
        "kind": "buttons",
        "text": "Pick, Ada",
        "header": "Menu",
        "footer": "Reply below",
        "buttons": [
            {"id": "a", "title": "Apples"},
            {"id": "b", "title": ("Bananas" * 4)[:20]},
            {"id": "c", "title": "C"},
        ],
    }
    assert (c.state.status, c.state.waiting_on) == ("waiting", "input")


@pytest.mark.parametrize(
    ("text", "reply", "expected", "stored"),
    [
        ("Apples", "a", "got a", "a"),
        (None, "b", "got b b", "b"),
        ("  apples ", None, "got a", "a"),  # typed text equal to a title counts
        ("C", None, "default c", "c"),  # a button without its own edge takes the default
        ("something else", None, "default ", None),
    ],
)
def test_a_button_reply_routes_by_its_id_and_stores_it(
    chat: Any, text: str | None, reply: str | None, expected: str, stored: str | None
) -> None:
    c = _menu(chat)
    c.say()
    events = c.say(text, reply=reply)
    assert events.texts == [expected]
    assert events.of(InputCaptured)[0].variable == ("fruit" if stored else None)
    assert c.state.variables.get("fruit") == stored


LIST = node(
    "menu",
    "interactive_list",
    bodyText="Topics",
    buttonText="See all",
    sections=[
        {"title": "First", "rows": [{"id": "a", "title": "Apples", "description": "Red"}]},
        {"title": "Rest", "rows": [{"id": f"r{i}", "title": f"Row {i}"} for i in range(12)]},
        {"title": "Over", "rows": [{"id": "b", "title": "Bananas"}]},
    ],
    variableName="fruit",
)


def test_an_interactive_list_sends_at_most_ten_rows_in_all(chat: Any) -> None:
    c = _menu(chat, LIST)
    [message] = c.say().messages
    OutboundMessage.model_validate(message)
    assert (message["kind"], message["text"], message["button_text"]) == (
        "list",
        "Topics",
        "See all",
    )
    assert [s["title"] for s in message["sections"]] == ["First", "Rest"]
    assert message["sections"][0]["rows"] == [{"id": "a", "title": "Apples", "description": "Red"}]
    assert sum(len(s["rows"]) for s in message["sections"]) == 10


def test_a_list_reply_routes_by_row_id(chat: Any) -> None:
    c = _menu(chat, LIST)
    c.say()
    assert c.say("Apples", reply="a").texts == ["got a"]
    c = _menu(chat, LIST)
    c.say()
    assert c.say("Row 3").texts == ["default r3"]
