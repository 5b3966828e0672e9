"""Run rules: the iteration cap per command, the session TTL and inactivity settings."""

from __future__ import annotations

from typing import Any

import pytest

from pytake_shared.contracts.conversation_events import (
    ConversationStarted,
    HandoffStarted,
    MessageHeldBack,
    NodeEntered,
    TimerScheduled,
)
from pytake_shared.engine.engine import MAX_FLOW_ITERATIONS

from .documents import chain, node, two_questions

DAY = 24 * 3600


# -- iterations ------------------------------------------------------------------------------


def test_a_jump_loop_stops_at_the_iteration_cap_and_closes(chat: Any) -> None:
    c = chat(
        chain(
            node("start", "start"),
            node(
                "set",
                "set_variable",
                variables=[{"name": "n", "valueType": "expression", "value": "{{n}} + 1"}],
            ),
            node("j", "jump", targetNodeId="set"),
            variables={"n": 0},
        )
    )
    events = c.say()
    assert len(events.of(NodeEntered)) == MAX_FLOW_ITERATIONS
    assert c.state.close_reason == "max_iterations"
    assert c.state.variables["n"] == 50  # start + 49.5 laps of (set, jump)


def _sets(prefix: str, count: int) -> list[dict[str, Any]]:
    value = [{"name": "n", "valueType": "expression", "value": "{{n}} + 1"}]
    return [node(f"{prefix}{i}", "set_variable", variables=value) for i in range(count)]


def test_the_cap_counts_per_command_so_a_long_but_waiting_flow_is_fine(chat: Any) -> None:
    c = chat(
        chain(
            node("start", "start"),
            *_sets("a", 60),
            node("q", "question", content="?"),
            *_sets("b", 60),
            node("bye", "message", content="done {{n}}"),
            variables={"n": 0},
        )
    )
    assert c.say().texts == ["?"]
    assert c.say("x").texts == ["done 120"]
    assert c.state.close_reason == "completed"


def test_one_command_queues_at_most_ten_bot_messages_and_records_the_rest(chat: Any) -> None:
    """A flow looping on a message would flood the contact (99 messages in one event, paced
    out over minutes): past the limit the messages are held back, each recorded with why."""
    c = chat(
        chain(
            node("start", "start"),
            node("spam", "message", content="again"),
            node("j", "jump", targetNodeId="spam"),
        )
    )
    events = c.say()
    assert events.texts == ["again"] * 10
    held = events.of(MessageHeldBack)
    assert len(held) > 30 and {(h.reason, h.limit, h.node_id) for h in held} == {
        ("message_limit", 10, "spam")
    }
    assert held[0].message == {"kind": "text", "text": "again"}
    assert c.state.close_reason == "max_iterations"


# -- session TTL -----------------------------------------------------------------------------


def test_a_conversation_schedules_its_session_timer_when_it_starts(chat: Any) -> None:
    c = chat(two_questions())
    events = c.say()
    [session] = [e for e in events.of(TimerScheduled) if e.kind == "session"]
    assert (session.fire_at, session.node_id) == (c.now + DAY, None)


def test_the_session_expires_a_day_after_the_last_inbound(chat: Any) -> None:
    c = chat(two_questions())
    c.say()
    events = c.fire("session")
    assert events.kinds == ["timer_elapsed", "conversation_closed"]
    assert c.state.close_reason == "expired"
    assert c.say("hello again").of(ConversationStarted)


def test_the_session_timer_moves_on_when_the_contact_wrote_since(chat: Any) -> None:
    c = chat(two_questions())
    c.say()
    c.say("Ada", after=3600)
    events = c.fire("session")
    [again] = events.of(TimerScheduled)
    assert (again.kind, again.fire_at) == ("session", c.state.last_inbound_at + DAY)
    assert c.state.status == "waiting"


def test_a_message_after_the_ttl_closes_the_old_conversation_and_starts_anew(chat: Any) -> None:
    c = chat(two_questions())
    c.say()
    old = c.state.conversation_id
    events = c.say("Ada", after=DAY + 5)  # the session timer has not been fired yet
    assert events.kinds[:4] == [
        "inbound_received",
        "timer_cancelled",
        "conversation_closed",
        "conversation_started",
    ]
    assert events.texts == ["Name?"]
    assert c.state.conversation_id != old
    assert "name" not in c.state.variables


# -- inactivity ------------------------------------------------------------------------------


def _inactive(**settings: Any) -> dict[str, Any]:
    return two_questions(inactivity_settings={"enabled": True, "timeout_minutes": 10, **settings})


def test_inactivity_arms_a_timer_at_each_wait_and_an_answer_rearms_it(chat: Any) -> None:
    c = chat(_inactive(action="close"))
    c.say()
    first = c.timer("inactivity")
    assert c.state.timers[first].fire_at == c.now + 600
    c.say("Ada", after=120)
    second = c.timer("inactivity")
    assert second != first and c.state.timers[second].fire_at == c.now + 600


def test_inactivity_close_closes_the_conversation(chat: Any) -> None:
    c = chat(_inactive(action="close"))
    c.say()
    c.fire("inactivity")
    assert c.state.close_reason == "inactivity"
    assert c.state.timers == {}


def test_inactivity_transfer_hands_off(chat: Any) -> None:
    c = chat(_inactive(action="transfer"))
    c.say()
    [handoff] = c.fire("inactivity").of(HandoffStarted)
    assert (handoff.reason, handoff.node_id) == ("inactivity", "q1")
    assert c.state.status == "handoff"


def test_inactivity_send_reminder_sends_the_warning_and_keeps_waiting(chat: Any) -> None:
    c = chat(_inactive(action="send_reminder", warning_message="Still there, {{contact.name}}?"))
    c.say()
    assert c.fire("inactivity").texts == ["Still there, Ada?"]
    assert (c.state.status, c.state.current_node_id) == ("waiting", "q1")
    assert c.say("Ada").texts == ["City?"]


def test_a_reminder_can_come_minutes_before_the_limit(chat: Any) -> None:
    c = chat(_inactive(action="send_reminder", send_warning_at_minutes=4))
    c.say()
    assert c.state.timers[c.timer("inactivity")].fire_at == c.now + 360
    assert c.fire("inactivity").texts == ["Are you still there?"]


def test_a_warning_comes_before_closing_when_asked_for(chat: Any) -> None:
    c = chat(_inactive(action="close", warning_message="Closing soon", send_warning_at_minutes=2))
    c.say()
    warning = c.timer("inactivity_warning")
    assert c.state.timers[warning].fire_at == c.now + 480
    assert c.fire("inactivity_warning").texts == ["Closing soon"]
    c.fire("inactivity")
    assert c.state.close_reason == "inactivity"


@pytest.mark.parametrize(
    "settings",
    [{"enabled": False, "timeout_minutes": 5}, {"timeout_minutes": 0}, {"timeout_minutes": "x"}],
)
def test_no_inactivity_timer_when_disabled_or_without_a_limit(
    chat: Any, settings: dict[str, Any]
) -> None:
    c = chat(two_questions(inactivity_settings=settings))
    c.say()
    assert [t.kind for t in c.state.timers.values()] == ["session"]
