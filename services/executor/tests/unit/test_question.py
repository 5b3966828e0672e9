"""The `question` node: every answer type, validation, attempts, options, timeouts."""

from __future__ import annotations

from typing import Any

import pytest

from pytake_shared.contracts.conversation_events import InputCaptured, InputRejected, TimerScheduled

from .documents import node


def asking(edges: list[dict[str, Any]] | None = None, **question: Any) -> dict[str, Any]:
    """start → q (the question) → ok (end "ok {{v}}"), plus `edges` and their nodes."""
    nodes = [
        node("start", "start"),
        node("q", "question", content="Q?", variableName="v", **question),
        node("ok", "end", content="ok {{v}}"),
        node("bad", "end", content="invalid path"),
        node("late", "end", content="too late"),
    ]
    base = [{"source": "start", "target": "q"}, {"source": "q", "target": "ok"}]
    return {"canvas_data": {"nodes": nodes, "edges": base + (edges or [])}}


INVALID = {"source": "q", "target": "bad", "label": "invalid"}
TIMEOUT = {"source": "q", "target": "late", "label": "timeout"}


@pytest.mark.parametrize(
    ("response_type", "answer", "stored"),
    [
        ("text", "  anything goes ", "  anything goes "),
        ("number", "7", 7),
        ("number", " -2.5 ", -2.5),
        ("number", "1,5", 1.5),
        ("email", " ada@example.com ", "ada@example.com"),
        ("phone", "+55 (11) 98888-7777", "5511988887777"),
        ("date", "2024-02-29", "2024-02-29"),
        ("date", "31/12/2024", "2024-12-31"),
        ("date", "1.2.2025", "2025-02-01"),
        ("date", "05-06-2025", "2025-06-05"),
    ],
)
def test_a_valid_answer_of_each_type_is_stored_and_the_flow_goes_on(
    chat: Any, response_type: str, answer: str, stored: Any
) -> None:
    c = chat(asking(responseType=response_type))
    c.say()
    events = c.say(answer)
    assert events.of(InputCaptured)[0].value == stored
    assert type(c.state.variables["v"]) is type(stored)
    assert c.state.close_reason == "completed"


@pytest.mark.parametrize(
    ("response_type", "answer", "error"),
    [
        ("number", "seven", "Please send a number."),
        ("number", "1e999", "Please send a number."),
        ("number", "9" * 30, "Please send a number."),
        ("email", "ada@", "Please send a valid e-mail address."),
        ("email", "ada example.com", "Please send a valid e-mail address."),
        ("phone", "12345", "Please send a valid phone number."),
        ("phone", "call me", "Please send a valid phone number."),
        ("date", "2024-02-30", "Please send a date like 31/12/2024."),
        ("date", "tomorrow", "Please send a date like 31/12/2024."),
        ("text", "   ", "Please send an answer."),
    ],
)
def test_an_invalid_answer_gets_the_default_error_and_waits_again(
    chat: Any, response_type: str, answer: str, error: str
) -> None:
    c = chat(asking(responseType=response_type))
    c.say()
    events = c.say(answer)
    assert events.texts == [error]
    [rejected] = events.of(InputRejected)
    assert (rejected.node_id, rejected.attempt, rejected.text) == ("q", 1, answer)
    assert (c.state.status, c.state.current_node_id, c.state.attempts) == ("waiting", "q", 1)
    assert "v" not in c.state.variables


def test_the_error_message_is_the_nodes_own_and_rendered(chat: Any) -> None:
    c = chat(
        asking(responseType="number", validation={"errorMessage": "{{contact.name}}, a number"})
    )
    c.say()
    assert c.say("x").texts == ["Ada, a number"]


def test_after_max_attempts_the_invalid_edge_is_taken_without_storing(chat: Any) -> None:
    c = chat(asking([INVALID], responseType="email", validation={"maxAttempts": 2}))
    c.say()
    assert c.say("a").texts == ["Please send a valid e-mail address."]
    assert c.say("b").texts == ["invalid path"]
    assert "v" not in c.state.variables


def test_after_max_attempts_without_an_invalid_edge_the_default_edge_is_taken(chat: Any) -> None:
    c = chat(asking([TIMEOUT], responseType="number"))  # maxAttempts defaults to 3
    c.say()
    c.say("a")
    c.say("b")
    assert c.say("c").texts == ["ok "]  # the timeout edge is no default, and nothing was stored


