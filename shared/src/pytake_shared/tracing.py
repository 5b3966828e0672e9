"""OpenTelemetry traces across the five services, on when `OTEL_EXPORTER_OTLP_ENDPOINT` (or
`OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) is set, exported over OTLP/HTTP.

The spans: ingress's webhook POST (server), each record a consumer handles (`<topic> process`,
consumer kind, a child of the record's `traceparent`), each Graph API call (client), and each
PostgreSQL query (asyncpg's instrumentation) under whichever span is current.

How the context travels: every envelope carries a W3C `traceparent`, copied into its Kafka
headers. An envelope built with `causation=` while its cause is being handled gets the
traceparent of the span handling the cause (`traceparent_for`), so one message's trace nests
hop by hop: webhook → router → executor → sender → Graph call, with analytics beside them. A
batch (router, executor and the projections take a whole poll at once) gives every record its
own span in its own trace; the batch's queries appear under the first record's span.

Off, every entry point is one global check: the SDK is not even imported, no span object is
made (`make bench ARGS="tracing"` measures both). The exporter reads OpenTelemetry's own
variables (`OTEL_SERVICE_NAME`, `OTEL_EXPORTER_OTLP_HEADERS`, `OTEL_BSP_SCHEDULE_DELAY`...).
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from opentelemetry.trace import Span, Tracer

log = logging.getLogger(__name__)

ENDPOINT_VARIABLES = ("OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
TIMEOUT_VARIABLES = ("OTEL_EXPORTER_OTLP_TIMEOUT", "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT")
_NOOP: contextlib.AbstractContextManager[None] = contextlib.nullcontext()

_tracer: Tracer | None = None
_provider: Any = None
_hops: dict[str, str] = {}  # id of an envelope being handled → traceparent of its span


class Traced(Protocol):
    """What a span is made from: a record being handled (`pytake_shared.kafka.Record`)."""

    @property
    def topic(self) -> str: ...
    @property
    def partition(self) -> int: ...
    @property
    def offset(self) -> int: ...
    @property
    def envelope(self) -> Any: ...


def configured(environ: Mapping[str, str] = os.environ) -> bool:
    return any(environ.get(name) for name in ENDPOINT_VARIABLES)


def setup(service: str) -> bool:
    """Start exporting this process's spans, if an endpoint is configured; True if so."""
    global _tracer, _provider
    if _tracer is not None or not configured():
        return _tracer is not None
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.instrumentation.asyncpg import AsyncPGInstrumentor
    from opentelemetry.sdk.resources import SERVICE_NAME, Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    name = os.environ.get("OTEL_SERVICE_NAME") or f"pytake-{service}"
    provider = TracerProvider(resource=Resource.create({SERVICE_NAME: name}))
    # An export gives up after 2 s (retries included) unless the operator says otherwise: a
    # collector that is away must not hold a service's stop (a pod's grace period is 30 s).
    timeout = None if any(os.environ.get(v) for v in TIMEOUT_VARIABLES) else 2.0
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(timeout=timeout)))
    AsyncPGInstrumentor().instrument(tracer_provider=provider)  # type: ignore[no-untyped-call]
    _provider, _tracer = provider, provider.get_tracer("pytake")
    log.info("tracing: exporting spans as %s", name)
    return True


def shutdown() -> None:
    """Flush what is buffered and stop exporting (a service's last cleanup)."""
    global _tracer, _provider
    if _provider is None:
        return
    from opentelemetry.instrumentation.asyncpg import AsyncPGInstrumentor

    AsyncPGInstrumentor().uninstrument()  # type: ignore[no-untyped-call]
    _provider.shutdown()
    _tracer, _provider = None, None
    _hops.clear()


def enabled() -> bool:
    return _tracer is not None


def _format(span: Span) -> str:
    ctx = span.get_span_context()
    return f"00-{ctx.trace_id:032x}-{ctx.span_id:016x}-{int(ctx.trace_flags):02x}"


def _parent(traceparent: str | None) -> Any:
    if not traceparent:
        return None
    from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

    return TraceContextTextMapPropagator().extract({"traceparent": traceparent})


def current_traceparent() -> str | None:
    """The traceparent of the span current here (None when off or outside any span)."""
    if _tracer is None:
        return None
    from opentelemetry import trace

    span = trace.get_current_span()
    return _format(span) if span.get_span_context().is_valid else None


def traceparent_for(causation_id: str, inherited: str | None) -> str | None:
    """The traceparent of a record caused by the envelope `causation_id`: the span handling
    that envelope if one is, else what the cause carried."""
    if _tracer is None:
        return inherited
    return _hops.get(causation_id, inherited)


def server(name: str, **attributes: str | int) -> contextlib.AbstractContextManager[None]:
    """A span for a request this process serves (current inside)."""
    return _NOOP if _tracer is None else _current(name, "SERVER", attributes)


def client(name: str, **attributes: str | int) -> contextlib.AbstractContextManager[None]:
    """A span for a call this process makes to another (current inside)."""
    return _NOOP if _tracer is None else _current(name, "CLIENT", attributes)


def annotate(**attributes: str | int) -> None:
    """Add attributes to the span current here (an answer's status code, say)."""
    if _tracer is None:
        return
    from opentelemetry import trace

    trace.get_current_span().set_attributes(dict(attributes))


@contextlib.contextmanager
def _current(name: str, kind: str, attributes: Mapping[str, str | int]) -> Iterator[None]:
    from opentelemetry.trace import SpanKind

    assert _tracer is not None
    with _tracer.start_as_current_span(name, kind=SpanKind[kind], attributes=dict(attributes)):
        yield


def consume(records: Sequence[Traced], group: str) -> contextlib.AbstractContextManager[None]:
    """Spans for records being handled, one each as a child of the record's traceparent; the
    first is current inside (its queries nest under it)."""
    if _tracer is None or not records:
        return _NOOP
    return _consuming(records, group)


@contextlib.contextmanager
def _consuming(records: Sequence[Traced], group: str) -> Iterator[None]:
    from opentelemetry import trace
    from opentelemetry.trace import SpanKind, Status, StatusCode

    assert _tracer is not None
    spans: list[tuple[str, Span]] = []
    for record in records:
        env = record.envelope
        span = _tracer.start_span(
            f"{record.topic} process",
            context=_parent(env.traceparent),
            kind=SpanKind.CONSUMER,
            attributes={
                "messaging.system": "kafka",
                "messaging.operation.type": "process",
                "messaging.destination.name": record.topic,
                "messaging.destination.partition.id": str(record.partition),
                "messaging.kafka.offset": record.offset,
                "messaging.consumer.group.name": group,
                "messaging.message.id": str(env.id),
                "pytake.type": env.type,
                "pytake.batch_size": len(records),
            },
        )
        spans.append((str(env.id), span))
        _hops[str(env.id)] = _format(span)
    try:
        with trace.use_span(spans[0][1], end_on_exit=False):
            yield
    except BaseException as exc:
        for _, span in spans:
            span.record_exception(exc)
            span.set_status(Status(StatusCode.ERROR, repr(exc)[:200]))
        raise
    finally:
        for envelope_id, span in spans:
            _hops.pop(envelope_id, None)
            span.end()
