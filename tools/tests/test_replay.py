"""`pytake replay` against the real (embedded) broker, on records the real executor made.

One recording per module: flow versions 1 and 2 are published to the config topic, router-
shaped commands for two contacts go to the commands topic, and the executor's handler (real
database) turns them into events and sends. The CLI is then run through `main([...])`.
"""

from __future__ import annotations

import asyncio
import itertools
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import asyncpg
import orjson
import pytest
from aiokafka import AIOKafkaConsumer

from pytake_executor.adapters.flows import ConfigFlows
from pytake_executor.adapters.store import Store
from pytake_executor.bootstrap import MIGRATIONS
from pytake_executor.handlers import ExecutorHandler
from pytake_shared import contracts as c
from pytake_shared.config import (
    ChatbotConfig,
    ConfigView,
    FlowConfig,
    NumberConfig,
    OrganizationConfig,
    snapshot,
)
from pytake_shared.contracts.conversation_events import EVENT_ADAPTER, Event
from pytake_shared.db import create_pool, migrate_pool
from pytake_shared.engine.state import ConversationState, evolve
from pytake_shared.envelope import Envelope, deterministic_id
from pytake_shared.kafka import Producer, Record
from pytake_shared.kafka.admin import ensure_topics, wait_for_broker
from pytake_shared.kafka.reader import partition_for_key
from pytake_shared.secrets import SecretBox
from pytake_shared.settings import ServiceSettings
from pytake_shared.testing.embedded import with_database
from pytake_shared.topics import Topics
from pytake_tools.cli import main

NUMBER_ID = "106540352242922"
ADA, BOB = "5511988887777", "5511900000002"
KEY_ADA, KEY_BOB = f"{NUMBER_ID}:{ADA}", f"{NUMBER_ID}:{BOB}"
T0 = 1_700_000_000
CONFIG_KEY = "replay-test-key"


def pizza_flow(thanks: str, *, ask_size: bool = False) -> dict[str, Any]:
    """The e2e pizza question flow; versions differ in the closing line, and version 3 also
    asks for the size."""
    nodes = [
        {"id": "start", "type": "start", "data": {}},
        {
            "id": "ask",
            "type": "question",
            "data": {"content": "Hello {{contact.name}}! Which pizza?", "variableName": "pizza"},
        },
        {"id": "thanks", "type": "end", "data": {"content": thanks}},
    ]
    order = ["start", "ask", "thanks"]
    if ask_size:
        size = {"content": "Which size?", "variableName": "size"}
        nodes.append({"id": "size", "type": "question", "data": size})
        order = ["start", "ask", "size", "thanks"]
    edges = [{"source": a, "target": b} for a, b in itertools.pairwise(order)]
    return {"canvas_data": {"nodes": nodes, "edges": edges}}


VERSIONS = {
    1: pizza_flow("One {{pizza}} coming up!"),
    2: pizza_flow("Great choice: {{pizza}}."),
    3: pizza_flow("One {{size}} {{pizza}}!", ask_size=True),
}


# (contact, text, seconds after T0): Ada finishes a conversation and starts a second one.
SCRIPT = [(ADA, "hi", 0), (BOB, "hi", 30), (ADA, "margherita", 60), (ADA, "hello again", 120)]


def inbound(wa_id: str, text: str, at: int, n: int) -> Envelope:
    payload = c.HandleInbound(
        organization_id="org-1",
        chatbot_id="bot-1",
        phone_number_id=NUMBER_ID,
        contact=c.Contact(id=wa_id, wa_id=wa_id, name="Ada" if wa_id == ADA else "Bob"),
        message={"id": f"wamid.{n}", "type": "text", "from": wa_id, "text": text},
        received_at=at,
    )
    return Envelope.new(
        c.CMD_HANDLE_INBOUND,
        id=deterministic_id("router", c.CMD_HANDLE_INBOUND, f"wamid.{n}"),
        source="pytake-router",
        subject=f"{NUMBER_ID}:{wa_id}",
        correlation_id=f"wamid.{n}",
        organization_id="org-1",
        time=datetime.fromtimestamp(at, UTC),
        data=payload.model_dump(mode="json"),
    )


@dataclass
class Recording:
    bootstrap: str
    topics: Topics
    events: list[Envelope]  # every event, in offset order (one partition per key)

    def key_events(self, key: str) -> list[Event]:
        return [
            EVENT_ADAPTER.validate_python(e.data)
            for e in self.events
            if e.subject == key and e.type.startswith("pytake.conversation.")
        ]

    def args(self, *argv: str) -> list[str]:
        return [*argv, "--bootstrap", self.bootstrap, "--namespace", self.topics.namespace]