def test_a_valid_answer_never_takes_the_invalid_or_timeout_edge(chat: Any) -> None:
    document = asking([INVALID, TIMEOUT], responseType="number")
    edges = document["canvas_data"]["edges"]
    edges.append(edges.pop(1))  # the plain edge last: labelled edges come first
    c = chat(document)
    c.say()
    assert c.say("3").texts == ["ok 3"]


def test_a_valid_answer_after_rejections_resets_nothing_but_moves_on(chat: Any) -> None:
    c = chat(asking(responseType="number"))
    c.say()
    c.say("x")
    c.say("y")
    assert c.say("4").texts == ["ok 4"]


def test_options_up_to_three_are_sent_as_reply_buttons(chat: Any) -> None:
    options = [{"value": "a", "label": "Alpha"}, {"value": "b", "label": "B" * 30}]
    c = chat(asking(responseType="options", options=options))
    [message] = c.say().messages
    assert message == {
        "kind": "buttons",
        "text": "Q?",
        "buttons": [{"id": "a", "title": "Alpha"}, {"id": "b", "title": "B" * 20}],
    }


def test_more_than_three_options_are_sent_as_a_list_of_at_most_ten_rows(chat: Any) -> None:
    options = [{"value": f"v{i}", "label": f"Option {i}"} for i in range(12)]
    c = chat(asking(responseType="options", options=options, buttonText="Pick"))
    [message] = c.say().messages
    assert (message["kind"], message["button_text"]) == ("list", "Pick")
    [section] = message["sections"]
    assert [r["id"] for r in section["rows"]] == [f"v{i}" for i in range(10)]


@pytest.mark.parametrize(
    ("text", "reply"),
    [("b", None), ("BETA ", None), ("x", "b"), (None, "id-b")],
    ids=["value", "label", "reply-id-is-value", "reply-id-is-id"],
)
def test_an_option_matches_by_value_label_or_id_and_stores_the_value(
    chat: Any, text: str | None, reply: str | None
) -> None:
    options = [{"value": "a", "label": "Alpha"}, {"id": "id-b", "value": "b", "label": "Beta"}]
    c = chat(asking(responseType="options", options=options))
    c.say()
    assert c.say(text, reply=reply).texts == ["ok b"]


def test_an_answer_matching_no_option_is_invalid(chat: Any) -> None:
    c = chat(asking(options=[{"value": "a", "label": "Alpha"}]))  # options imply the type
    c.say()
    assert c.say("gamma").texts == ["Please choose one of the options."]


def test_an_option_question_without_options_takes_any_text(chat: Any) -> None:
    c = chat(asking(responseType="options"))
    assert c.say().messages == [{"kind": "text", "text": "Q?"}]
    assert c.say("free").texts == ["ok free"]


def test_the_old_validation_type_field_is_the_response_type(chat: Any) -> None:
    c = chat(asking(validationType="number"))
    c.say()
    c.say("12")
    assert c.state.variables["v"] == 12


def test_an_optional_question_accepts_an_empty_answer(chat: Any) -> None:
    c = chat(asking(responseType="number", validation={"required": False}))
    c.say()
    assert c.say(None).texts == ["ok "]


def test_a_question_with_a_timeout_schedules_a_timer_when_it_waits(chat: Any) -> None:
    c = chat(asking([TIMEOUT], timeoutMinutes=5))
    events = c.say()
    [timer] = [e for e in events.of(TimerScheduled) if e.kind == "question_timeout"]
    assert (timer.fire_at, timer.node_id) == (c.now + 300, "q")


def test_no_answer_in_time_follows_the_timeout_edge(chat: Any) -> None:
    c = chat(asking([TIMEOUT], timeoutMinutes=5))
    c.say()
    assert c.fire("question_timeout").texts == ["too late"]


def test_no_answer_in_time_without_a_timeout_edge_closes_with_timeout(chat: Any) -> None:
    c = chat(asking(timeoutMinutes=1))
    c.say()
    events = c.fire("question_timeout")
    assert events.kinds[-1] == "conversation_closed"
    assert c.state.close_reason == "timeout"
    assert c.state.timers == {}


def test_an_answer_cancels_the_timeout_and_an_invalid_one_rearms_it(chat: Any) -> None:
    c = chat(asking([TIMEOUT], responseType="number", timeoutMinutes=5))
    c.say()
    first = c.timer("question_timeout")
    events = c.say("x", after=60)
    assert [e.timer_id for e in events if e.type == "timer_cancelled"] == [first]
    second = c.timer("question_timeout")
    assert second != first
    assert c.state.timers[second].fire_at == c.now + 300
    c.say("5")
    assert [t.kind for t in c.state.timers.values()] == []  # closed: nothing pending
