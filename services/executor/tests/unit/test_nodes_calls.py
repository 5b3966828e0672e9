"""`api_call` and `webhook`: requested through events, resumed by `complete_api_call`."""

from __future__ import annotations

from typing import Any

import pytest

from pytake_shared.contracts.conversation_events import (
    ApiCallCompleted,
    ApiCallRequested,
    HandoffStarted,
    NodeFailed,
    TimerScheduled,
    WebhookRequested,
)
from pytake_shared.envelope import deterministic_id

from .documents import node


def calling(edges: list[dict[str, Any]] | None = None, **api: Any) -> dict[str, Any]:
    """start → call → after (end "after {{r.status}} {{r.body.v}}") + extra `edges`."""
    data = {"url": "https://crm/{{id}}", "responseVariable": "r", **api}
    nodes = [
        node("start", "start"),
        node("call", "api_call", **data),
        node("after", "end", content="after {{r.status}} {{r.body.v}}"),
        node("ok", "end", content="ok {{r.body.v}}"),
        node("ko", "end", content="ko {{r.error}}"),
    ]
    base = [{"source": "start", "target": "call"}, {"source": "call", "target": "after"}]
    return {
        "variables": {"id": "42"},
        "canvas_data": {"nodes": nodes, "edges": base + (edges or [])},
    }


SUCCESS = {"source": "call", "target": "ok", "label": "success"}
ERROR = {"source": "call", "target": "ko", "sourceHandle": "error"}


def test_an_api_call_is_requested_with_everything_rendered_and_the_conversation_waits(
    chat: Any,
) -> None:
    c = chat(
        calling(
            method="post",
            headers={"Authorization": "Bearer {{id}}", "X-Count": 3},
            queryParams=[{"key": "who", "value": "{{contact.name}}"}, {"key": "", "value": "x"}],
            body='{"id": "{{id}}", "n": 1}',
            timeout=99,
        )
    )
    events = c.say()
    [request] = events.of(ApiCallRequested)
    assert request == ApiCallRequested(
        request_id=str(deterministic_id("request", c.state.conversation_id, 0)),
        node_id="call",
        method="POST",
        url="https://crm/42",
        headers={"Authorization": "Bearer 42", "X-Count": "3"},
        query={"who": "Ada"},
        body={"id": "42", "n": 1},
        timeout=30,
        attempt=1,
    )
    assert (c.state.status, c.state.waiting_on, c.state.current_node_id) == (
        "waiting",
        "api_call",
        "call",
    )
    assert c.say("hello?").kinds == ["inbound_received", "inbound_ignored"]


@pytest.mark.parametrize(
    ("api", "expected"),
    [
        ({}, ("GET", 10, None)),
        ({"method": "TELEPORT", "timeout": 0.2, "body": {"k": "{{id}}"}}, ("GET", 1, {"k": "42"})),
        ({"body": "[not json"}, ("GET", 10, "[not json")),
    ],
)
def test_request_defaults_and_clamps(
    chat: Any, api: dict[str, Any], expected: tuple[Any, ...]
) -> None:
    [request] = chat(calling(**api)).say().of(ApiCallRequested)
    assert (request.method, request.timeout, request.body) == expected


def test_a_success_stores_status_and_body_and_follows_the_success_edge(chat: Any) -> None:
    c = chat(calling([SUCCESS, ERROR]))
    c.say()
    events = c.result(201, {"v": "yes"})
    assert events.texts == ["ok yes"]
    [completed] = events.of(ApiCallCompleted)
    assert (completed.outcome, completed.status, completed.node_id) == ("success", 201, "call")
    assert c.state.variables["r"] == {"status": 201, "body": {"v": "yes"}}


def test_a_text_body_that_is_json_is_parsed_and_other_text_kept(chat: Any) -> None:
    c = chat(calling())
    c.say()
    assert c.result(200, b'{"v": 1}').texts == ["after 200 1"]
    c = chat(calling())
    c.say()
    c.result(200, "plain")
    assert c.state.variables["r"]["body"] == "plain"


def test_without_success_and_error_edges_the_default_edge_is_taken(chat: Any) -> None:
    c = chat(calling())
    c.say()
    assert c.result(500, {"v": "x"}).texts == ["after 500 x"]
    assert c.state.variables["r"] == {"status": 500, "body": {"v": "x"}, "error": "HTTP 500"}


def test_an_error_follows_the_error_edge_and_never_the_success_one(chat: Any) -> None:
    document = calling([SUCCESS, ERROR])
    document["canvas_data"]["edges"].pop(1)  # no plain edge: the first edge is `success`
    c = chat(document)
    c.say()
    assert c.result(None, None, "connection refused").texts == ["ko connection refused"]


