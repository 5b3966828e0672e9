"""The conversation fold: events in order give the conversation row and its history rows."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from pytake_analytics.domain.projection import Fact, Unusable, apply, start

ORG = uuid.uuid4()
T = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


def fact(event: str, seconds: float = 0, position: int = 0, **data: Any) -> Fact:
    return Fact(
        event_id=f"e{position}",
        type=event,
        data={"conversation_id": "c1", **data},
        time=T + timedelta(seconds=seconds),
        key="100:55",
        organization_id=str(ORG),
        position=position,
    )


def started(**data: Any) -> Any:
    return start(
        fact(
            "conversation_started",
            organization_id=str(ORG),
            chatbot_id="bot",
            phone_number_id="100",
            contact={"id": "55", "name": "Ada"},
            flow_id="f",
            flow_version=2,
            flow_name="F",
            variables={"a": 1},
            at=int(T.timestamp()),
            **data,
        )
    )


def test_a_started_conversation_is_active_on_its_flow() -> None:
    conv = started()
    assert (conv.id, conv.status, conv.contact_id, conv.organization_id) == (
        "c1",
        "active",
        "55",
        ORG,
    )
    assert (conv.current_flow_id, conv.current_flow_version, conv.variables) == ("f", 2, {"a": 1})
    assert conv.started_at == T


def test_messages_count_and_the_first_response_is_timed_from_the_first_inbound() -> None:
    conv = started()
    out = apply(
        conv, fact("inbound_received", 0, 1, text="hi", message_type="text", at=int(T.timestamp()))
    )
    conv = out.conversation
    assert [(m.direction, m.author, m.text) for m in out.messages] == [("in", "contact", "hi")]
    out = apply(
        conv,
        fact(
            "message_queued",
            2.25,
            2,
            outbound_id="o1",
            node_id="n",
            message={"kind": "text", "text": "Hello"},
        ),
    )
    conv = out.conversation
    assert (conv.messages_in, conv.messages_out, conv.first_response_ms) == (1, 1, 2250)
    assert [(q.outbound_id, q.flow_id, q.flow_version, q.node_id) for q in out.queued] == [
        ("o1", "f", 2, "n")
    ]
    conv = apply(
        conv,
        fact(
            "message_queued",
            9,
            3,
            outbound_id="o2",
            author="agent",
            message={"kind": "template", "template_name": "t"},
        ),
    ).conversation
    assert (conv.messages_out, conv.first_response_ms) == (2, 2250)


def test_nodes_make_the_path_and_visits_on_the_current_flow_version() -> None:
    conv = started()
    out = apply(conv, fact("node_entered", 1, 1, node_id="start", node_type="start"))
    out = apply(
        out.conversation,
        fact(
            "flow_switched",
            2,
            2,
            node_id="j",
            flow_id="g",
            flow_version=5,
            variables={"a": 0, "b": 2},
        ),
    )
    conv = out.conversation
    assert conv.variables == {"a": 1, "b": 2}  # the conversation's values win over defaults
    out = apply(conv, fact("node_entered", 3, 3, node_id="x", node_type="message"))
    assert out.conversation.path == ["start", "x"]
    assert [(v.flow_id, v.flow_version, v.node_id) for v in out.visits] == [("g", 5, "x")]


def test_handoff_resume_and_close_set_the_status_and_outcome() -> None:
    conv = started()
    conv = apply(
        conv, fact("handoff_started", 1, 1, node_id="h", reason="node", at=int(T.timestamp()) + 1)
    ).conversation
    assert (conv.status, conv.had_handoff, conv.current_node_id) == ("handoff", True, "h")
    conv = apply(conv, fact("resumed", 2, 2, node_id=None)).conversation
    assert conv.status == "active"
    conv = apply(conv, fact("variable_set", 3, 3, node_id="s", name="x", value=[1])).conversation
    assert conv.variables["x"] == [1]
    closed = apply(
        conv, fact("conversation_closed", 4, 4, reason="inactivity", at=int(T.timestamp()) + 60)
    ).conversation
    assert (closed.status, closed.completed, closed.close_reason) == ("closed", False, "inactivity")
    assert closed.closed_at == T + timedelta(seconds=60)
    done = apply(conv, fact("conversation_closed", 4, 4, reason="completed")).conversation
    assert done.completed is True
    assert apply(closed, fact("node_entered", 5, 5, node_id="z")).conversation.status == "closed"


def test_events_that_only_record_move_the_last_activity_only() -> None:
    conv = started()
    later = apply(conv, fact("timer_scheduled", 30, 1, timer_id="t", kind="session", fire_at=1))
    assert later.conversation.last_activity_at == T + timedelta(seconds=30)
    assert (later.messages, later.visits, later.queued) == ([], [], [])


def test_unusable_events_are_refused() -> None:
    with pytest.raises(Unusable):
        start(fact("conversation_started", organization_id="not-a-uuid", phone_number_id="1"))
    with pytest.raises(Unusable):
        start(fact("conversation_started", organization_id=str(ORG)))
    with pytest.raises(Unusable):
        apply(started(), fact("message_queued", message={"kind": "text"}))
    with pytest.raises(Unusable):
        apply(started(), fact("node_entered"))
