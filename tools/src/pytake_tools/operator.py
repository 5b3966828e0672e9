"""Operator commands: `pytake flow validate FILE` and `pytake topics list|create|describe`.

`flow validate` runs the same publish-time validation as the management API and prints each
problem with its node and field. `topics describe` shows each partition's end offset and, for a
consumer group, its committed offset and lag (read with the group's committed offsets, not the
admin call the dev broker lacks).
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Any, TextIO

import orjson
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaConnectionError

from pytake_shared.flowdoc import Issue, validate
from pytake_shared.kafka.admin import ensure_topics
from pytake_shared.topics import Topics


def _line(kind: str, issue: Issue) -> str:
    where = " ".join(
        p
        for p in (issue.node_id and f"node {issue.node_id}", issue.field and f"field {issue.field}")
        if p
    )
    return f"{kind}: {where + ': ' if where else ''}{issue.message}"


def validate_flow_file(path: Path, out: TextIO) -> int:
    """Print the validation report of a flow document; exit code 1 when it has errors."""
    try:
        document: Any = orjson.loads(path.read_bytes())
    except (OSError, orjson.JSONDecodeError) as exc:
        print(f"error: cannot read {path}: {exc}", file=out)
        return 2
    if not isinstance(document, dict):
        print("error: a flow document is a JSON object", file=out)
        return 1
    report = validate(document)
    for issue in report.errors:
        print(_line("error", issue), file=out)
    for issue in report.warnings:
        print(_line("warning", issue), file=out)
    verdict = "valid" if report.ok else "invalid"
    print(
        f"{path}: {verdict} ({len(report.errors)} errors, {len(report.warnings)} warnings)",
        file=out,
    )
    return 0 if report.ok else 1


async def list_topics(bootstrap: str, out: TextIO) -> int:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        for name in sorted(await admin.list_topics()):
            print(name, file=out)
    finally:
        await admin.close()
    return 0


async def create_topics(bootstrap: str, topics: Topics, replication: int, out: TextIO) -> int:
    created = await ensure_topics(bootstrap, topics, replication)
    print(
        f"created {len(created)} topics" + (": " + ", ".join(created) if created else ""), file=out
    )
    return 0


async def describe_topic(bootstrap: str, topic: str, group: str | None, out: TextIO) -> int:
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False
    )
    await consumer.start()
    try:
        await consumer.topics()
        partitions = sorted(consumer.partitions_for_topic(topic) or ())
        if not partitions:
            print(f"no such topic: {topic}", file=out)
            return 1
        tps = [TopicPartition(topic, p) for p in partitions]
        ends = await consumer.end_offsets(tps)
        header = f"{'partition':>9} {'end offset':>11}"
        print(header + (f" {'committed':>10} {'lag':>8}" if group else ""), file=out)
        total_lag = 0
        for tp in tps:
            row = f"{tp.partition:>9} {ends[tp]:>11}"
            if group:
                committed = await consumer.committed(tp) or 0
                lag = max(0, ends[tp] - committed)
                total_lag += lag
                row += f" {committed:>10} {lag:>8}"
            print(row, file=out)
        if group:
            print(f"group {group}: total lag {total_lag}", file=out)
    finally:
        await consumer.stop()
    return 0


def run(coro: Any) -> int:
    """Run a tool's coroutine; a broker that cannot be reached is said plainly (exit 2)."""
    try:
        result: int = asyncio.run(coro)
    except KafkaConnectionError as exc:
        print(
            f"pytake: {exc}. Point the tool at the broker with --bootstrap or "
            "$KAFKA_BOOTSTRAP_SERVERS (a running `make dev` in this checkout is found by itself).",
            file=sys.stderr,
        )
        return 2
    return result
