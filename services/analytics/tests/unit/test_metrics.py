"""Metric math: rates and averages (no division by zero), node order, funnels, deliveries,
delivery status precedence and the 24-hour window."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from pytake_analytics.domain.deliveries import error_code_of, from_delivery, from_status, status_of
from pytake_analytics.domain.metrics import (
    Stops,
    Totals,
    conversation_metrics,
    delivery_funnel,
    funnel,
    node_order,
)
from pytake_analytics.domain.window import window
from pytake_shared import contracts as c

T = datetime(2024, 5, 1, tzinfo=UTC)


def test_conversation_metrics_are_rates_and_averages_over_conversations() -> None:
    m = conversation_metrics(
        Totals(
            conversations=3,
            completed=2,
            messages=10,
            duration_s=540,
            handoffs=1,
            contacts=2,
            latency_count=2,
            latency_sum_ms=3001,
            latency_p50_ms=1500.5,
            latency_p95_ms=1950.04,
        )
    )
    assert (m["completion_rate_percent"], m["handoff_rate_percent"]) == (66.67, 33.33)
    assert (m["avg_messages_per_conversation"], m["avg_conversation_duration_minutes"]) == (
        3.33,
        3.0,
    )
    assert m["first_response_latency_ms"] == {
        "samples": 2,
        "avg": 1500.5,
        "p50": 1500.5,
        "p95": 1950.0,
    }


def test_no_conversations_gives_zeros_not_errors() -> None:
    m = conversation_metrics(Totals())
    assert m["completion_rate_percent"] == 0.0 and m["avg_conversation_duration_minutes"] == 0.0
    assert m["first_response_latency_ms"] == {"samples": 0, "avg": None, "p50": None, "p95": None}


def test_nodes_are_ordered_from_the_start_along_the_edges_then_the_unreached() -> None:
    doc = {
        "canvas_data": {
            "nodes": [
                {"id": "z", "type": "end"},
                {"id": "lost", "type": "message"},
                {"id": "b", "type": "message"},
                {"id": "s", "type": "start"},
            ],
            "edges": [
                {"source": "s", "target": "b"},
                {"source": "b", "target": "z"},
                {"source": "b", "target": "ghost"},
            ],
        }
    }
    assert node_order(doc) == [("s", "start"), ("b", "message"), ("z", "end"), ("lost", "message")]
    assert node_order({}) == []


def test_the_funnel_derives_left_and_drop_off_and_keeps_nodes_gone_from_the_document() -> None:
    rows = funnel(
        [("s", "start"), ("q", "question")],
        {"s": (10, 10), "q": (8, 12), "old": (1, 1)},
        {"q": Stops(total=5, open=2, completed=0, dropped=3), "old": Stops(1, 0, 0, 1)},
    )
    by = {r["node_id"]: r for r in rows}
    assert [r["node_id"] for r in rows] == ["s", "q", "old"]
    assert (by["s"]["left"], by["s"]["stopped_here"]) == (10, 0)
    assert (by["q"]["left"], by["q"]["visits"], by["q"]["drop_off_rate_percent"]) == (3, 12, 37.5)
    assert by["old"]["node_type"] == ""


def test_the_delivery_funnel_rates_are_of_queued_and_failures_sort_by_count() -> None:
    out = delivery_funnel(
        {"queued": 4, "accepted": 3, "delivered": 2, "read": 1, "failed": 1}, {131026: 1, None: 2}
    )
    assert (out["accepted_rate_percent"], out["read_rate_percent"]) == (75.0, 25.0)
    assert out["failures_by_code"] == [{"code": None, "count": 2}, {"code": 131026, "count": 1}]
    assert delivery_funnel({}, {})["delivered_rate_percent"] == 0.0


def test_delivery_records_and_statuses_map_to_updates() -> None:
    org = str(uuid.uuid4())
    acc = from_delivery(c.DELIVERY_ACCEPTED, {"outbound_id": "o", "wamid": "w"}, T, org)
    assert acc is not None and (acc.accepted_at, acc.wamid) == (T, "w")
    retry = from_delivery(c.DELIVERY_RETRYING, {"outbound_id": "o", "attempt": 3}, T, org)
    assert retry is not None and retry.retries == 3
    fail = from_delivery(
        c.DELIVERY_FAILED, {"outbound_id": "o", "code": 131026, "reason": "x"}, T, org
    )
    assert fail is not None and (fail.send_error_code, fail.send_failed_at) == (131026, T)
    assert from_delivery(c.DELIVERY_ACCEPTED, {"outbound_id": "o"}, T, None) is None
    unknown = from_delivery(c.DELIVERY_INDEFINITE, {"outbound_id": "o", "reason": "why"}, T, org)
    assert unknown is not None and (unknown.indefinite_at, unknown.indefinite_reason) == (T, "why")
    status = {
        "status": "read",
        "timestamp": "1714521600",
        "id": "w",
        "biz_opaque_callback_data": "o",
    }
    read = from_status({"status": status}, T, org)
    assert read is not None and read.read_at == datetime.fromtimestamp(1714521600, UTC)
    failed = from_status(
        {"status": {**status, "status": "failed", "errors": [{"code": 131047}]}}, T, org
    )
    assert failed is not None and failed.status_error_code == 131047
    assert from_status({"status": {"status": "read", "id": "w"}}, T, org) is None  # not ours


def test_the_furthest_stage_is_the_status_and_a_failure_wins() -> None:
    assert status_of({}) == "queued"
    assert status_of({"retries": 1}) == "retrying"
    assert status_of({"retries": 1, "indefinite_at": T}) == "indefinite"
    assert status_of({"indefinite_at": T, "sent_at": T}) == "sent"  # a late status tells
    assert status_of({"accepted_at": T, "delivered_at": T}) == "delivered"
    assert status_of({"accepted_at": T, "read_at": T, "status_failed_at": T}) == "failed"
    assert error_code_of({"send_error_code": 1, "status_error_code": 2}) == 2


def test_the_window_runs_24_hours_from_the_last_inbound() -> None:
    w = window(T, T + timedelta(hours=20, minutes=30))
    assert (w.status, w.hours_remaining, w.template_required) == ("active", 3.5, False)
    late = window(T, T + timedelta(hours=24))
    assert (late.status, late.hours_remaining, late.template_required) == ("expired", 0.0, True)
    assert window(None, T).status == "expired"
