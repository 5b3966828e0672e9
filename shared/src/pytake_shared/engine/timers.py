"""What a fired timer does. Every timer was announced by a `TimerScheduled` and is pending in
the state until it fires or is cancelled; a `fire_timer` for any other id (cancelled, fired
already, from an older conversation) is recorded as ignored and changes nothing.

- `session`: 24 hours after the last inbound message the conversation expires (`expired`).
  Scheduled once at the start and moved forward lazily: if the contact wrote since, it is
  scheduled again for 24 hours after that message.
- `delay`: the `delay` node is over; the flow goes on.
- `question_timeout`: no answer within the question's `timeoutMinutes`: the edge labelled
  `timeout`, else the conversation closes (`timeout`).
- `inactivity` / `inactivity_warning`: `inactivity_settings` — close (`inactivity`), transfer
  to a human, or send the reminder; the warning is sent `send_warning_at_minutes` early.
- `api_retry`: request the API call again.
"""

from __future__ import annotations

from pytake_shared.contracts.conversation_events import CommandIgnored, TimerElapsed
from pytake_shared.engine.commands import FireTimer
from pytake_shared.engine.flow import Node
from pytake_shared.engine.nodes import calls
from pytake_shared.engine.run import Run
from pytake_shared.engine.state import INPUT_TIMERS, WINDOW_SECONDS


def on_timer(run: Run, fired: FireTimer) -> Node | None:
    timer = run.state.timers.get(fired.timer_id)
    if timer is None:
        run.emit(CommandIgnored(command=fired.type, reason="not_pending"))
        return None
    run.emit(TimerElapsed(timer_id=fired.timer_id, kind=timer.kind, at=run.now))
    if timer.kind == "session":
        expires = (run.state.last_inbound_at or 0) + WINDOW_SECONDS
        if run.now >= expires:
            run.close("expired")
        else:
            run.schedule("session", expires, None)
        return None
    flow = run.flow
    node = flow.nodes.get(timer.node_id or "") if flow is not None else None
    if node is None:
        run.close("flow_unavailable")
        return None
    if timer.kind == "delay":
        return run.follow(node)
    if timer.kind == "api_retry":
        return calls.retry(run, node)
    if timer.kind == "question_timeout":
        run.cancel(INPUT_TIMERS)
        edge = flow.edge_for(node.id, "timeout") if flow is not None else None
        if edge is not None:
            return run.go(edge)
        run.close("timeout")
        return None
    settings = run.setting("inactivity_settings")
    action = settings.get("action") or "close"
    if timer.kind == "inactivity_warning" or action == "send_reminder":
        text = run.render(settings.get("warning_message")) or run.text("inactivity_reminder")
        run.send(node.id, {"kind": "text", "text": text})
    elif action == "transfer":
        run.handoff(node.id, "inactivity")
    else:
        run.close("inactivity")
    return None
