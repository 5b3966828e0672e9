"""`pytake rebuild analytics` on the real broker and database: the projections come back from
the topics, a second rebuild gives the same rows, progress shows when asked."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime
from typing import Any

import asyncpg
import pytest

from pytake_shared.envelope import Envelope, deterministic_id
from pytake_shared.kafka import Producer
from pytake_shared.settings import ServiceSettings
from pytake_shared.topics import Topics
from pytake_tools.cli import main

ORG = str(uuid.uuid4())
NUMBER = "100000000000001"


def conversation(n: int) -> list[Envelope]:
    """What the executor publishes for one contact greeted by a one-message flow."""
    key, cid = f"{NUMBER}:55119{n:07d}", str(uuid.uuid4())
    at = datetime(2026, 11, 1, 12, n, tzinfo=UTC)
    events: list[tuple[str, dict[str, Any]]] = [
        ("inbound_received", {"message_id": f"wamid.{n}", "message_type": "text",
                              "text": "hi", "at": int(at.timestamp())}),
        ("conversation_started", {"organization_id": ORG, "chatbot_id": "bot",
                                  "phone_number_id": NUMBER,
                                  "contact": {"id": key.split(":")[1], "name": f"C{n}"},
                                  "flow_id": "flow-1", "flow_version": 1, "flow_name": "Hi",
                                  "at": int(at.timestamp())}),
        ("node_entered", {"node_id": "hello", "node_type": "message"}),
        ("message_queued", {"outbound_id": str(uuid.uuid4()), "node_id": "hello",
                            "message": {"kind": "text", "text": "Hello!"}}),
    ]  # fmt: skip
    return [
        Envelope.new(
            f"pytake.conversation.{kind}",
            id=deterministic_id("rebuild-cli", key, index),
            source="pytake-executor",
            subject=key,
            time=at,
            organization_id=None if index == 0 else ORG,
            data={**data, "conversation_id": cid},
        )
        for index, (kind, data) in enumerate(events)
    ]


async def rows(database: str) -> list[dict[str, Any]]:
    conn = await asyncpg.connect(database)
    try:
        found = await conn.fetch(
            "SELECT id, organization_id, flow_id, current_node_id, messages_out"
            " FROM analytics.conversations ORDER BY id"
        )
    finally:
        await conn.close()
    return [dict(r) for r in found]


async def rebuild(capsys: pytest.CaptureFixture[str], argv: list[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exited:
        await asyncio.to_thread(main, ["rebuild", "analytics", *argv])
    out, err = capsys.readouterr()
    return int(exited.value.code or 0), out, err


async def test_rebuild_analytics_folds_the_topics_into_the_projections(
    kafka_bootstrap: str, database: str, topics: Topics, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = ServiceSettings(
        kafka_bootstrap_servers=kafka_bootstrap, pytake_topic_namespace=topics.namespace
    )
    producer = Producer(settings)
    await producer.start()
    try:
        await producer.send_many((topics.events, env) for n in range(3) for env in conversation(n))
    finally:
        await producer.stop()
    argv = ["--database-url", database, "--bootstrap", kafka_bootstrap]
    argv += ["--namespace", topics.namespace, "--progress"]

    code, out, err = await rebuild(capsys, argv)

    assert code == 0
    assert "rebuilt from 12 records" in out
    assert "replaying topics" in err
    first = await rows(database)
    assert len(first) == 3
    assert {(r["organization_id"], r["flow_id"], r["current_node_id"]) for r in first} == {
        (uuid.UUID(ORG), "flow-1", "hello")
    }
    assert [r["messages_out"] for r in first] == [1, 1, 1]
    code, out, _ = await rebuild(capsys, argv)
    assert code == 0
    assert await rows(database) == first


def test_rebuild_help_names_the_target(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["rebuild", "analytics", "--help"])
    assert exited.value.code == 0
    assert "its live consumer waits" in capsys.readouterr().out