def test_the_fallback_value_stands_in_for_the_body_on_error(chat: Any) -> None:
    c = chat(calling(errorHandling={"onError": "continue", "fallbackValue": {"v": "cached"}}))
    c.say()
    assert c.result(503, "down").texts == ["after 503 cached"]


def test_on_error_stop_hands_the_conversation_off(chat: Any) -> None:
    c = chat(calling([ERROR], errorHandling={"onError": "stop"}))
    c.say()
    events = c.result(None, None, "timeout")
    [handoff] = events.of(HandoffStarted)
    assert (handoff.reason, handoff.context, handoff.node_id) == ("api_error", "timeout", "call")
    assert events.texts == []
    assert c.state.status == "handoff"


def test_on_error_retry_asks_again_after_the_delay_then_gives_up(chat: Any) -> None:
    c = chat(
        calling([ERROR], errorHandling={"onError": "retry", "maxRetries": 2, "retryDelay": 30})
    )
    c.say()
    first = c.state.pending_call.request_id
    events = c.result(500)
    assert events.of(ApiCallCompleted)[0].outcome == "retry"
    [timer] = events.of(TimerScheduled)
    assert (timer.kind, timer.fire_at) == ("api_retry", c.now + 30)
    assert c.state.waiting_on == "api_call"
    assert c.result(200, request_id=first).kinds == ["command_ignored"]  # a late duplicate

    [second] = c.fire("api_retry").of(ApiCallRequested)
    assert (second.attempt, second.request_id != first) == (2, True)
    c.result(500)
    [third] = c.fire("api_retry").of(ApiCallRequested)
    assert third.attempt == 3
    assert c.result(500).texts == ["ko HTTP 500"]


def test_a_retry_without_delay_asks_again_at_once(chat: Any) -> None:
    c = chat(calling(errorHandling={"onError": "retry", "maxRetries": 1, "retryDelay": 0}))
    c.say()
    assert c.result(500).of(ApiCallRequested)[0].attempt == 2
    assert c.result(200, {"v": 1}).texts == ["after 200 1"]


def test_a_result_for_another_request_is_ignored(chat: Any) -> None:
    c = chat(calling())
    c.say()
    assert c.result(200, request_id="someone-else").kinds == ["command_ignored"]
    assert c.state.waiting_on == "api_call"


def test_an_api_call_without_url_is_recorded_and_skipped(chat: Any) -> None:
    c = chat(calling(url="  "))
    events = c.say()
    assert events.of(NodeFailed)[0].reason == "api_call without url"
    assert events.texts == ["after  "]


def _hooked(**hook: Any) -> dict[str, Any]:
    nodes = [
        node("start", "start"),
        node("q", "question", content="Name?", variableName="name"),
        node("hook", "webhook", **hook),
        node("end", "end", content="done"),
    ]
    edges = [
        {"source": "start", "target": "q"},
        {"source": "q", "target": "hook"},
        {"source": "hook", "target": "end"},
    ]
    return {"canvas_data": {"nodes": nodes, "edges": edges}}


def test_a_webhook_is_fire_and_forget_with_the_conversations_variables(chat: Any) -> None:
    c = chat(_hooked(url="https://hooks/{{name}}", headers={"X": "{{name}}"}))
    c.say()
    events = c.say("Grace")
    [hook] = events.of(WebhookRequested)
    assert (hook.method, hook.url, hook.headers) == ("POST", "https://hooks/Grace", {"X": "Grace"})
    assert hook.body["variables"] == {"name": "Grace"}
    assert hook.body["conversation_id"] == c.state.conversation_id
    assert events.texts == ["done"]


def test_a_webhook_sends_its_own_rendered_body_when_it_has_one(chat: Any) -> None:
    c = chat(_hooked(url="https://h", method="put", body={"who": "{{name}}"}))
    c.say()
    [hook] = c.say("Grace").of(WebhookRequested)
    assert (hook.method, hook.body) == ("PUT", {"who": "Grace"})


def test_a_webhook_without_url_is_recorded_and_never_blocks(chat: Any) -> None:
    c = chat(_hooked())
    c.say()
    events = c.say("Grace")
    assert events.of(NodeFailed)[0].reason == "webhook without url"
    assert events.texts == ["done"]


def test_a_result_for_a_flow_that_disappeared_closes_flow_unavailable(chat: Any) -> None:
    c = chat(calling())
    c.say()
    c.by_version.clear()
    events = c.result(200, {"v": 1})
    assert events.of(ApiCallCompleted)[0].outcome == "success"
    assert c.state.close_reason == "flow_unavailable"


def test_a_timer_of_a_flow_that_disappeared_closes_flow_unavailable(chat: Any) -> None:
    c = chat(calling(errorHandling={"onError": "retry", "retryDelay": 5}))
    c.say()
    c.result(500)
    c.by_version.clear()
    c.fire("api_retry")
    assert c.state.close_reason == "flow_unavailable"
