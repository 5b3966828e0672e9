"""`pytake dlq list | show | redrive TOPIC`: what the consumers parked, and putting it back.

A consumer parks a record it can never act on (invalid input) in `<topic>.dlq`: the original
key, value and headers, plus `dlq.reason`, `dlq.topic`, `dlq.partition`, `dlq.offset` and
`dlq.group`. `list` shows them one line each, `show` one whole, `redrive` produces the selected
ones again on the topic they came from, with their original key (so on the same partition) and
value. Redriving is safe to repeat: the envelope id is unchanged, and every consumer drops an id
it already applied (the router's dedupe ledger, the executor's and analytics' applied ids, the
sender's outbound ledger). Reading never joins a consumer group, so no offset moves.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TextIO

import orjson
from aiokafka import AIOKafkaProducer

from pytake_shared.kafka.reader import ReplayError, TopicReader, resolve_topic
from pytake_shared.topics import DLQ_SUFFIX, Topics
from pytake_tools import devstack
from pytake_tools.progress import Progress
from pytake_tools.timeline import fmt_time, parse_time

EPILOG = """examples:
  pytake dlq list wa.inbound.v1
  pytake dlq show wa.inbound.v1 --at 3:17
  pytake dlq redrive wa.inbound.v1 --since 1h
  pytake dlq redrive conversation.commands.v1 --id 0b1c...e2 --id 5f3a...90
