"""`pytake trace WAMID` (or `--key`): every record one inbound message caused, on every topic,
in order, with times, who wrote each, the Graph call and Meta's statuses, and where the time
went. Read-only, without a consumer group.

How records are linked: ingress sets an inbound record's `correlation_id` to Meta's wamid, and
every record built with `causation=` inherits it (router command, executor events and sends,
sender deliveries). The sender's `delivery.accepted` names the wamid Meta gave the reply, and
Meta's statuses for that reply arrive with the reply's wamid as their correlation, so the trace
follows them too, and what they caused. Everything about a conversation has the same key, so
only the key's partition of each topic is read (the DLQs too: a parked record shows with its
reason). A wamid of a reply finds its way back to the message that caused it.
"""

from __future__ import annotations

import argparse
import contextlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TextIO

import orjson

from pytake_shared import contracts as c
from pytake_shared.envelope import Envelope, EnvelopeError
from pytake_shared.kafka.reader import ReplayError, TopicReader, partition_for_key
from pytake_shared.summary import summarize
from pytake_shared.topics import DLQ_SUFFIX, Topics
from pytake_tools.replay_cli import common_arguments
from pytake_tools.timeline import fmt_time, short_type


@dataclass(frozen=True)
class Hop:
    """One record of a trace: where it is, when it was written, and its envelope."""

    topic: str  # the registry name (`wa.inbound.v1`, `wa.outbound.v1.dlq`)
    partition: int
    offset: int
    key: str
    written: datetime  # the record's timestamp: when its producer wrote it
    envelope: Envelope
    reason: str | None = None  # why it was parked, for a DLQ record

    @property
    def id(self) -> str:
        return str(self.envelope.id)

    def as_json(self, start: datetime, handled_by: list[str]) -> dict[str, Any]:
        env = self.envelope
        return {
            "topic": self.topic,
            "partition": self.partition,
            "offset": self.offset,
            "key": self.key,
            "written": fmt_time(self.written),
            "after_ms": _ms(self.written, start),
            "type": env.type,
            "id": self.id,
            "source": env.source,
            "handled_by": handled_by,
            "causation_id": env.causation_id,
            "correlation_id": env.correlation_id,
            "parked": self.reason,
            "summary": summarize(env.type, env.data),
            "data": env.data,
        }


@dataclass
class Trace:
    """The records one inbound message (`root`, its wamid) caused, in the order written."""

    root: str
    key: str
    hops: list[Hop] = field(default_factory=list)

    def handled_by(self, hop: Hop) -> list[str]:
        """The services that wrote records caused by `hop`: the ones that handled it."""
        return sorted({h.envelope.source for h in self.hops if h.envelope.causation_id == hop.id})

    def stages(self) -> list[tuple[str, float]]:
        """Where the time went, first reply only: (stage, ms) for each hop that happened."""
        inbound = self._first(lambda h: h.envelope.type == c.WA_MESSAGE_RECEIVED)
        command = self._first(lambda h: h.topic.startswith("conversation.commands"))
        send = self._first(lambda h: h.envelope.type == c.OUT_SEND)
        accepted = self._first(lambda h: h.envelope.type == c.DELIVERY_ACCEPTED)
        reply = str((accepted.envelope.data if accepted else {}).get("wamid") or "")
        spans: list[tuple[str, datetime | None, Hop | None]] = [
            (
                "ingress: webhook received → on wa.inbound",
                _whole_ms(inbound.envelope.time) if inbound else None,
                inbound,
            ),
            ("router: → command", _written(inbound), command),
            ("executor: command → first send", _written(command), send),
            ("sender: send → Graph API accepted", _written(send), accepted),
        ]
        for word in ("sent", "delivered", "read", "failed"):
            status = self._first(lambda h, w=word: _status_of(h, reply) == w)  # type: ignore[misc]
            spans.append((f"Meta: accepted → {word}", _written(accepted), status))
        return [(name, _ms(hop.written, t)) for name, t, hop in spans if t and hop]

    def _first(self, match: Callable[[Hop], bool]) -> Hop | None:
        return next((h for h in self.hops if match(h)), None)


@dataclass(frozen=True)
class TraceQuery:
    wamid: str | None = None
    key: str | None = None
    limit: int = 20  # traces shown for a key (the latest)


def _written(hop: Hop | None) -> datetime | None:
    return hop.written if hop is not None else None