async def _read_all(bootstrap: str, topic: str, count: int) -> list[Any]:
    """At least `count` records of `topic`, and whatever else comes within a second after."""
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=bootstrap, group_id=None, auto_offset_reset="earliest"
    )
    await consumer.start()
    out: list[Any] = []
    try:
        async with asyncio.timeout(20):
            quiet = 0
            while len(out) < count or quiet < 5:
                batches = await consumer.getmany(timeout_ms=200)
                quiet = 0 if batches else quiet + 1
                for records in batches.values():
                    out.extend(records)
    finally:
        await consumer.stop()
    return sorted(out, key=lambda r: (r.partition, r.offset))


@pytest.fixture(scope="module")
async def recording(kafka_bootstrap: str, postgres_dsn: str) -> AsyncIterator[Recording]:
    topics = Topics(namespace=f"r{uuid.uuid4().hex[:10]}", partitions=4)
    await wait_for_broker(kafka_bootstrap)
    await ensure_topics(kafka_bootstrap, topics)
    name = f"t_{uuid.uuid4().hex[:16]}"
    admin = await asyncpg.connect(postgres_dsn)
    await admin.execute(f'CREATE DATABASE "{name}"')
    await admin.close()
    pool = await create_pool(with_database(postgres_dsn, name), min_size=1, max_size=2)
    await migrate_pool(pool, "executor", MIGRATIONS)
    settings = ServiceSettings(
        kafka_bootstrap_servers=kafka_bootstrap, pytake_topic_namespace=topics.namespace
    )
    producer = Producer(settings)
    await producer.start()
    box = SecretBox(CONFIG_KEY)
    view = ConfigView(settings, box)
    entities: list[tuple[str, Any]] = [
        ("org", OrganizationConfig(id="org-1", name="Pizza Place")),
        ("number", NumberConfig(id="n-1", organization_id="org-1", phone_number_id=NUMBER_ID)),
        (
            "chatbot",
            ChatbotConfig(
                id="bot-1",
                organization_id="org-1",
                name="Pizza",
                main_flow_id="flow-1",
                main_flow_version=1,
            ),
        ),
    ]
    for version, document in VERSIONS.items():
        flow = FlowConfig(
            id="flow-1",
            organization_id="org-1",
            chatbot_id="bot-1",
            name="Pizza",
            version=version,
            document=document,
        )
        entities.append(("flow", flow))
    for kind, entity in entities:
        env = snapshot(kind, entity, source="test", box=box)
        view.apply(env.subject, env.to_bytes())
        await producer.send(topics.config, env)

    await producer.send_many(
        (topics.commands, inbound(who, text, T0 + at, n))
        for n, (who, text, at) in enumerate(SCRIPT)
    )
    handler = ExecutorHandler(topics, Store(pool), ConfigFlows(view), producer)
    for r in await _read_all(kafka_bootstrap, topics.commands, len(SCRIPT)):
        env = Envelope.from_bytes(r.value)
        await handler.handle_batch(
            [Record(r.topic, r.partition, r.offset, env.subject, env, r.timestamp, r.value)]
        )
    # Every event was acknowledged before handle_batch returned.
    raw = await _read_all(kafka_bootstrap, topics.events, 1)
    yield Recording(kafka_bootstrap, topics, [Envelope.from_bytes(r.value) for r in raw])
    await producer.stop()
    await pool.close()
    admin = await asyncpg.connect(postgres_dsn)
    await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    await admin.close()


async def cli(capsys: pytest.CaptureFixture[str], argv: list[str]) -> tuple[int, str, str]:
    """Run `pytake ...` as a user would (its own event loop, in a thread); code, out, err."""
    with pytest.raises(SystemExit) as exited:
        await asyncio.to_thread(main, argv)
    out, err = capsys.readouterr()
    return int(exited.value.code or 0), out, err


def _fold(events: list[Event]) -> ConversationState:
    state = ConversationState(key=KEY_ADA)
    for event in events:
        state = evolve(state, event)
    return state


def _conversation_ids(recording: Recording) -> list[str]:
    return [
        e.data["conversation_id"]
        for e in recording.events
        if e.subject == KEY_ADA and e.type.endswith("conversation_started")
    ]


async def test_the_key_partition_is_the_one_the_producer_chose(recording: Recording) -> None:
    raw = await _read_all(recording.bootstrap, recording.topics.events, len(recording.events))
    for record in raw:
        key = record.key.decode()
        assert partition_for_key(key, recording.topics.partitions) == record.partition


