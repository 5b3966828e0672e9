"""`pytake trace`'s linking and rendering (pure: hops built here, no broker)."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import orjson

from pytake_shared import contracts as c
from pytake_shared.envelope import Envelope
from pytake_tools.trace import Hop, link, render, render_json

KEY = "100000000000001:5511"
T0 = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)


class Chain:
    """Hops written 10 ms apart, each caused by the one named."""

    def __init__(self) -> None:
        self.hops: list[Hop] = []

    def add(
        self,
        topic: str,
        type_: str,
        data: dict[str, object],
        *,
        cause: Hop | None = None,
        correlation: str | None = None,
        source: str = "pytake-x",
        reason: str | None = None,
    ) -> Hop:
        env = Envelope.new(
            type_,
            source=source,
            subject=KEY,
            data=data,
            causation=cause.envelope if cause else None,
            correlation_id=correlation,
            organization_id="org-1" if cause else None,
        )
        at = T0 + timedelta(milliseconds=10 * len(self.hops))
        hop = Hop(topic, 0, len(self.hops), KEY, at, env, reason)
        self.hops.append(hop)
        return hop


def _conversation(chain: Chain, wamid: str, reply: str) -> None:
    inbound = chain.add(
        "wa.inbound.v1",
        c.WA_MESSAGE_RECEIVED,
        {"message": {"id": wamid, "type": "text", "text": {"body": wamid}}},
        correlation=wamid,
        source="pytake-ingress",
    )
    command = chain.add(
        "conversation.commands.v1", c.CMD_HANDLE_INBOUND, {}, cause=inbound, source="pytake-router"
    )
    send = chain.add(
        "wa.outbound.v1", c.OUT_SEND, {"outbound_id": "o"}, cause=command, source="pytake-executor"
    )
    chain.add(
        "wa.delivery.v1",
        c.DELIVERY_ACCEPTED,
        {"outbound_id": "o", "wamid": reply},
        cause=send,
        source="pytake-sender",
    )


def test_a_webhook_on_the_topic_within_its_millisecond_takes_no_negative_time() -> None:
    """A record's timestamp is in whole milliseconds, the envelope's time finer."""
    chain = Chain()
    _conversation(chain, "wamid.in1", "wamid.out1")
    inbound = chain.hops[0]
    received = inbound.written + timedelta(microseconds=600)  # the same millisecond
    chain.hops[0] = Hop(
        inbound.topic,
        inbound.partition,
        inbound.offset,
        inbound.key,
        inbound.written,
        inbound.envelope.model_copy(update={"time": received}),
    )
    stages = dict(link("wamid.in1", KEY, reversed(chain.hops)).stages())
    assert stages["ingress: webhook received → on wa.inbound"] == 0.0


def test_a_trace_follows_correlation_causation_and_the_replys_statuses() -> None:
    chain = Chain()
    _conversation(chain, "wamid.in1", "wamid.out1")
    _conversation(chain, "wamid.in2", "wamid.out2")
    for word in ("sent", "read"):  # Meta's statuses carry the reply's wamid
        chain.add(
            "wa.inbound.v1",
            c.WA_STATUS_RECEIVED,
            {"status": {"id": "wamid.out1", "status": word}},
            correlation="wamid.out1",
            source="pytake-ingress",
        )
    status = chain.hops[-1]
    parked = chain.add(  # what a status caused is followed too, parked or not
        "conversation.commands.v1.dlq",
        c.CMD_HANDLE_STATUS,
        {},
        cause=status,
        reason="invalid: no such conversation",
    )
    trace = link("wamid.in1", KEY, reversed(chain.hops))
    ids = [h.id for h in trace.hops]
    assert ids == [h.id for h in chain.hops[:4]] + [h.id for h in chain.hops[8:]]
    assert trace.handled_by(chain.hops[0]) == ["pytake-router"]
    assert trace.handled_by(parked) == []
    stages = dict(trace.stages())
    assert stages["router: → command"] == 10.0
    assert stages["Meta: accepted → read"] == 60.0
    assert "Meta: accepted → delivered" not in stages  # never arrived

    out = io.StringIO()
    render([trace], out)
    text = out.getvalue()
    assert text.startswith(f"trace of wamid.in1  key {KEY}  organization org-1")
    assert "PARKED: invalid: no such conversation" in text
    assert "read of wamid.out1" in text and "o wamid.out1" in text

    out = io.StringIO()
    render_json([trace], out)
    body = orjson.loads(out.getvalue())
    assert [h["after_ms"] for h in body["hops"]] == [0.0, 10.0, 20.0, 30.0, 80.0, 90.0, 100.0]
    assert body["hops"][-1]["parked"] == "invalid: no such conversation"
