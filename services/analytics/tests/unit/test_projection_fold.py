"""The conversation fold: events in order give the conversation row and its history rows.

The events are built with the topic's contract (the models the executor writes them with), so
a field renamed there fails here."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from pytake_analytics.domain.projection import Fact, Unusable, apply, start
from pytake_shared.contracts import conversation_events as ev

ORG = uuid.uuid4()
T = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
AT = int(T.timestamp())


def raw(type_: str, seconds: float = 0, position: int = 0, **data: Any) -> Fact:
    """A record as it may arrive, valid or not."""
    return Fact(
        event_id=f"e{position}",
        type=type_,
        data={"conversation_id": "c1", **data},
        time=T + timedelta(seconds=seconds),
        key="100:55",
        organization_id=str(ORG),
        position=position,
    )


def fact(event: ev.Event, seconds: float = 0, position: int = 0) -> Fact:
    """A record as the executor writes it."""
    return raw(event.type, seconds, position, **ev.to_data(event, "c1"))


def started(**fields: Any) -> Any:
    values: dict[str, Any] = {
        "conversation_id": "c1",
        "organization_id": str(ORG),
        "chatbot_id": "bot",
        "phone_number_id": "100",
        "contact": {"id": "55", "name": "Ada"},
        "flow_id": "f",
        "flow_version": 2,
        "flow_name": "F",
        "variables": {"a": 1},
        "at": AT,
    }
    return start(fact(ev.ConversationStarted(**{**values, **fields})))


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
        conv, fact(ev.InboundReceived(message_id="m1", text="hi", message_type="text", at=AT), 0, 1)
    )
    conv = out.conversation
    assert [(m.direction, m.author, m.text) for m in out.messages] == [("in", "contact", "hi")]
    out = apply(
        conv,
        fact(
            ev.MessageQueued(
                outbound_id="o1", node_id="n", message={"kind": "text", "text": "Hello"}
            ),
            2.25,
            2,
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
            ev.MessageQueued(
                outbound_id="o2",
                node_id=None,
                author="agent",
                message={"kind": "template", "template_name": "t"},
            ),
            9,
            3,
        ),
    ).conversation
    assert (conv.messages_out, conv.first_response_ms) == (2, 2250)


def test_nodes_make_the_path_and_visits_on_the_current_flow_version() -> None:
    conv = started()
    out = apply(conv, fact(ev.NodeEntered(node_id="start", node_type="start"), 1, 1))
    out = apply(
        out.conversation,
        fact(
            ev.FlowSwitched(
                node_id="j", flow_id="g", flow_version=5, flow_name="G", variables={"a": 0, "b": 2}
            ),
            2,
            2,
        ),
    )
    conv = out.conversation
    assert conv.variables == {"a": 1, "b": 2}  # the conversation's values win over defaults
    out = apply(conv, fact(ev.NodeEntered(node_id="x", node_type="message"), 3, 3))
    assert out.conversation.path == ["start", "x"]
    assert [(v.flow_id, v.flow_version, v.node_id) for v in out.visits] == [("g", 5, "x")]


def test_handoff_resume_and_close_set_the_status_and_outcome() -> None:
    conv = started()
    conv = apply(
        conv, fact(ev.HandoffStarted(node_id="h", reason="node", at=AT + 1), 1, 1)
    ).conversation
    assert (conv.status, conv.had_handoff, conv.current_node_id) == ("handoff", True, "h")
    conv = apply(conv, fact(ev.Resumed(node_id=None, at=AT + 2), 2, 2)).conversation
    assert conv.status == "active"
    conv = apply(conv, fact(ev.VariableSet(node_id="s", name="x", value=[1]), 3, 3)).conversation
    assert conv.variables["x"] == [1]
    closed = apply(
        conv, fact(ev.ConversationClosed(reason="inactivity", at=AT + 60), 4, 4)
    ).conversation
    assert (closed.status, closed.completed, closed.close_reason) == ("closed", False, "inactivity")
    assert closed.closed_at == T + timedelta(seconds=60)
    done = apply(
        conv, fact(ev.ConversationClosed(reason="completed", at=AT + 4), 4, 4)
    ).conversation
    assert done.completed is True
    assert (
        apply(
            closed, fact(ev.NodeEntered(node_id="z", node_type="message"), 5, 5)
        ).conversation.status
        == "closed"
    )


def test_events_that_only_record_move_the_last_activity_only() -> None:
    conv = started()
    later = apply(conv, fact(ev.TimerScheduled(timer_id="t", kind="session", fire_at=1), 30, 1))
    assert later.conversation.last_activity_at == T + timedelta(seconds=30)
    assert (later.messages, later.visits, later.queued) == ([], [], [])


def test_unusable_events_are_refused() -> None:
    with pytest.raises(Unusable):
        started(organization_id="not-a-uuid")
    with pytest.raises(Unusable):
        start(raw("conversation_started", organization_id=str(ORG)))
    with pytest.raises(Unusable):
        apply(started(), raw("message_queued", message={"kind": "text"}))
    with pytest.raises(Unusable):
        apply(started(), raw("node_entered"))


def test_an_event_newer_than_the_contract_only_counts_as_activity() -> None:
    later = apply(started(), raw("sentiment_scored", 40, 1, score=0.9))
    assert later.conversation.last_activity_at == T + timedelta(seconds=40)
    assert (later.messages, later.visits, later.queued) == ([], [], [])
