"""Tracing off by default, and on: a hop's envelopes continue the span handling their cause."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from pytake_shared import tracing
from pytake_shared.envelope import Envelope
from pytake_shared.kafka import Record

PARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"


def _record(traceparent: str | None) -> Record:
    env = Envelope.new("pytake.t.cause", source="t", subject="k", data={})
    env = env.model_copy(update={"traceparent": traceparent})
    return Record("t.topic", 0, 7, "k", env, timestamp_ms=0)


def _effect(record: Record) -> Envelope:
    return Envelope.new(
        "pytake.t.effect", source="t", subject="k", data={}, causation=record.envelope
    )


class _Sink(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def exporting(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Sink)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", f"http://127.0.0.1:{server.server_port}")
    assert tracing.setup("test")
    try:
        yield
    finally:
        tracing.shutdown()
        server.shutdown()


def test_without_an_endpoint_nothing_is_traced_and_the_cause_s_context_is_kept(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in tracing.ENDPOINT_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    assert not tracing.setup("test") and not tracing.enabled()
    record = _record(PARENT)
    with tracing.consume([record], "g"), tracing.server("x"), tracing.client("y"):
        assert tracing.current_traceparent() is None
        assert _effect(record).traceparent == PARENT  # passed along untouched
    assert Envelope.new("pytake.t.x", source="t", subject="k", data={}).traceparent is None


def test_a_hops_envelopes_are_children_of_the_span_handling_their_cause(exporting: None) -> None:
    record = _record(PARENT)
    with tracing.consume([record], "g"):
        effect = _effect(record)
        current = tracing.current_traceparent()
    assert effect.traceparent is not None and effect.traceparent == current
    version, trace_id, span_id, flags = effect.traceparent.split("-")
    assert (version, trace_id, flags) == ("00", PARENT.split("-")[1], "01")  # the same trace
    assert span_id != PARENT.split("-")[2]  # under a span of its own
    # Once handled, a record's later effects carry what it carried.
    assert _effect(record).traceparent == PARENT


def test_a_request_served_starts_a_trace_its_records_continue(exporting: None) -> None:
    with tracing.server("POST /webhook"):
        env = Envelope.new("pytake.t.in", source="t", subject="k", data={})
    assert env.traceparent is not None and env.traceparent.startswith("00-")
    batch = [_record(env.traceparent), _record(None)]
    with tracing.consume(batch, "g"):  # a batch: each record its own span and trace
        first, second = _effect(batch[0]), _effect(batch[1])
    assert first.traceparent is not None and second.traceparent is not None
    assert first.traceparent.split("-")[1] == env.traceparent.split("-")[1]
    assert second.traceparent.split("-")[1] != env.traceparent.split("-")[1]
