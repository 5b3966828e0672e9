"""The 24-hour customer-service window: a free-form send outside it is not attempted and
`window_expiry_settings.action` decides; Meta's 131047 refusal is handled the same way."""

from __future__ import annotations

from typing import Any

import pytest

from pytake_shared.contracts.conversation_events import (
    ConversationStarted,
    HandoffStarted,
    WindowClosedAction,
)

from .documents import chain, node, two_questions

DAY = 24 * 3600


def _delayed(**window: Any) -> dict[str, Any]:
    """Sends, waits a delay, then sends again: the second send may find the window closed."""
    return chain(
        node("start", "start"),
        node("d", "delay", delaySeconds=DAY + 60),
        node("late", "message", content="Late news"),
        node("q", "question", content="Still with us?"),
        node("bye", "end", content="bye"),
        window_expiry_settings=window,
    )


def _fire_delay_before_session(c: Any) -> Any:
    # The I/O side may fire timers out of order: the delay comes before the session expiry.
    return c.fire("delay")


def test_a_timer_driven_send_outside_the_window_waits_for_the_customer_by_default(
    chat: Any,
) -> None:
    c = chat(_delayed())
    c.say()
    events = _fire_delay_before_session(c)
    [action] = events.of(WindowClosedAction)
    assert (action.action, action.node_id, action.message) == (
        "wait_customer",
        "late",
        {"kind": "text", "text": "Late news"},
    )
    assert events.texts == []
    assert (c.state.status, c.state.waiting_on, c.state.current_node_id) == (
        "waiting",
        "customer",
        "late",
    )
    # The window and the session both end a day after the last inbound: the contact's next
    # message finds the session expired and starts afresh.
    events = c.say("hi")
    assert "expired" in [e.reason for e in events if e.type == "conversation_closed"]
    assert events.of(ConversationStarted)


def test_send_template_sends_the_configured_template_once_per_window(chat: Any) -> None:
    c = chat(_delayed(action="send_template", template_name="reopen_chat", language_code="pt_BR"))
    c.say()
    events = _fire_delay_before_session(c)
    assert events.messages == [
        {
            "kind": "template",
            "template_name": "reopen_chat",
            "language_code": "pt_BR",
            "components": [],
        }
    ]
    assert events.of(WindowClosedAction)[0].action == "send_template"
    again = c.agent("hello?")
    assert again.messages == []
    assert again.of(WindowClosedAction)[0].action == "wait_customer"


def test_send_template_without_a_template_name_waits_for_the_customer(chat: Any) -> None:
    c = chat(_delayed(action="send_template"))
    c.say()
    assert _fire_delay_before_session(c).of(WindowClosedAction)[0].action == "wait_customer"


def test_transfer_hands_the_conversation_to_a_human(chat: Any) -> None:
    c = chat(_delayed(action="transfer"))
    c.say()
    events = _fire_delay_before_session(c)
    assert events.of(HandoffStarted)[0].reason == "window_closed"
    assert c.state.status == "handoff"


def test_an_agent_message_outside_the_window_is_not_queued(chat: Any) -> None:
    c = chat(
        two_questions(window_expiry_settings={"action": "send_template", "template_name": "t"})
    )
    c.say()
    c.tick(DAY)
    events = c.agent("Are you there?")
    assert [m["kind"] for m in events.messages] == ["template"]
    assert events.of(WindowClosedAction)[0].message == {"kind": "text", "text": "Are you there?"}


def test_meta_refusing_with_131047_is_handled_like_a_closed_window(chat: Any) -> None:
    c = chat(
        two_questions(window_expiry_settings={"action": "send_template", "template_name": "t"})
    )
    c.say()
    events = c.status("failed", 131047)
    assert [m["kind"] for m in events.messages] == ["template"]
    assert (c.state.waiting_on, c.state.current_node_id) == ("customer", "q1")
    assert c.agent("free text").messages == []  # the window counts as closed now
    assert c.say("back").texts == ["Name?"]  # the prompt they never got, then the answer


@pytest.mark.parametrize(
    ("status", "code"), [("failed", 131026), ("read", None), ("delivered", None)]
)
def test_other_delivery_statuses_change_nothing(chat: Any, status: str, code: int | None) -> None:
    c = chat(two_questions())
    c.say()
    assert c.status(status, code) == []


def test_a_status_for_a_contact_without_conversation_changes_nothing(chat: Any) -> None:
    assert chat(two_questions()).status() == []


def test_a_handoff_outside_the_window_skips_the_message_but_still_hands_off(chat: Any) -> None:
    c = chat(
        chain(
            node("start", "start"),
            node("d", "delay", delaySeconds=DAY),
            node("h", "handoff", transferMessage="An agent will answer"),
        )
    )
    c.say()
    events = c.fire("delay")
    assert events.texts == []
    assert c.state.status == "handoff"
