"""`pytake chat`: a terminal conversation through the real pipeline."""

from __future__ import annotations

import io

import pytest

from pytake_tools.chat import ChatSession, run_chat
from pytake_tools.stack import Stack

pytestmark = pytest.mark.e2e


async def test_typed_lines_reach_the_bot_and_its_replies_are_printed(stack: Stack) -> None:
    out = io.StringIO()
    session = ChatSession(
        ingress_url=stack.webhook_url,
        simulator_url=stack.url("metasim"),
        phone_number_id="100000000000001",
        wa_id="5511955554444",
        app_secret=stack.config.app_secret,
        name="Grace",
        out=out,
    )
    lines = iter(["hi", "/quit"])
    await run_chat(session, lambda: next(lines), settle_s=4)
    assert "bot: Hello Grace" in out.getvalue()


def test_a_number_picks_the_numbered_choice_of_the_last_interactive_reply() -> None:
    out = io.StringIO()
    session = ChatSession("http://i", "http://s", "1", "55", "secret", out=out)
    session.show(
        {
            "type": "interactive",
            "interactive": {
                "type": "button",
                "body": {"text": "Size?"},
                "action": {
                    "buttons": [
                        {"type": "reply", "reply": {"id": "s", "title": "Small"}},
                        {"type": "reply", "reply": {"id": "l", "title": "Large"}},
                    ]
                },
            },
        }
    )
    assert out.getvalue().splitlines() == ["bot: Size?", "     1. Small", "     2. Large"]
    message = session.webhook_for("2")["entry"][0]["changes"][0]["value"]["messages"][0]
    assert message["type"] == "interactive"
    assert message["interactive"] == {
        "type": "button_reply",
        "button_reply": {"id": "l", "title": "Large"},
    }
    # A number with no such choice is just text.
    assert session.webhook_for("7")["entry"][0]["changes"][0]["value"]["messages"][0]["text"] == {
        "body": "7"
    }


def test_lists_media_and_templates_are_shown_readably() -> None:
    out = io.StringIO()
    session = ChatSession("http://i", "http://s", "1", "55", "secret", out=out)
    session.show(
        {
            "type": "interactive",
            "interactive": {
                "type": "list",
                "body": {"text": "Pick"},
                "action": {
                    "button": "Menu",
                    "sections": [{"title": "A", "rows": [{"id": "r1", "title": "One"}]}],
                },
            },
        }
    )
    session.show({"type": "image", "image": {"link": "https://x/p.png", "caption": "Pizza"}})
    session.show({"type": "template", "template": {"name": "reopen_chat"}})
    assert out.getvalue().splitlines() == [
        "bot: Pick",
        "     1. One",
        "bot: [image https://x/p.png] Pizza",
        "bot: [template reopen_chat]",
    ]
    assert (
        session.webhook_for("1")["entry"][0]["changes"][0]["value"]["messages"][0]["interactive"][
            "type"
        ]
        == "list_reply"
    )
