"""The two example flows of the fixtures reproduce their README conversations message for
message (the CRM of `support_lookup` is simulated by feeding `complete_api_call` back)."""

from __future__ import annotations

from typing import Any

from pytake_shared.contracts.conversation_events import (
    ApiCallRequested,
    HandoffStarted,
    InputRejected,
)


def test_the_pizza_order_conversation_of_the_readme(chat: Any, pizza: Any) -> None:
    c = chat(pizza)
    hi = c.say("hi")
    assert hi.texts == ["Hi Ada! Welcome to Pizza Place.", "What would you like to do?"]
    menu = hi.messages[1]
    assert menu["kind"] == "buttons"
    assert [b["id"] for b in menu["buttons"]] == ["order", "prices", "human"]
    assert [b["title"] for b in menu["buttons"]] == ["Order a pizza", "See prices", "Talk to us"]

    size = c.say("Order a pizza", reply="order")
    [sizes] = size.messages
    assert (sizes["kind"], sizes["text"]) == ("buttons", "Which size?")
    assert [(b["id"], b["title"]) for b in sizes["buttons"]] == [
        ("small", "Small"),
        ("medium", "Medium"),
        ("large", "Large"),
    ]
    assert c.state.variables["choice"] == "order"

    assert c.say("Medium").texts == ["How many medium pizzas?"]
    assert c.state.variables["size"] == "medium"

    seven = c.say("seven")
    assert seven.texts == ["Please send a number, like 2."]
    assert seven.of(InputRejected)[0].attempt == 1

    done = c.say("7")
    assert done.texts == [
        "A party! 7 medium pizzas, total 70.",
        "Thanks, Ada! Your order is on its way.",
    ]
    assert c.state.variables["qty"] == 7 and c.state.variables["total"] == 70
    assert (c.state.status, c.state.close_reason) == ("closed", "completed")


def test_a_small_pizza_order_takes_the_false_branch(chat: Any, pizza: Any) -> None:
    c = chat(pizza)
    c.say("hi")
    c.say(reply="order")
    c.say(reply="large")
    assert c.say("2").texts == [
        "Got it: 2 large pizza(s), total 20.",
        "Thanks, Ada! Your order is on its way.",
    ]


def test_the_pizza_menu_shows_prices_and_ends(chat: Any, pizza: Any) -> None:
    c = chat(pizza)
    c.say("hi")
    assert c.say("See prices").texts == ["Every pizza costs 10."]
    assert c.state.close_reason == "completed"


def test_the_pizza_menu_hands_off_to_a_person(chat: Any, pizza: Any) -> None:
    c = chat(pizza)
    c.say("hi")
    events = c.say(reply="human")
    assert events.texts == ["One moment, a person will answer you here."]
    assert events.of(HandoffStarted)[0].priority == "normal"
    assert c.state.status == "handoff"
    assert c.say("hello?").texts == []


def _to_lookup(c: Any) -> ApiCallRequested:
    assert c.say("hi").texts == ["What is the e-mail on your account?"]
    assert c.say("ada at example").texts == ["That does not look like an e-mail address."]
    events = c.say("ada@example.com")
    assert events.texts == []
    [request] = events.of(ApiCallRequested)
    return request


def test_the_support_lookup_finds_the_customer_and_answers_billing(chat: Any, support: Any) -> None:
    c = chat(support)
    request = _to_lookup(c)
    assert (request.method, request.url) == ("GET", "http://127.0.0.1:9999/customers")
    assert request.query == {"email": "ada@example.com"}
    assert (request.timeout, request.node_id) == (5, "lookup")
    assert (c.state.status, c.state.waiting_on) == ("waiting", "api_call")

    found = c.result(200, {"name": "Ada Lovelace", "plan": "Pro"})
    assert found.texts == ["Hello Ada Lovelace, your plan is Pro.", "What do you need help with?"]
    topics = found.messages[1]
    assert (topics["kind"], topics["button_text"]) == ("list", "Topics")
    assert [[r["id"] for r in s["rows"]] for s in topics["sections"]] == [
        ["billing", "password"],
        ["other"],
    ]
    assert c.state.variables["customer"] == {
        "status": 200,
        "body": {"name": "Ada Lovelace", "plan": "Pro"},
    }

    assert c.say("Billing", reply="billing").texts == [
        "Your invoices are at https://example.com/billing",
        "Anything else? Just write again.",
    ]
    assert c.state.variables["topic"] == "billing"
    assert c.state.close_reason == "completed"


def test_the_support_lookup_hands_off_when_the_customer_is_unknown(chat: Any, support: Any) -> None:
    c = chat(support)
    _to_lookup(c)
    events = c.result(404, '{"detail": "not found"}')
    assert events.texts == ["We could not find ada@example.com.", "Passing you to an agent."]
    [handoff] = events.of(HandoffStarted)
    assert handoff.context == "topic= email=ada@example.com"
    assert c.state.variables["customer"]["body"] == {"detail": "not found"}


def test_the_support_lookup_survives_a_crm_that_does_not_answer(chat: Any, support: Any) -> None:
    c = chat(support)
    _to_lookup(c)
    events = c.result(None, None, "timeout")
    assert events.texts == ["We could not find ada@example.com.", "Passing you to an agent."]
    assert c.state.variables["customer"] == {"status": None, "body": None, "error": "timeout"}


def test_two_bad_emails_take_the_invalid_edge_to_an_agent(chat: Any, support: Any) -> None:
    c = chat(support)
    c.say("hi")
    c.say("nope")
    events = c.say("still nope")
    assert events.texts == ["Passing you to an agent."]
    assert "email" not in c.state.variables
    assert c.state.status == "handoff"


def test_the_other_topic_row_hands_off_with_its_context(chat: Any, support: Any) -> None:
    c = chat(support)
    _to_lookup(c)
    c.result(200, {"name": "Ada", "plan": "Free"})
    events = c.say("Something else")  # typed text equal to a row title counts as that row
    assert events.texts == ["Passing you to an agent."]
    assert events.of(HandoffStarted)[0].context == "topic=other email=ada@example.com"
