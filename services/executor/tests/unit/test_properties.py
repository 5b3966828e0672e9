"""Properties over the example flows: random sequences of messages, button and list replies,
timer firings, API results and agent commands never raise, never pass the iteration cap,
always leave the conversation at a node of its flow (or closed), and replay exactly (the
`Chat` kit replays the whole history through JSON after every command)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pytake_shared.contracts import OutboundMessage
from pytake_shared.contracts.conversation_events import MessageQueued, NodeEntered, TimerScheduled
from pytake_shared.engine.commands import FireTimer
from pytake_shared.engine.engine import MAX_FLOW_ITERATIONS
from pytake_shared.engine.flow import load_flow

FIXTURES = Path(__file__).parent.parent / "fixtures" / "flows"


def _document(name: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((FIXTURES / f"{name}.json").read_text())
    return document


def _busy(document: dict[str, Any]) -> dict[str, Any]:
    """The same flow with every timer-driven rule switched on."""
    busy = copy.deepcopy(document)
    busy["inactivity_settings"] = {
        "enabled": True,
        "timeout_minutes": 30,
        "action": "send_reminder",
        "warning_message": "Still there?",
        "send_warning_at_minutes": 10,
    }
    busy["window_expiry_settings"] = {"action": "send_template", "template_name": "reopen"}
    for node in busy["canvas_data"]["nodes"]:
        if node["type"] == "question":
            node["data"]["timeoutMinutes"] = 15
        if node["type"] == "api_call":
            node["data"]["errorHandling"] = {"onError": "retry", "maxRetries": 1, "retryDelay": 60}
    # A delay right after the start node.
    canvas = busy["canvas_data"]
    canvas["nodes"].append({"id": "pause", "type": "delay", "data": {"delaySeconds": 3600}})
    first = next(e for e in canvas["edges"] if e["source"] == "start")
    canvas["edges"].append({"source": "pause", "target": first["target"]})
    first["target"] = "pause"
    return busy


FLOWS = [
    load_flow("flow-1", 1, "Pizza", _document("pizza_order")),
    load_flow("flow-1", 1, "Support", _document("support_lookup")),
    load_flow("flow-1", 1, "Busy pizza", _busy(_document("pizza_order"))),
    load_flow("flow-1", 1, "Busy support", _busy(_document("support_lookup"))),
]

_texts = st.sampled_from(
    [
        "hi",
        "Order a pizza",
        "Medium",
        "seven",
        "7",
        "2",
        "ada@example.com",
        "nope",
        "Billing",
        "Something else",
        "See prices",
        "",
        "   ",
    ]
) | st.text(max_size=15)
_ids = st.sampled_from(
    ["order", "prices", "human", "small", "medium", "large", "billing", "password", "other", "x"]
)
_bodies = st.sampled_from(
    [None, {"name": "Ada", "plan": "Pro"}, '{"name": "B"}', "not json", [1, 2], {"detail": "x"}]
)
_actions = st.lists(
    st.one_of(
        st.tuples(st.just("say"), _texts),
        st.tuples(st.just("reply"), _ids),
        st.tuples(st.just("fire"), st.integers(0, 50)),
        st.tuples(st.just("result"), st.sampled_from([200, 201, 404, 500, None]), _bodies),
        st.tuples(st.just("wait"), st.sampled_from([30, 600, 3600, 86_400, 90_000])),
        st.tuples(st.just("agent"), st.sampled_from(["Hello from Bob", " "])),
        st.tuples(st.just("people"), st.sampled_from(["resume", "close", "restart", "status"])),
    ),
    max_size=25,
)


def seen_timers(c: Any) -> set[str]:
    return {e.timer_id for e in c.history if isinstance(e, TimerScheduled)}


def _act(c: Any, action: tuple[Any, ...]) -> Any:
    kind = action[0]
    if kind == "say":
        return c.say(action[1])
    if kind == "reply":
        return c.say(action[1].title(), reply=action[1])
    if kind == "fire":
        # Mostly a pending timer, due now; sometimes one fired or cancelled already (stale).
        seen = sorted(seen_timers(c))
        pending = sorted(c.state.timers)
        if not seen:
            return None
        if pending and action[1] % 4:
            timer_id = pending[action[1] % len(pending)]
            c.now = max(c.now, c.state.timers[timer_id].fire_at)
        else:
            timer_id = seen[action[1] % len(seen)]
        return c(FireTimer(command_id=f"fire-{len(c.history)}", timer_id=timer_id, at=c.now))
    if kind == "result":
        return c.result(action[1], action[2], None if action[1] else "timeout")
    if kind == "wait":
        c.tick(action[1])
        return None
    if kind == "agent":
        return c.agent(action[1])
    return {"resume": c.resume, "close": c.close, "restart": c.restart, "status": c.status}[
        action[1]
    ]()


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.sampled_from(FLOWS), _actions)
def test_random_conversations_stay_valid_and_replayable(
    chat: Any, flow: Any, actions: list[tuple[Any, ...]]
) -> None:
    c = chat(flow)
    for action in actions:
        events = _act(c, action) or []
        assert sum(isinstance(e, NodeEntered) for e in events) <= MAX_FLOW_ITERATIONS
        for event in events:
            if isinstance(event, MessageQueued):
                OutboundMessage.model_validate(event.message)
        state = c.state
        if state.status in ("new", "closed"):
            assert not state.timers and state.pending_call is None
            continue
        assert state.current_node_id in flow.nodes
        assert state.status in ("waiting", "handoff")
        if state.status == "waiting":
            assert state.waiting_on is not None
        if state.waiting_on == "api_call":
            retrying = any(t.kind == "api_retry" for t in state.timers.values())
            assert (state.pending_call is not None) != retrying
        kinds = [t.kind for t in state.timers.values()]
        assert kinds.count("session") == 1
        assert len(kinds) == len(set(kinds))  # never two timers of a kind at once
