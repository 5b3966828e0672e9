"""`python -m bench tracing`: what OpenTelemetry costs one consumer hop, off and on.

A hop as the services make it: the consumer loop's span for the record (`tracing.consume`),
one Graph-style client span inside it, and the envelope the hop writes (`Envelope.new` with
`causation=`). Three runs of the same loop: without any tracing call (the floor), with tracing
off (the calls, no endpoint set: the production default), and on, exporting over OTLP/HTTP to
a local collector that answers at once. The cost per hop is the difference to the floor.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from pytake_shared import tracing
from pytake_shared.envelope import Envelope
from pytake_shared.kafka import Record

Row = tuple[str, int, float, str]


class _Collector(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def _record(n: int) -> Record:
    env = Envelope.new(
        "pytake.bench.hop", source="bench", subject=f"1:{n}", data={"n": n}, correlation_id="w"
    )
    return Record("bench.topic", n % 12, n, env.subject, env, timestamp_ms=0)


def _floor(record: Record) -> None:
    Envelope.new(
        "pytake.bench.next", source="bench", subject="s", data={}, causation=record.envelope
    )


def _traced(record: Record) -> None:
    with tracing.consume([record], "bench"), tracing.client("POST /messages"):
        Envelope.new(
            "pytake.bench.next", source="bench", subject="s", data={}, causation=record.envelope
        )


def _time(hop: Callable[[Record], None], records: list[Record]) -> float:
    started = time.perf_counter()
    for record in records:
        hop(record)
    return time.perf_counter() - started


def run(n: int) -> list[Row]:
    records = [_record(i) for i in range(n)]
    floor = _time(_floor, records)
    off = _time(_traced, records)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Collector)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    os.environ["OTEL_EXPORTER_OTLP_ENDPOINT"] = f"http://127.0.0.1:{server.server_port}"
    try:
        tracing.setup("bench")
        on = _time(_traced, records)
        tracing.shutdown()
    finally:
        del os.environ["OTEL_EXPORTER_OTLP_ENDPOINT"]
        server.shutdown()

    def per_hop(seconds: float) -> str:
        extra = (seconds - floor) / n * 1e6
        return f"{seconds / n * 1e6:,.1f} µs per hop ({extra:+,.1f} µs for tracing)"

    return [
        ("hop without tracing calls (floor)", n, floor, f"{floor / n * 1e6:,.1f} µs per hop"),
        ("hop, tracing off (no endpoint: the default)", n, off, per_hop(off)),
        ("hop, tracing on (OTLP/HTTP to a local collector)", n, on, per_hop(on)),
    ]
