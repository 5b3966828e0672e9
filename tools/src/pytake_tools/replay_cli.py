"""The `pytake replay` subcommands: argument parsing and the runs that tie readers to output.

`pytake replay topic TOPIC` prints any topic between offsets or times, filtered; `pytake
replay conversation KEY` rebuilds a conversation step by step, and with `--flow-version`
re-runs it against another flow version. Both read without a consumer group.
"""

from __future__ import annotations

import argparse
import os
from typing import TextIO

from pytake_shared import history
from pytake_shared.config import ConfigView
from pytake_shared.history import Entry
from pytake_shared.kafka.reader import (
    DEFAULT_IDLE_TIMEOUT,
    Bounds,
    ReplayError,
    TopicReader,
    resolve_topic,
)
from pytake_shared.rerun import RerunError
from pytake_shared.secrets import SecretBox, generate
from pytake_shared.settings import ServiceSettings
from pytake_shared.topics import Topics
from pytake_tools import conversation as conv
from pytake_tools import devstack
from pytake_tools.progress import Progress
from pytake_tools.replay import TopicQuery, replay_topic
from pytake_tools.rerun import render as render_rerun
from pytake_tools.rerun import render_json as render_rerun_json
from pytake_tools.rerun import rerun
from pytake_tools.timeline import Filters, parse_time

EPILOG_TOPIC = """examples:
  pytake replay topic conversation.events.v1 --contact 5511999990000 --since 1h
  pytake replay topic wa.outbound.v1 --type '*send' --json | jq .data.message
  pytake replay topic conversation.commands.v1 --from-offset 2:100 --to-offset 2:150
"""
EPILOG_CONVERSATION = """examples:
  pytake replay conversation 100000000000001:5511999990000
  pytake replay conversation 100000000000001:5511999990000 --at 7
  pytake replay conversation 100000000000001:5511999990000 --flow-version 3
"""


def _offsets(values: list[str] | None) -> tuple[int | None, dict[int, int]]:
    """`N` (every partition) and `P:N` (partition P) arguments."""
    every: int | None = None
    per: dict[int, int] = {}
    for value in values or []:
        part, sep, offset = value.partition(":")
        try:
            if sep:
                per[int(part)] = int(offset)
            else:
                every = int(part)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not an offset: {value!r} (N or P:N)") from None
    return every, per


