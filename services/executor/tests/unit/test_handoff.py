"""Handoff and the commands that come from people: agent messages, close, resume, restart."""

from __future__ import annotations

from typing import Any

from pytake_shared.contracts.conversation_events import (
    ConversationAssigned,
    HandoffStarted,
    InboundIgnored,
    MessageQueued,
    Resumed,
)

from .documents import chain, node, two_questions


def _inactive(**settings: Any) -> dict[str, Any]:
    return two_questions(inactivity_settings={"enabled": True, "timeout_minutes": 10, **settings})


def _handoff(**data: Any) -> dict[str, Any]:
    return chain(
        node("start", "start"),
        node("h", "handoff", transferMessage="Wait for {{contact.name}}'s agent", **data),
        node("after", "question", content="Back with the bot. Name?", variableName="name"),
    )


def test_handoff_sends_the_transfer_message_and_pauses_the_bot(chat: Any) -> None:
    c = chat(_handoff(priority="URGENT", contextMessage="vip {{contact.phone}}"))
    events = c.say()
    assert events.texts == ["Wait for Ada's agent"]
    [handoff] = events.of(HandoffStarted)
    assert (handoff.priority, handoff.context, handoff.reason) == (
        "urgent",
        "vip 5511988887777",
        "node",
    )
    ignored = c.say("hello?")
    assert ignored.of(InboundIgnored)[0].reason == "handoff"
    assert ignored.texts == []
    assert c.state.last_input == "hello?"


def test_handoff_can_skip_the_transfer_message_and_defaults_the_priority(chat: Any) -> None:
    c = chat(_handoff(sendTransferMessage=False, priority="whenever"))
    events = c.say()
    assert events.texts == []
    assert events.of(HandoffStarted)[0].priority == "normal"


def test_agent_messages_are_queued_in_order_with_the_bots(chat: Any) -> None:
    c = chat(_handoff())
    bot = c.say().of(MessageQueued)
    agent = c.agent("Hi, I am Bob").of(MessageQueued)
    assert [m.author for m in bot + agent] == ["bot", "agent"]
    assert agent[0].node_id is None
    assert agent[0].outbound_id != bot[0].outbound_id
    assert c.state.messages_queued == 2


def test_resume_continues_after_the_handoff_node(chat: Any) -> None:
    c = chat(_handoff())
    c.say()
    events = c.resume()
    assert events.of(Resumed)[0].node_id is None
    assert events.texts == ["Back with the bot. Name?"]
    assert c.state.status == "waiting"


def test_resume_at_a_chosen_node(chat: Any) -> None:
    c = chat(_handoff())
    c.say()
    assert c.resume("h").texts == ["Wait for Ada's agent"]
    assert c.resume("ghost").kinds == ["command_ignored"]


def test_resume_after_an_inactivity_transfer_asks_the_question_again(chat: Any) -> None:
    c = chat(_inactive(action="transfer"))
    c.say()
    c.fire("inactivity")
    assert c.resume().texts == ["Name?"]


def test_close_ends_an_open_conversation_and_only_that(chat: Any) -> None:
    c = chat(_handoff())
    assert c.close().kinds == ["command_ignored"]
    c.say()
    events = c.close("resolved")
    assert events.kinds[-1] == "conversation_closed"
    assert c.state.close_reason == "resolved"
    assert c.close().kinds == ["command_ignored"]
    assert c.resume().kinds == ["command_ignored"]


def test_the_people_commands_are_ignored_without_a_conversation(chat: Any) -> None:
    c = chat(two_questions())
    assert c.agent("hi").kinds == ["command_ignored"]
    assert c.restart().kinds == ["command_ignored"]
    c.say()
    assert c.agent("   ").kinds == ["command_ignored"]


def test_an_agent_may_write_after_the_conversation_closed_within_the_window(chat: Any) -> None:
    c = chat(chain(node("start", "start"), node("e", "end", content="bye")))
    c.say()
    assert c.agent("One more thing").texts == ["One more thing"]
    assert c.state.status == "closed"


def test_restart_closes_and_starts_the_main_flow_afresh(chat: Any) -> None:
    c = chat(two_questions())
    c.say()
    c.say("Ada")
    old = c.state.conversation_id
    events = c.restart()
    assert events.kinds[-1] == "waiting_for_input"
    assert "restarted" in [e.reason for e in events if e.type == "conversation_closed"]
    assert events.texts == ["Name?"]
    assert c.state.conversation_id != old and c.state.variables == {}


def test_restart_can_start_another_flow_of_the_chatbot(chat: Any) -> None:
    other = chain(node("s", "start"), node("m", "end", content="other flow"), name="Other")
    c = chat(two_questions(), other)
    c.say()
    assert c.restart("flow-2").texts == ["other flow"]
    assert c.state.flow_id == "flow-2"
    assert c.restart("flow-9").kinds == ["command_ignored"]


def test_an_agent_taking_over_an_active_conversation_pauses_the_bot(chat: Any) -> None:
    c = chat(two_questions())
    c.say()
    events = c.assign("agent-7")
    [assigned] = events.of(ConversationAssigned)
    assert (assigned.agent_id, assigned.by) == ("agent-7", "a-1")
    [handoff] = events.of(HandoffStarted)
    assert handoff.reason == "agent_takeover"
    assert (c.state.assigned_to, c.state.status) == ("agent-7", "handoff")
    assert c.say("Ada").of(InboundIgnored)[0].reason == "handoff"  # the agent answers now
    # Assigning the same agent again changes nothing; letting go keeps the handoff.
    assert c.assign("agent-7").kinds == ["command_ignored"]
    released = c.assign(None)
    assert released.of(ConversationAssigned)[0].agent_id is None
    assert (c.state.assigned_to, c.state.status) == (None, "handoff")


def test_assigning_without_takeover_leaves_the_bot_talking(chat: Any) -> None:
    c = chat(two_questions())
    c.say()
    events = c.assign("agent-7", takeover=False)
    assert events.of(HandoffStarted) == []
    assert c.state.assigned_to == "agent-7" and c.state.status != "handoff"


def test_a_closed_conversation_cannot_be_assigned_and_a_new_one_starts_unassigned(
    chat: Any,
) -> None:
    c = chat(_handoff())
    c.say()
    c.assign("agent-7")
    c.close()
    assert c.assign("agent-8").kinds == ["command_ignored"]
    c.say("hi again")
    assert c.state.assigned_to is None


def test_giving_the_bot_back_lets_the_agent_go(chat: Any) -> None:
    c = chat(_handoff())
    c.say()
    c.assign("agent-7")
    assert c.state.assigned_to == "agent-7"
    events = c.resume()
    assert [e.agent_id for e in events.of(ConversationAssigned)] == [None]
    assert c.state.assigned_to is None


def test_giving_back_a_conversation_nobody_holds_assigns_nothing(chat: Any) -> None:
    c = chat(_handoff())
    c.say()
    assert c.resume().of(ConversationAssigned) == []