async def test_a_topic_reads_as_a_timeline_in_time_order(
    recording: Recording, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = await cli(
        capsys, recording.args("replay", "topic", "conversation.commands.v1")
    )
    assert code == 0
    lines = out.splitlines()
    assert len(lines) == len(SCRIPT)
    assert [line.split()[0] for line in lines] == [
        datetime.fromtimestamp(T0 + at, UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
        for _, _, at in SCRIPT
    ]
    for line, (who, text, _) in zip(lines, SCRIPT, strict=True):
        _, where, kind, key, *summary = line.split()
        assert where.startswith("p") and "@" in where
        assert (kind, key) == ("conversation.handle_inbound", f"{NUMBER_ID}:{who}")
        assert f"'{text}'" in " ".join(summary)
    assert f"4 records shown of 4 read from {recording.topics.commands}" in err


async def test_json_lines_are_whole_envelopes_filtered_by_contact_type_and_org(
    recording: Recording, capsys: pytest.CaptureFixture[str]
) -> None:
    args = recording.args("replay", "topic", "conversation.events.v1", "--json")
    code, out, _ = await cli(capsys, [*args, "--contact", ADA])
    got = [Envelope.model_validate(orjson.loads(line)) for line in out.splitlines()]
    assert code == 0 and got == [e for e in recording.events if e.subject == KEY_ADA]

    _, out, _ = await cli(capsys, [*args, "--contact", f"+{BOB}", "--type", "*message_queued"])
    got = [Envelope.model_validate(orjson.loads(line)) for line in out.splitlines()]
    assert [e.data["message"]["text"] for e in got] == ["Hello Bob! Which pizza?"]

    _, out, _ = await cli(capsys, [*args, "--type", "pytake.conversation.conversation_*"])
    types = [orjson.loads(line)["type"] for line in out.splitlines()]
    assert (
        sorted(types)
        == ["pytake.conversation.conversation_closed"]
        + ["pytake.conversation.conversation_started"] * 3
    )
    _, out, _ = await cli(capsys, [*args, "--org", "org-2"])
    assert out == ""
    _, out, _ = await cli(capsys, [*args, "--org", "org-1", "--limit", "5", "--no-sort"])
    assert len(out.splitlines()) == 5


async def test_offsets_bound_the_read_per_partition(
    recording: Recording, capsys: pytest.CaptureFixture[str]
) -> None:
    p = partition_for_key(KEY_ADA, recording.topics.partitions)
    args = recording.args("replay", "topic", "conversation.events.v1", "--json")
    bounds = ["--from-offset", f"{p}:2", "--to-offset", f"{p}:4", "--partition", str(p)]
    code, out, err = await cli(capsys, [*args, *bounds, "--progress"])
    ada = [e for e in recording.events if e.subject == KEY_ADA]
    assert code == 0
    assert [orjson.loads(line)["id"] for line in out.splitlines()] == [str(e.id) for e in ada[2:5]]
    assert f"reading {recording.topics.events}" in err  # the progress line, asked for
    _, out, _ = await cli(capsys, [*args, "--from-offset", "100"])
    assert out == ""
    code, _, err = await cli(capsys, [*args, "--partition", "9"])
    assert code == 1 and "not [9]" in err


async def test_times_filter_on_the_envelope_time(
    recording: Recording, capsys: pytest.CaptureFixture[str]
) -> None:
    args = recording.args("replay", "topic", "conversation.commands.v1", "--json")
    since = datetime.fromtimestamp(T0 + 30, UTC).isoformat()
    code, out, _ = await cli(capsys, [*args, "--since", since, "--until", str(T0 + 60)])
    texts = [orjson.loads(line)["data"]["message"]["text"] for line in out.splitlines()]
    assert code == 0 and texts == ["hi", "margherita"]
    _, out, _ = await cli(capsys, [*args, "--since", "1h"])  # recorded in 2023
    assert out == ""
    code, _, err = await cli(capsys, [*args, "--since", "yesterday"])
    assert code == 2 and "not a time" in err


async def test_a_conversation_rebuilds_step_by_step_with_state_diffs(
    recording: Recording, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = await cli(capsys, recording.args("replay", "conversation", KEY_ADA))
    first, second = _conversation_ids(recording)
    lines = out.splitlines()
    assert code == 0
    assert lines[0].endswith("20 events, 2 conversation(s)")
    assert first in lines[1] and "now closed" in lines[1]
    assert second in lines[2] and "now waiting(input)" in lines[2]
    steps = [line for line in lines if line.startswith("#")]
    assert len(steps) == len(recording.key_events(KEY_ADA)) == 20
    assert "input_captured" in steps[8] and "pizza = 'margherita'" in steps[8]
    assert "status: waiting(input) → active; vars: +pizza='margherita'" in out
    assert "status: active → closed; close_reason: - → completed" in out

    code, out, _ = await cli(
        capsys, recording.args("replay", "conversation", KEY_ADA, "--conversation-id", second)
    )
    lines = out.splitlines()
    assert "7 events, 1 conversation(s)" in lines[0] and second in lines[1]
    assert lines[2].startswith("#1 ") and "inbound_received" in lines[2]
    # The state is still folded from the key's first event: the diff sees the closed one.
    assert f"conversation: {first} → {second}" in out
    code, _, err = await cli(
        capsys, recording.args("replay", "conversation", KEY_ADA, "--conversation-id", "nope")
    )
    assert code == 1 and first in err


async def test_the_state_at_step_n_is_evolve_of_the_first_n_events(
    recording: Recording, capsys: pytest.CaptureFixture[str]
) -> None:
    events = recording.key_events(KEY_ADA)
    for n in (0, 1, 9, 13, 20):
        argv = recording.args("replay", "conversation", KEY_ADA, "--at", str(n), "--json")
        code, out, _ = await cli(capsys, argv)
        assert code == 0
        assert ConversationState.model_validate_json(out) == _fold(events[:n])
    code, out, _ = await cli(capsys, recording.args("replay", "conversation", KEY_ADA, "--json"))
    states = [orjson.loads(line)["state"] for line in out.splitlines()]
    assert states[-1] == _fold(events).model_dump(mode="json")
    code, _, err = await cli(
        capsys, recording.args("replay", "conversation", KEY_ADA, "--at", "21")
    )
    assert code == 2 and "between 0 and 20" in err


async def test_a_rerun_on_the_recorded_version_reproduces_every_message(
    recording: Recording, capsys: pytest.CaptureFixture[str]
) -> None:
    first, _ = _conversation_ids(recording)
    argv = recording.args(
        "replay",
        "conversation",
        KEY_ADA,
        "--conversation-id",
        first,
        "--flow-version",
        "1",
        "--config-key",
        CONFIG_KEY,
        "--json",
    )
    code, out, _ = await cli(capsys, argv)
    rows = [orjson.loads(line) for line in out.splitlines()]
    assert code == 0 and [r["same"] for r in rows] == [True, True]
    assert [m["text"] for r in rows for m in r["rerun"]] == [
        "Hello Ada! Which pizza?",
        "One margherita coming up!",
    ]


async def test_a_rerun_on_another_version_shows_where_the_messages_diverge(
    recording: Recording, capsys: pytest.CaptureFixture[str]
) -> None:
    first, _ = _conversation_ids(recording)
    argv = recording.args(
        "replay",
        "conversation",
        KEY_ADA,
        "--conversation-id",
        first,
        "--flow-version",
        "2",
        "--config-key",
        CONFIG_KEY,
    )
    code, out, _ = await cli(capsys, argv)
    assert code == 0
    assert "recorded flow-1@1 vs flow-1@2, 2 commands (nothing published)" in out
    assert "= 'Hello Ada! Which pizza?'" in out
    assert "!   recorded flow-1@1: 'One margherita coming up!'" in out
    assert "!   re-run   flow-1@2: 'Great choice: margherita.'" in out
    assert "first divergence at #2; 1 of 2 differ" in out

    code, _, err = await cli(capsys, [*argv, "--flow-version", "7"])
    assert code == 1 and "flow flow-1@7 is not known" in err
    # Nothing was published: the topics hold what the recording made.
    raw = await _read_all(recording.bootstrap, recording.topics.events, len(recording.events))
    assert len(raw) == len(recording.events)
    outbound = await _read_all(recording.bootstrap, recording.topics.wa_outbound, 1)
    assert len(outbound) == sum(e.type.endswith("message_queued") for e in recording.events)


async def test_a_rerun_on_a_version_with_another_question_waits_where_it_would_have(
    recording: Recording, capsys: pytest.CaptureFixture[str]
) -> None:
    first, _ = _conversation_ids(recording)
    argv = recording.args(
        "replay",
        "conversation",
        KEY_ADA,
        "--conversation-id",
        first,
        "--flow-version",
        "3",
        "--config-key",
        CONFIG_KEY,
    )
    code, out, _ = await cli(capsys, argv)
    assert code == 0
    assert "!   re-run   flow-1@3: 'Which size?'" in out
    assert "end state recorded: closed at node thanks" in out
    assert 'end state re-run: waiting at node size, variables {"pizza":"margherita"}' in out
    # The re-run's pending session timer is the recorded one's counterpart: still pending.
    assert "pending in the re-run (not simulated): session timer" in out