"""


@dataclass(frozen=True)
class Parked:
    """One record of a DLQ: where it sits there, where it came from and why it was parked."""

    partition: int
    offset: int
    time: datetime
    key: bytes | None
    value: bytes | None
    headers: tuple[tuple[str, bytes], ...]

    def header(self, name: str) -> str:
        for key, value in self.headers:
            if key == name:
                return value.decode("utf-8", "replace")
        return ""

    @property
    def envelope(self) -> dict[str, Any] | None:
        try:
            decoded = orjson.loads(self.value or b"")
        except orjson.JSONDecodeError:
            return None
        return decoded if isinstance(decoded, dict) else None

    @property
    def envelope_id(self) -> str:
        env = self.envelope
        return str(env.get("id", "")) if env else ""

    def origin(self) -> tuple[str, str, str]:
        return self.header("dlq.topic"), self.header("dlq.partition"), self.header("dlq.offset")

    def to_json(self) -> dict[str, Any]:
        topic, partition, offset = self.origin()
        return {
            "at": f"{self.partition}:{self.offset}",
            "time": self.time.isoformat(),
            "key": self.key.decode("utf-8", "replace") if self.key is not None else None,
            "reason": self.header("dlq.reason"),
            "group": self.header("dlq.group"),
            "from": {"topic": topic, "partition": partition, "offset": offset},
            "envelope": self.envelope,
            "raw": None
            if self.envelope is not None
            else (self.value or b"").decode("utf-8", "replace"),
        }


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("topic", help="the topic records were parked from (or its .dlq name)")
    common.add_argument(
        "--bootstrap", default=devstack.default("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092")
    )
    common.add_argument(
        "--namespace",
        default=os.environ.get("PYTAKE_TOPIC_NAMESPACE", ""),
        help="topic namespace for registry names (default $PYTAKE_TOPIC_NAMESPACE)",
    )
    common.add_argument("--since", help="parked at or after: ISO time, epoch, or 30s/15m/1h/2d ago")
    common.add_argument("--id", action="append", default=[], help="an envelope id (repeatable)")
    common.add_argument("--at", action="append", default=[], metavar="P:N", help="a DLQ offset")
    common.add_argument("--json", action="store_true", help="JSON lines instead of text")
    common.add_argument(
        "--progress", action="store_true", default=None, help="show progress even if not a TTY"
    )
    dlq = sub.add_parser(
        "dlq",
        help="list, show and redrive parked records",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    kinds = dlq.add_subparsers(dest="dlq_cmd", required=True)
    kinds.add_parser("list", parents=[common], help="one line per parked record")
    kinds.add_parser("show", parents=[common], help="the selected records, whole")
    redrive = kinds.add_parser(
        "redrive", parents=[common], help="produce the selected records again where they came from"
    )
    redrive.add_argument("--dry-run", action="store_true", help="say what would be redriven")


def _selected(parked: Parked, args: argparse.Namespace, since: datetime | None) -> bool:
    if since is not None and parked.time < since:
        return False
    if args.id and parked.envelope_id not in args.id:
        return False
    return not args.at or f"{parked.partition}:{parked.offset}" in args.at


async def read_parked(bootstrap: str, topic: str, progress: Progress | None = None) -> list[Parked]:
    async with TopicReader(bootstrap) as reader:
        plan = await reader.plan(topic)
        if progress is not None:
            progress.set_total(plan.total)
        found = [
            Parked(
                partition=r.partition,
                offset=r.offset,
                time=datetime.fromtimestamp(r.timestamp / 1000, UTC),
                key=r.key,
                value=r.value,
                headers=tuple((k, bytes(v)) for k, v in (r.headers or ())),
            )
            async for r in reader.read(plan, on_batch=progress.advance if progress else None)
        ]
    return sorted(found, key=lambda p: (p.time, p.partition, p.offset))


def line(parked: Parked) -> str:
    env = parked.envelope
    what = f"{env.get('type')} {env.get('id')}" if env else "(not an envelope)"
    topic, partition, offset = parked.origin()
    return (
        f"{parked.partition}:{parked.offset:<6} {fmt_time(parked.time)}  {what}  "
        f"from {topic}[{partition}]@{offset} ({parked.header('dlq.group')}): "
        f"{parked.header('dlq.reason')}"
    )


async def redrive(bootstrap: str, records: Sequence[Parked], progress: Progress) -> int:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        for parked in records:
            topic, _, _ = parked.origin()
            headers = [(k, v) for k, v in parked.headers if not k.startswith("dlq.")]
            headers.append(("pytake.redriven_from", f"{parked.partition}:{parked.offset}".encode()))
            await producer.send_and_wait(topic, parked.value, key=parked.key, headers=headers)
            progress.advance()
    finally:
        await producer.stop()
    return len(records)


async def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    topics = Topics(args.namespace)
    name = resolve_topic(args.topic, topics)
    topic = name if name.endswith(DLQ_SUFFIX) else name + DLQ_SUFFIX
    try:
        since = parse_time(args.since) if args.since else None
    except ValueError as exc:
        print(f"error: {exc}", file=err)
        return 2
    reading = Progress(None, f"reading {topic}", stream=err, enabled=args.progress)
    try:
        with reading:
            parked = await read_parked(args.bootstrap, topic, reading)
    except ReplayError as exc:
        print(f"error: {exc}", file=err)
        return 1
    chosen = [p for p in parked if _selected(p, args, since)]
    if args.dlq_cmd == "list":
        for p in chosen:
            print(orjson.dumps(p.to_json()).decode() if args.json else line(p), file=out)
        print(f"{len(chosen)} of {len(parked)} parked records in {topic}", file=err)
        return 0
    if args.dlq_cmd == "show":
        for p in chosen:
            option = orjson.OPT_INDENT_2 if not args.json else 0
            print(orjson.dumps(p.to_json(), option=option).decode(), file=out)
        return 0 if chosen else 1
    if not chosen:
        print(f"nothing to redrive in {topic}", file=err)
        return 1
    unknown = [p for p in chosen if not p.origin()[0]]
    if unknown:
        print(f"error: {len(unknown)} records carry no dlq.topic header", file=err)
        return 1
    if args.dry_run:
        for p in chosen:
            print(f"would redrive {line(p)}", file=out)
        return 0
    sending = Progress(len(chosen), "redriving", stream=err, enabled=args.progress)
    with sending:
        count = await redrive(args.bootstrap, chosen, sending)
    print(f"redrove {count} records from {topic} to {chosen[0].origin()[0]}", file=out)
    return 0