def _whole_ms(t: datetime) -> datetime:
    """`t` cut to the millisecond: a record's timestamp has no finer grain, so a webhook
    received at .3456 s and on the topic within the same millisecond reads as 0, not -0.6 ms."""
    return t.replace(microsecond=t.microsecond // 1000 * 1000)


def _ms(later: datetime, earlier: datetime) -> float:
    return round((later - earlier).total_seconds() * 1000, 1)


def _status_of(hop: Hop, reply: str) -> str | None:
    """Meta's status word, when `hop` is a status webhook about the reply `reply`."""
    if hop.envelope.type != c.WA_STATUS_RECEIVED or not reply:
        return None
    status = hop.envelope.data.get("status")
    if not isinstance(status, dict) or status.get("id") != reply:
        return None
    return str(status.get("status") or "")


def _inbound_wamid(env: Envelope) -> str | None:
    if env.type != c.WA_MESSAGE_RECEIVED:
        return None
    message = env.data.get("message")
    wamid = message.get("id") if isinstance(message, dict) else None
    return str(wamid) if wamid else env.correlation_id


def link(root: str, key: str, hops: Iterable[Hop]) -> Trace:
    """The hops of `key` that `root` caused: by correlation (the wamids of the message and of
    its replies) and by causation, in the order they were written."""
    candidates = sorted(hops, key=lambda h: (h.written, h.topic, h.offset))
    wamids, ids = {root}, set[str]()
    changed = True
    while changed:
        changed = False
        for hop in candidates:
            env = hop.envelope
            if hop.id in ids:
                continue
            if env.correlation_id in wamids or (env.causation_id or "") in ids:
                ids.add(hop.id)
                changed = True
                if env.type == c.DELIVERY_ACCEPTED and env.data.get("wamid"):
                    wamids.add(str(env.data["wamid"]))
    return Trace(root, key, [h for h in candidates if h.id in ids])


def _origin(hops: list[Hop], wamid: str) -> str:
    """The inbound message behind `wamid`: itself, or the message a reply with that wamid
    answered (found through the sender's `delivery.accepted`)."""
    for hop in hops:
        if _inbound_wamid(hop.envelope) == wamid:
            return wamid
    for hop in hops:
        env = hop.envelope
        if env.type == c.DELIVERY_ACCEPTED and env.data.get("wamid") == wamid:
            return env.correlation_id or wamid
    return wamid


def _topic_names(topics: Topics) -> list[tuple[str, str]]:
    """(registry name, topic name) of the keyed topics a message crosses, and their DLQs."""
    names = [
        ("wa.inbound.v1", topics.wa_inbound),
        ("conversation.commands.v1", topics.commands),
        ("conversation.events.v1", topics.events),
        ("wa.outbound.v1", topics.wa_outbound),
        ("wa.delivery.v1", topics.wa_delivery),
    ]
    return names + [(short + DLQ_SUFFIX, name + DLQ_SUFFIX) for short, name in names]


def _hop(short: str, record: Any) -> Hop | None:
    try:
        env = Envelope.from_bytes(record.value)
    except EnvelopeError:
        return None
    headers = dict(record.headers or ())
    reason = headers.get("dlq.reason")
    return Hop(
        topic=short,
        partition=record.partition,
        offset=record.offset,
        key=record.key.decode(errors="replace") if record.key is not None else "",
        written=datetime.fromtimestamp(record.timestamp / 1000, UTC),
        envelope=env,
        reason=reason.decode(errors="replace") if isinstance(reason, bytes) else None,
    )


async def read_key(reader: TopicReader, topics: Topics, key: str) -> list[Hop]:
    """Every decodable record of `key` on the topics a message crosses (a missing DLQ is
    skipped)."""
    found: list[Hop] = []
    for short, name in _topic_names(topics):
        try:
            count = len(await reader.partitions(name))
        except ReplayError:
            if short.endswith(DLQ_SUFFIX):
                continue
            raise
        plan = await reader.plan(name, only=[partition_for_key(key, count)])
        async for record in reader.read(plan):
            if record.key == key.encode() and (hop := _hop(short, record)) is not None:
                found.append(hop)
    return found


async def find_key(reader: TopicReader, topics: Topics, wamid: str) -> str | None:
    """The key of the record that carries `wamid` on wa.inbound.v1 (every partition read)."""
    async for record in reader.read(await reader.plan(topics.wa_inbound)):
        hop = _hop("wa.inbound.v1", record)
        if hop is not None and hop.key and hop.envelope.correlation_id == wamid:
            return hop.key
    # A reply's wamid appears only in the sender's delivery events.
    async for record in reader.read(await reader.plan(topics.wa_delivery)):
        hop = _hop("wa.delivery.v1", record)
        if hop is not None and hop.key and hop.envelope.data.get("wamid") == wamid:
            return hop.key
    return None


async def collect(reader: TopicReader, topics: Topics, query: TraceQuery) -> list[Trace]:
    """The traces the query asks for: one for a wamid, the latest `limit` for a key."""
    key = query.key
    if key is None and query.wamid:
        key = await find_key(reader, topics, query.wamid)
        if key is None:
            return []
    if not key:
        return []
    hops = await read_key(reader, topics, key)
    if query.wamid:
        trace = link(_origin(hops, query.wamid), key, hops)
        return [trace] if trace.hops else []
    roots = [w for h in hops if (w := _inbound_wamid(h.envelope)) and not h.reason]
    return [link(root, key, hops) for root in dict.fromkeys(roots)][-query.limit :]


def render(traces: list[Trace], out: TextIO) -> None:
    for n, trace in enumerate(traces):
        if n:
            out.write("\n")
        start = trace.hops[0].written
        org = next(
            (h.envelope.organization_id for h in trace.hops if h.envelope.organization_id), None
        )
        out.write(
            f"trace of {trace.root}  key {trace.key}  organization "
            f"{org or '-'}  first written {fmt_time(start)}\n"
        )
        out.write(f"{'+ms':>8} {'step':>7}  {'topic':<28} {'type':<34} {'by':<16} summary\n")
        previous = start
        for hop in trace.hops:
            by = hop.envelope.source.removeprefix("pytake-")
            summary = summarize(hop.envelope.type, hop.envelope.data, width=70)
            if hop.reason:
                summary = f"PARKED: {hop.reason[:60]} | {summary}"
            out.write(
                f"{_ms(hop.written, start):>8.1f} {_ms(hop.written, previous):>7.1f}  "
                f"{hop.topic:<28} {short_type(hop.envelope.type):<34} {by:<16} {summary}\n"
            )
            previous = hop.written
        stages = trace.stages()
        if stages:
            out.write("where the time went (first reply):\n")
            width = max(len(name) for name, _ in stages)
            for name, ms in stages:
                out.write(f"  {name:<{width}}  {ms:>8.1f} ms\n")


def render_json(traces: list[Trace], out: TextIO) -> None:
    for trace in traces:
        start = trace.hops[0].written
        body = {
            "root": trace.root,
            "key": trace.key,
            "hops": [h.as_json(start, trace.handled_by(h)) for h in trace.hops],
            "stages_ms": dict(trace.stages()),
        }
        with contextlib.suppress(BrokenPipeError):
            out.write(orjson.dumps(body).decode() + "\n")


EPILOG = """examples:
  pytake trace wamid.HBgNNTUxMTk5OTk5MDAwMBUCABIYFDNBMkE2
  pytake trace --key 100000000000001:5511999990000 --limit 3
  pytake trace wamid.HBgN... --json | jq '.stages_ms'
"""


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    cmd = sub.add_parser(
        "trace",
        parents=[common_arguments()],
        help="every record one message caused, on every topic, and where the time went",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    cmd.add_argument("wamid", nargs="?", help="Meta's id of an inbound message, or of a reply")
    cmd.add_argument("--key", help="<phone_number_id>:<contact>: that conversation's messages")
    cmd.add_argument("--limit", type=int, default=20, help="with --key: the latest N messages")


async def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Exit code 0; 1 when nothing was found or a topic cannot be read; 2 for bad arguments."""
    if not args.wamid and not args.key:
        print("error: give a WAMID or --key <phone_number_id>:<contact>", file=err)
        return 2
    if args.key and ":" not in args.key:
        print("error: --key is <phone_number_id>:<contact>", file=err)
        return 2
    query = TraceQuery(wamid=args.wamid, key=args.key, limit=max(1, args.limit))
    async with TopicReader(args.bootstrap, idle_timeout=args.idle_timeout) as reader:
        try:
            traces = await collect(reader, Topics(args.namespace), query)
        except ReplayError as exc:
            print(f"error: {exc}", file=err)
            return 1
    if not traces:
        print(f"error: nothing found for {args.wamid or args.key}", file=err)
        return 1
    (render_json if args.json else render)(traces, out)
    return 0
