"""`pytake replay conversation KEY`: rebuild one contact's conversation state event by event.

The key's history (`pytake_shared.history`: its records, the engine's events folded into the
state after each) is printed: the default output is a timeline with a compact diff per step
(node, status, variables, timers...), `--at N` prints the whole state after the Nth event
(time travel) and `--json` gives one JSON object per step.
"""

from __future__ import annotations

from typing import Any, TextIO

import orjson

from pytake_shared.engine.state import ConversationState
from pytake_shared.history import Step, conversations
from pytake_shared.summary import summarize
from pytake_tools.timeline import fmt_time


def diff(before: ConversationState, after: ConversationState) -> str:
    """What changed, compactly: `node: a → b; status: active → waiting; vars: +name='Ada'`."""
    parts: list[str] = []

    def changed(label: str, old: Any, new: Any) -> None:
        if old != new:
            parts.append(f"{label}: {_plain(old)} → {_plain(new)}")

    changed("conversation", before.conversation_id, after.conversation_id)
    changed("flow", _flow(before), _flow(after))
    changed("node", before.current_node_id, after.current_node_id)
    changed("status", _status(before), _status(after))
    var_changes = [
        f"+{k}={_val(v)}" if k not in before.variables else f"{k}={_val(v)}"
        for k, v in after.variables.items()
        if before.variables.get(k, _MISSING) != v
    ] + [f"-{k}" for k in before.variables if k not in after.variables]
    if var_changes:
        parts.append("vars: " + " ".join(var_changes))
    timers = [f"+{after.timers[t].kind}" for t in after.timers if t not in before.timers]
    timers += [f"-{before.timers[t].kind}" for t in before.timers if t not in after.timers]
    if timers:
        parts.append("timers: " + " ".join(timers))
    changed("attempts", before.attempts, after.attempts)
    changed("close_reason", before.close_reason, after.close_reason)
    return "; ".join(parts)


_MISSING = object()


def _val(value: Any) -> str:
    text = repr(value) if isinstance(value, str) else orjson.dumps(value).decode()
    return text if len(text) <= 40 else text[:39] + "…"


def _plain(value: Any) -> str:
    return "-" if value is None else str(value)


def _flow(state: ConversationState) -> str | None:
    return f"{state.flow_id}@{state.flow_version}" if state.flow_id else None


def _status(state: ConversationState) -> str:
    return f"{state.status}({state.waiting_on})" if state.waiting_on else state.status


def state_json(state: ConversationState) -> str:
    return orjson.dumps(state.model_dump(mode="json"), option=orjson.OPT_INDENT_2).decode()


def render_header(key: str, topic: str, steps: list[Step], out: TextIO) -> None:
    by_id = conversations(steps)
    print(f"{key} on {topic}: {len(steps)} events, {len(by_id)} conversation(s)", file=out)
    for cid, mine in by_id.items():
        last = mine[-1].after
        print(
            f"  {cid}  from {fmt_time(mine[0].entry.time)}  flow {_flow(last)}  "
            f"{len(mine)} events  now {_status(last)}",
            file=out,
        )


def render_steps(steps: list[Step], out: TextIO) -> None:
    for step in steps:
        env = step.entry.envelope
        data = env.data if env is not None else {}
        head = (
            f"#{step.number:<3} {fmt_time(step.entry.time)}  @{step.entry.offset:<6} "
            f"{step.event.type:<22} {summarize(step.event.type, data, 80)}"
        )
        print(head.rstrip(), file=out)
        change = diff(step.before, step.after)
        if change:
            print(f"       {change}", file=out)


def render_json(steps: list[Step], out: TextIO) -> None:
    for step in steps:
        line = {
            "step": step.number,
            "partition": step.entry.partition,
            "offset": step.entry.offset,
            "time": fmt_time(step.entry.time),
            "conversation_id": step.conversation_id,
            "event": step.event.model_dump(mode="json"),
            "state": step.after.model_dump(mode="json"),
        }
        out.write(orjson.dumps(line).decode() + "\n")


def render_at(steps: list[Step], n: int, out: TextIO, err: TextIO, *, as_json: bool = False) -> int:
    """The whole state after step `n` (0: before the first shown step); exit code."""
    if not steps:
        print("error: no events for this key", file=err)
        return 1
    if not 0 <= n <= len(steps):
        print(f"error: --at must be between 0 and {len(steps)}", file=err)
        return 2
    state = steps[n - 1].after if n else steps[0].before
    if as_json:
        out.write(orjson.dumps(state.model_dump(mode="json")).decode() + "\n")
        return 0
    if n:
        step = steps[n - 1]
        print(f"state after #{n} {step.event.type} at {fmt_time(step.entry.time)}:", file=out)
    else:
        print("state before the first event:", file=out)
    print(state_json(state), file=out)
    return 0