def common_arguments() -> argparse.ArgumentParser:
    """The arguments every read-only topic command takes (broker, namespace, output)."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--bootstrap", default=devstack.default("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092")
    )
    common.add_argument(
        "--namespace",
        default=os.environ.get("PYTAKE_TOPIC_NAMESPACE", ""),
        help="topic namespace for registry names (default $PYTAKE_TOPIC_NAMESPACE)",
    )
    common.add_argument(
        "--progress", action="store_true", default=None, help="show progress even if not a TTY"
    )
    common.add_argument(
        "--idle-timeout",
        type=float,
        default=DEFAULT_IDLE_TIMEOUT,
        help="stop after this many seconds with nothing new (default %(default)s)",
    )
    common.add_argument("--json", action="store_true", help="JSON lines instead of text")
    return common


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    common = common_arguments()

    replay = sub.add_parser("replay", help="read topics and rebuild conversations, read-only")
    kinds = replay.add_subparsers(dest="replay_cmd", required=True)
    fmt = argparse.RawDescriptionHelpFormatter
    topic = kinds.add_parser(
        "topic",
        parents=[common],
        help="a topic between offsets or times, filtered, as a timeline or JSON lines",
        epilog=EPILOG_TOPIC,
        formatter_class=fmt,
    )
    topic.add_argument("topic", help="registry name (conversation.events.v1) or raw topic name")
    topic.add_argument("--from-offset", action="append", metavar="[P:]N", help="first offset")
    topic.add_argument("--to-offset", action="append", metavar="[P:]N", help="last offset")
    topic.add_argument("--since", help="ISO time, epoch seconds, or 30s/15m/1h/2d ago")
    topic.add_argument("--until", help="ISO time, epoch seconds, or 30s/15m/1h/2d ago")
    topic.add_argument("--org", help="organization id")
    topic.add_argument("--contact", help="conversation key, or its contact part")
    topic.add_argument("--type", action="append", default=[], help="glob on the type")
    topic.add_argument("--partition", action="append", type=int, default=[])
    topic.add_argument("--no-sort", action="store_true", help="read order, not time order")
    topic.add_argument("--limit", type=int, default=None, help="at most N records")

    convo = kinds.add_parser(
        "conversation",
        parents=[common],
        help="rebuild a conversation event by event (time travel), or re-run it",
        epilog=EPILOG_CONVERSATION,
        formatter_class=fmt,
    )
    convo.add_argument("key", help="<phone_number_id>:<contact>")
    convo.add_argument(
        "--at", "--step", dest="at", type=int, default=None, help="whole state after event N"
    )
    convo.add_argument("--conversation-id", help="one conversation of the key")
    convo.add_argument("--flow-version", type=int, help="re-run against this flow version")
    convo.add_argument("--flow-id", help="the flow to substitute (default: the conversation's)")
    convo.add_argument(
        "--config-key",
        default=os.environ.get("PYTAKE_CONFIG_KEY", ""),
        help="key of the secrets on the config topic (default $PYTAKE_CONFIG_KEY; only the "
        "numbers need it, a re-run reads the flows)",
    )


async def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    topics = Topics(args.namespace)
    if args.replay_cmd == "topic":
        return await _topic(args, topics, out, err)
    return await _conversation(args, topics, out, err)


async def _topic(args: argparse.Namespace, topics: Topics, out: TextIO, err: TextIO) -> int:
    try:
        start, start_at = _offsets(args.from_offset)
        stop, stop_at = _offsets(args.to_offset)
        since = parse_time(args.since) if args.since else None
        until = parse_time(args.until) if args.until else None
    except (ValueError, argparse.ArgumentTypeError) as exc:
        print(f"error: {exc}", file=err)
        return 2
    query = TopicQuery(
        topic=resolve_topic(args.topic, topics),
        partitions=tuple(args.partition),
        bounds=Bounds(start, stop, start_at, stop_at),
        filters=Filters(args.org, args.contact, tuple(args.type), since, until),
        as_json=args.json,
        sort=not args.no_sort,
        limit=args.limit,
    )
    return await replay_topic(
        args.bootstrap, query, out, err, progress=args.progress, idle_timeout=args.idle_timeout
    )


async def load_config(reader: TopicReader, topic: str, box: SecretBox) -> ConfigView:
    """A config view fed from the whole compacted topic, read once up to its end."""
    view = ConfigView(ServiceSettings(), box)
    async for record in reader.read(await reader.plan(topic)):
        view.apply(record.key.decode() if record.key else "", record.value)
    return view


async def _conversation(args: argparse.Namespace, topics: Topics, out: TextIO, err: TextIO) -> int:
    if ":" not in args.key:
        print("error: KEY is <phone_number_id>:<contact>", file=err)
        return 2
    async with TopicReader(args.bootstrap, idle_timeout=args.idle_timeout) as reader:
        try:
            bar = Progress(None, f"reading {args.key}", stream=err, enabled=args.progress)
            with bar:
                events = await history.read_key(reader, topics.events, args.key, bar.advance)
                commands: list[Entry] = []
                view: ConfigView | None = None
                if args.flow_version is not None:
                    commands = await history.read_key(
                        reader, topics.commands, args.key, bar.advance
                    )
                    box = SecretBox(args.config_key or generate())
                    view = await load_config(reader, topics.config, box)
        except ReplayError as exc:
            print(f"error: {exc}", file=err)
            return 1
    if view is not None:
        try:
            result = rerun(
                args.key,
                events,
                commands,
                view,
                version=args.flow_version,
                flow_id=args.flow_id,
                conversation_id=args.conversation_id,
            )
        except RerunError as exc:
            print(f"error: {exc}", file=err)
            return 1
        (render_rerun_json if args.json else render_rerun)(result, out)
        return 0
    steps = history.fold(args.key, events, args.conversation_id)
    if args.conversation_id and not steps:
        known = ", ".join(history.conversations(history.fold(args.key, events))) or "none"
        print(f"error: no conversation {args.conversation_id}; known: {known}", file=err)
        return 1
    if args.at is not None:
        return conv.render_at(steps, args.at, out, err, as_json=args.json)
    if args.json:
        conv.render_json(steps, out)
        return 0
    conv.render_header(args.key, topics.events, steps, out)
    conv.render_steps(steps, out)
    return 0
