"""`pytake replay conversation KEY --flow-version N`: the re-run (`pytake_shared.rerun`) of a
recorded conversation against another version, with the flows read from the config topic,
printed as a table of recorded vs re-run messages per command, or as JSON lines.
"""

from __future__ import annotations

from typing import Any, TextIO

import orjson

from pytake_executor.adapters.flows import ConfigFlows
from pytake_shared.config import ConfigView
from pytake_shared.history import Entry
from pytake_shared.rerun import Rerun, describe
from pytake_shared.rerun import rerun as rerun_with
from pytake_shared.summary import message_text
from pytake_tools.timeline import fmt_time


def rerun(
    key: str,
    events: list[Entry],
    commands: list[Entry],
    view: ConfigView,
    *,
    version: int,
    flow_id: str | None = None,
    conversation_id: str | None = None,
) -> Rerun:
    """The re-run, against the flows on the config topic (`view`)."""
    flows = ConfigFlows(view).lookup()
    return rerun_with(
        key,
        events,
        commands,
        flows,
        version=version,
        flow_id=flow_id,
        conversation_id=conversation_id,
    )


def _texts(messages: list[dict[str, Any]]) -> str:
    return " | ".join(message_text(m) for m in messages) or "(nothing)"


def render(result: Rerun, out: TextIO) -> None:
    print(
        f"re-run of conversation {result.conversation_id}: recorded {result.recorded_flow} "
        f"vs {result.target_flow}, {len(result.rows)} commands (nothing published)",
        file=out,
    )
    for row in result.rows:
        note = f"  [{row.note}]" if row.note else ""
        head = f"#{row.number:<3} {fmt_time(row.entry.time)}  {describe(row.command)}{note}"
        print(head, file=out)
        if row.same:
            print(f"       = {_texts(row.recorded)}", file=out)
        else:
            print(f"   !   recorded {result.recorded_flow}: {_texts(row.recorded)}", file=out)
            print(f"   !   re-run   {result.target_flow}: {_texts(row.rerun)}", file=out)
    first = result.first_divergence
    differing = sum(not r.same for r in result.rows)
    if first is None:
        print("no divergence: both versions queue the same messages", file=out)
    else:
        print(f"first divergence at #{first}; {differing} of {len(result.rows)} differ", file=out)
    for label, state in (("recorded", result.recorded_end), ("re-run", result.rerun_end)):
        where = f"{state.status} at node {state.current_node_id}"
        print(
            f"end state {label}: {where}, variables {orjson.dumps(state.variables).decode()}",
            file=out,
        )
    recorded_kinds = sorted(t.kind for t in result.recorded_end.timers.values())
    if sorted(t.kind for t in result.rerun_end.timers.values()) != recorded_kinds:
        for tid, timer in result.rerun_end.timers.items():
            due = f"{timer.kind} timer {tid[:8]} due {timer.fire_at}"
            print(f"pending in the re-run (not simulated): {due}", file=out)


def render_json(result: Rerun, out: TextIO) -> None:
    for row in result.rows:
        line = {
            "command": row.number,
            "type": row.command.type,
            "offset": row.entry.offset,
            "recorded": row.recorded,
            "rerun": row.rerun,
            "same": row.same,
            "note": row.note or None,
        }
        out.write(orjson.dumps(line).decode() + "\n")
