"""Metric math on projection aggregates (pure): rates, averages, funnels.

Definitions (the original plan's, plus ours): completion rate = conversations that reached an
end of their flow / all; average messages = (in + out) / conversations; duration = close (or
last activity, while open) minus start; handoff rate = conversations that went to a human / all;
first-response latency = first outbound queued minus the contact's first message.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from pytake_shared.flowdoc import raw_parts

PERIODS: dict[str, timedelta | None] = {
    "24h": timedelta(hours=24),
    "7d": timedelta(days=7),
    "30d": timedelta(days=30),
    "all": None,
}


@dataclass(frozen=True)
class Totals:
    """Aggregates of a set of conversations, as the database sums them."""

    conversations: int = 0
    completed: int = 0
    messages: int = 0
    duration_s: float = 0.0  # summed
    handoffs: int = 0
    contacts: int = 0
    latency_count: int = 0
    latency_sum_ms: float = 0.0
    latency_p50_ms: float | None = None
    latency_p95_ms: float | None = None


def percent(part: int, whole: int) -> float:
    return round(100.0 * part / whole, 2) if whole else 0.0


def _avg(total: float, count: int, digits: int = 2) -> float:
    return round(total / count, digits) if count else 0.0


def conversation_metrics(t: Totals) -> dict[str, Any]:
    return {
        "total_conversations": t.conversations,
        "completed_conversations": t.completed,
        "completion_rate_percent": percent(t.completed, t.conversations),
        "avg_messages_per_conversation": _avg(t.messages, t.conversations),
        "avg_conversation_duration_minutes": _avg(t.duration_s / 60, t.conversations),
        "handoff_conversations": t.handoffs,
        "handoff_rate_percent": percent(t.handoffs, t.conversations),
        "unique_contacts": t.contacts,
        "first_response_latency_ms": {
            "samples": t.latency_count,
            "avg": _avg(t.latency_sum_ms, t.latency_count, 1) if t.latency_count else None,
            "p50": None if t.latency_p50_ms is None else round(t.latency_p50_ms, 1),
            "p95": None if t.latency_p95_ms is None else round(t.latency_p95_ms, 1),
        },
    }


def node_order(document: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The flow's nodes as (id, type): breadth-first from the start node along the edges, then
    the nodes no edge reaches, in document order."""
    raw_nodes, raw_edges = raw_parts(document)
    types: dict[str, str] = {}
    for raw in raw_nodes:
        if isinstance(raw, dict) and raw.get("id"):
            types.setdefault(str(raw["id"]), str(raw.get("type") or ""))
    after: dict[str, list[str]] = {}
    for raw in raw_edges:
        if isinstance(raw, dict):
            after.setdefault(str(raw.get("source")), []).append(str(raw.get("target")))
    order: list[str] = []
    queue = deque(n for n, t in types.items() if t == "start")
    seen = set(queue)
    while queue:
        node = queue.popleft()
        order.append(node)
        for nxt in after.get(node, []):
            if nxt in types and nxt not in seen:
                seen.add(nxt)
                queue.append(nxt)
    order += [n for n in types if n not in seen]
    return [(n, types[n]) for n in order]


@dataclass(frozen=True)
class Stops:
    """Conversations whose last node (so far) is one node."""

    total: int = 0
    open: int = 0  # still there (waiting, in handoff)
    completed: int = 0  # ended the flow there
    dropped: int = 0  # closed there without completing (timeout, expiry, agent)


def funnel(
    nodes: list[tuple[str, str]],
    entered: Mapping[str, tuple[int, int]],
    stops: Mapping[str, Stops],
) -> list[dict[str, Any]]:
    """Per node: conversations that entered it (and total visits), that left it for another
    node, and that stopped there — still there, completed there, or dropped there."""
    known = {n for n, _ in nodes}
    rows = [*nodes, *((n, "") for n in sorted(set(entered) | set(stops)) if n not in known)]
    out = []
    for node_id, node_type in rows:
        conversations, visits = entered.get(node_id, (0, 0))
        stop = stops.get(node_id, Stops())
        out.append(
            {
                "node_id": node_id,
                "node_type": node_type,
                "entered": conversations,
                "visits": visits,
                "left": max(0, conversations - stop.total),
                "stopped_here": stop.total,
                "still_here": stop.open,
                "completed_here": stop.completed,
                "dropped_here": stop.dropped,
                "drop_off_rate_percent": percent(stop.dropped, conversations),
            }
        )
    return out


def delivery_funnel(
    counts: Mapping[str, int], failures: Mapping[int | None, int]
) -> dict[str, Any]:
    queued = counts.get("queued", 0)
    stages = ("accepted", "delivered", "read", "failed")
    return {
        "queued": queued,
        **{s: counts.get(s, 0) for s in stages},
        **{f"{s}_rate_percent": percent(counts.get(s, 0), queued) for s in stages},
        "failures_by_code": [
            {"code": code, "count": n}
            for code, n in sorted(failures.items(), key=lambda kv: (-kv[1], kv[0] or 0))
        ],
    }
