"""Re-run a recorded conversation against another flow version, in memory, without effects.

The conversation's commands (from conversation.commands.v1) go through the executor's own
`decide`/`evolve`, starting from the state recorded just before its first command, with the
chosen flow version substituted for the one it ran; nothing is published and nothing is called:
API call results come from the recorded commands. The messages each command made the other
version queue are printed next to the ones actually queued (the recorded `message_queued`
events), and the first divergence is pointed out.

Ids follow the state's counters, so another version may ask for an API call or a timer under
another id than the recorded result or firing carries; such a result or firing is handed to
the call or timer (of the same kind) the re-run is waiting on. Timers the re-run schedules but
the recording never fired are not simulated; they are listed as pending at the end.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from pytake_shared.contracts.conversation_events import (
    ConversationStarted,
    MessageQueued,
    TimerScheduled,
)
from pytake_shared.engine.commands import Command, CompleteApiCall, FireTimer, HandleInbound
from pytake_shared.engine.engine import decide
from pytake_shared.engine.flow import Flow
from pytake_shared.engine.records import to_command
from pytake_shared.engine.run import Flows
from pytake_shared.engine.state import ConversationState, evolve
from pytake_shared.errors import InvalidInput
from pytake_shared.history import Entry, decode_event


class RerunError(Exception):
    """The re-run cannot be made (no such conversation, flow version or commands)."""


@dataclass
class Row:
    number: int
    entry: Entry
    command: Command
    recorded: list[dict[str, Any]] = field(default_factory=list)
    rerun: list[dict[str, Any]] = field(default_factory=list)
    note: str = ""

    @property
    def same(self) -> bool:
        return self.recorded == self.rerun


@dataclass
class Rerun:
    conversation_id: str
    recorded_flow: str
    target_flow: str
    rows: list[Row]
    recorded_end: ConversationState
    rerun_end: ConversationState

    @property
    def first_divergence(self) -> int | None:
        return next((r.number for r in self.rows if not r.same), None)


def substituted(base: Flows, target: Flow, started: tuple[str, int] | None) -> Flows:
    """`base` with every version of `target`'s flow replaced by `target`; the main flow is
    the one the recorded conversation started with (the chatbot's may have moved on)."""

    def by_version(flow_id: str, version: int) -> Flow | None:
        return target if flow_id == target.id else base.by_version(flow_id, version)

    def main_flow(chatbot_id: str) -> Flow | None:
        if started is None:
            flow = base.main_flow(chatbot_id)
            return target if flow is not None and flow.id == target.id else flow
        return by_version(*started)

    def by_id(chatbot_id: str, flow_id: str) -> Flow | None:
        return target if flow_id == target.id else base.by_id(chatbot_id, flow_id)

    return Flows(main_flow=main_flow, by_version=by_version, by_id=by_id)


def rerun(
    key: str,
    events: list[Entry],
    commands: list[Entry],
    flows: Flows,
    *,
    version: int,
    flow_id: str | None = None,
    conversation_id: str | None = None,
) -> Rerun:
    decoded = [(e, ev) for e in events if (ev := decode_event(e)) is not None]
    owners = [_owner(e) for e, _ in decoded]
    known = list(dict.fromkeys(o for o in owners if o))
    if not known:
        raise RerunError(f"no conversation recorded for {key}")
    chosen = conversation_id or known[-1]
    if chosen not in known:
        raise RerunError(f"no conversation {chosen} for {key}; known: {', '.join(known)}")
    mine = [(e, ev) for (e, ev), o in zip(decoded, owners, strict=True) if o == chosen]
    started = next(
        ((ev.flow_id, ev.flow_version) for _, ev in mine if isinstance(ev, ConversationStarted)),
        None,
    )
    target_id = flow_id or (started[0] if started else None)
    if target_id is None:
        raise RerunError("the conversation's start is not recorded: pass --flow-id")
    target = flows.by_version(target_id, version)
    if target is None:
        raise RerunError(f"flow {target_id}@{version} is not known (or invalid)")

    causes = {e.envelope.causation_id for e, _ in mine if e.envelope is not None}
    indexes = [i for i, c in enumerate(commands) if c.envelope and str(c.envelope.id) in causes]
    if not indexes:
        raise RerunError(f"no recorded command of conversation {chosen} on the commands topic")
    window = commands[indexes[0] : indexes[-1] + 1]
    first_cause = str(window[0].envelope.id) if window[0].envelope else ""

    # The state the executor had when the conversation's first command came.
    state = ConversationState(key=key)
    for entry, event in decoded:
        if entry.envelope is not None and entry.envelope.causation_id == first_cause:
            break
        state = evolve(state, event)
    recorded_end = _end_of(key, decoded, owners, chosen)

    timer_kinds = {ev.timer_id: ev.kind for _, ev in decoded if isinstance(ev, TimerScheduled)}
    lookup = substituted(flows, target, started)
    rows: list[Row] = []
    for number, entry in enumerate(window, start=1):
        env = entry.envelope
        assert env is not None
        try:
            command = to_command(env)
        except InvalidInput:
            continue
        row = Row(number, entry, command)
        row.recorded = [
            ev.message
            for e, ev in mine
            if isinstance(ev, MessageQueued)
            and e.envelope is not None
            and e.envelope.causation_id == str(env.id)
        ]
        command, row.note = _matched(state, command, timer_kinds)
        for event in decide(state, command, lookup):
            state = evolve(state, event)
            if isinstance(event, MessageQueued):
                row.rerun.append(event.message)
        rows.append(row)
    recorded_flow = f"{started[0]}@{started[1]}" if started else "?"
    return Rerun(chosen, recorded_flow, f"{target.id}@{target.version}", rows, recorded_end, state)


def _owner(entry: Entry) -> str | None:
    value = entry.envelope.data.get("conversation_id") if entry.envelope else None
    return value if isinstance(value, str) else None


def _end_of(
    key: str, decoded: list[tuple[Entry, Any]], owners: list[str | None], chosen: str
) -> ConversationState:
    """The recorded state after the last event of conversation `chosen`."""
    state = end = ConversationState(key=key)
    for (_, event), owner in zip(decoded, owners, strict=True):
        state = evolve(state, event)
        if owner == chosen:
            end = state
    return end


def _matched(
    state: ConversationState, command: Command, timer_kinds: Mapping[str, str]
) -> tuple[Command, str]:
    """Hand a recorded API result or timer firing to what the re-run waits on, if its id
    differs (the other version asked at another point, so under another id)."""
    if isinstance(command, CompleteApiCall) and state.pending_call is not None:
        pending = state.pending_call.request_id
        if command.request_id != pending:
            return replace(command, request_id=pending), "api result handed to the re-run's call"
    if isinstance(command, FireTimer) and command.timer_id not in state.timers:
        kind = timer_kinds.get(command.timer_id)
        same = [tid for tid, t in state.timers.items() if t.kind == kind]
        if len(same) == 1:
            return replace(command, timer_id=same[0]), f"{kind} timer matched by kind"
    return command, ""


def describe(command: Command) -> str:
    if isinstance(command, HandleInbound):
        reply = f" (reply {command.reply_id})" if command.reply_id else ""
        return f"inbound {command.text!r}{reply}" if command.text is not None else "inbound"
    if isinstance(command, FireTimer):
        return f"timer_fired {command.timer_id[:8]}"
    if isinstance(command, CompleteApiCall):
        return f"api_call_result {command.status or command.error}"
    return command.type
