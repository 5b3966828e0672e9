"""The executor handler on the real database and broker: state, events and sends, once."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg
import orjson
import pytest
from aiokafka import TopicPartition

from pytake_executor.adapters.flows import ConfigFlows
from pytake_executor.adapters.store import Store
from pytake_executor.handlers import ExecutorHandler
from pytake_shared import contracts as c
from pytake_shared.contracts.conversation_events import EVENT_ADAPTER
from pytake_shared.engine.state import ConversationState, evolve
from pytake_shared.envelope import Envelope, deterministic_id
from pytake_shared.errors import InvalidInput, TransientError
from pytake_shared.kafka import Producer, Record
from pytake_shared.topics import Topics

NUMBER_ID = "106540352242922"
WA_ID = "5511988887777"
KEY = f"{NUMBER_ID}:{WA_ID}"

Drain = Callable[[str], Awaitable[list[Any]]]
MakeRecord = Callable[..., Record]
MakeCommand = Callable[..., Envelope]


@pytest.fixture
def handler(
    config: Any,
    survey: dict[str, Any],
    executor_pool: asyncpg.Pool,
    producer: Producer,
    topics: Topics,
) -> ExecutorHandler:
    config.with_flow(survey)
    return ExecutorHandler(topics, Store(executor_pool), ConfigFlows(config.view), producer)


def _decoded(records: list[Any]) -> list[Envelope]:
    return [Envelope.from_bytes(r.value) for r in records]


async def _state(pool: asyncpg.Pool, key: str = KEY) -> ConversationState:
    raw = await pool.fetchval("SELECT state FROM executor.conversations WHERE key = $1", key)
    return ConversationState.model_validate(orjson.loads(raw))


async def test_an_inbound_message_produces_its_events_and_one_send_per_message(
    handler: ExecutorHandler,
    topics: Topics,
    command: MakeCommand,
    record: MakeRecord,
    drain: Drain,
    executor_pool: asyncpg.Pool,
) -> None:
    cmd = command("wamid.1", "hi")
    await handler.handle_batch([record(cmd, offset=0)])

    events = _decoded(await drain(topics.events))
    assert [e.type for e in events] == [
        "pytake.conversation.inbound_received",
        "pytake.conversation.conversation_started",
        "pytake.conversation.timer_scheduled",  # the session TTL
        "pytake.conversation.node_entered",
        "pytake.conversation.node_entered",
        "pytake.conversation.message_queued",
        "pytake.conversation.node_entered",
        "pytake.conversation.message_queued",
        "pytake.conversation.waiting_for_input",
    ]
    assert [e.id for e in events] == [
        deterministic_id("executor.event", cmd.id, i) for i in range(9)
    ]
    conversation_id = events[1].data["conversation_id"]
    assert all(e.data["conversation_id"] == conversation_id for e in events)
    assert all(
        (e.subject, e.causation_id, e.correlation_id, e.organization_id)
        == (KEY, str(cmd.id), "wamid.1", "org-1")
        for e in events
    )

    sent = await drain(topics.wa_outbound)
    assert [r.key for r in sent] == [KEY.encode()] * 2
    sends = _decoded(sent)
    assert [e.type for e in sends] == [c.OUT_SEND] * 2
    commands = [c.SendMessage.model_validate(e.data) for e in sends]
    assert [s.message.text for s in commands] == ["Hello Ada from Acme", "Your name?"]
    queued = [e for e in events if e.type.endswith("message_queued")]
    assert [s.outbound_id for s in commands] == [e.data["outbound_id"] for e in queued]
    assert [e.id for e in sends] == [
        deterministic_id("executor.send", s.outbound_id) for s in commands
    ]
    assert commands[0].contact == c.Contact(id=WA_ID, wa_id=WA_ID, name="Ada")
    assert (commands[0].organization_id, commands[0].phone_number_id) == ("org-1", NUMBER_ID)

    state = await _state(executor_pool)
    assert (state.status, state.current_node_id) == ("waiting", "q-name")


async def test_offsets_and_state_are_stored_and_the_outbox_is_empty_once_forgotten(
    handler: ExecutorHandler,
    topics: Topics,
    command: MakeCommand,
    record: MakeRecord,
    executor_pool: asyncpg.Pool,
) -> None:
    await handler.handle_batch([record(command("wamid.1", "hi"), offset=41, partition=2)])
    row = await executor_pool.fetchrow("SELECT * FROM executor.offsets")
    assert (row["topic"], row["partition"], row["next_offset"]) == (topics.commands, 2, 42)
    # Published: the rows wait for the next forget (every second), one statement for many.
    assert await executor_pool.fetchval("SELECT count(*) FROM executor.outbox") > 0
    await handler.handle_batch([record(command("wamid.2", "Ann"), offset=42, partition=2)])
    await handler.forget_published()
    assert await executor_pool.fetchval("SELECT count(*) FROM executor.outbox") == 0
    assert await executor_pool.fetchval("SELECT count(*) FROM executor.processed") == 2
    org = await executor_pool.fetchval("SELECT organization_id FROM executor.conversations")
    assert org == "org-1"


async def test_a_batch_over_several_partitions_stores_each_partitions_offset(
    handler: ExecutorHandler,
    topics: Topics,
    command: MakeCommand,
    record: MakeRecord,
    drain: Drain,
    executor_pool: asyncpg.Pool,
) -> None:
    """The consumer loop hands the executor a whole poll: one transaction, every partition's
    next offset, and the outbox of every partition published."""
    await handler.handle_batch(
        [
            record(command("wamid.p1", "hi", wa_id="111", name="Ann"), offset=7, partition=1),
            record(command("wamid.p1b", "Ann", wa_id="111", name="Ann"), offset=8, partition=1),
            record(command("wamid.p3", "hi", wa_id="333", name="Cy"), offset=30, partition=3),
        ]
    )
    rows = await executor_pool.fetch(
        "SELECT partition, next_offset FROM executor.offsets WHERE topic = $1 ORDER BY 1",
        topics.commands,
    )
    assert [(r["partition"], r["next_offset"]) for r in rows] == [(1, 9), (3, 31)]
    await handler.forget_published()
    assert await executor_pool.fetchval("SELECT count(*) FROM executor.outbox") == 0
    sent = {r.key for r in await drain(topics.wa_outbound)}
    assert sent == {f"{NUMBER_ID}:111".encode(), f"{NUMBER_ID}:333".encode()}
    stored = await handler.on_assigned({TopicPartition(topics.commands, p) for p in (1, 3)})
    assert stored == {TopicPartition(topics.commands, 1): 9, TopicPartition(topics.commands, 3): 31}


async def test_a_redelivered_command_produces_nothing_new(
    handler: ExecutorHandler,
    topics: Topics,
    command: MakeCommand,
    record: MakeRecord,
    drain: Drain,
    executor_pool: asyncpg.Pool,
) -> None:
    cmd = command("wamid.1", "hi")
    await handler.handle_batch([record(cmd, offset=0)])
    before = await _state(executor_pool)
    await handler.handle_batch([record(cmd, offset=0)])
    await handler.handle_batch([record(cmd, offset=1), record(cmd, offset=2)])
    assert len(await drain(topics.events)) == 9
    assert len(await drain(topics.wa_outbound)) == 2
    assert await _state(executor_pool) == before
    assert await executor_pool.fetchval("SELECT next_offset FROM executor.offsets") == 3


async def test_answers_in_later_batches_continue_the_conversation_to_its_end(
    handler: ExecutorHandler,
    topics: Topics,
    command: MakeCommand,
    record: MakeRecord,
    drain: Drain,
    executor_pool: asyncpg.Pool,
) -> None:
    await handler.handle_batch([record(command("wamid.1", "hi"), offset=0)])
    await handler.handle_batch(
        [
            record(command("wamid.2", "Grace"), offset=1),
            record(command("wamid.3", "Paris"), offset=2),
        ]
    )
    outbound = _decoded(await drain(topics.wa_outbound))
    sends = [e for e in outbound if e.type == c.OUT_SEND]
    texts = [e.data["message"]["text"] for e in sends]
    assert texts == [
        "Hello Ada from Acme",
        "Your name?",
        "Your city, Grace?",
        "Thanks Grace from Paris",
    ]
    state = await _state(executor_pool)
    assert (state.status, state.close_reason) == ("closed", "completed")
    assert {e.data["conversation_id"] for e in sends} == {state.conversation_id}
    assert {e.data["author"] for e in sends} == {"bot"}
    # The flow ended on its own: its last message goes, nothing is cancelled.
    assert [e for e in outbound if e.type == c.OUT_CANCEL] == []
    assert state.variables == {"company": "Acme", "name": "Grace", "city": "Paris"}


async def test_an_agent_closing_the_conversation_cancels_its_waiting_bot_messages(
    handler: ExecutorHandler,
    topics: Topics,
    command: MakeCommand,
    record: MakeRecord,
    drain: Drain,
    executor_pool: asyncpg.Pool,
) -> None:
    await handler.handle_batch([record(command("wamid.1", "hi"), offset=0)])
    state = await _state(executor_pool)
    close = Envelope.new(
        c.CMD_CLOSE,
        source="pytake-analytics",
        subject=KEY,
        data=c.Close(organization_id=state.organization_id or "").model_dump(mode="json"),
    )
    await handler.handle_batch([record(close, offset=1)])
    outbound = _decoded(await drain(topics.wa_outbound))
    [cancel] = [e for e in outbound if e.type == c.OUT_CANCEL]
    assert (cancel.data["conversation_id"], cancel.data["reason"]) == (
        state.conversation_id,
        "closed_by_agent",
    )
    assert outbound[-1] is cancel


async def test_conversations_of_different_contacts_in_one_batch_stay_apart(
    handler: ExecutorHandler,
    topics: Topics,
    command: MakeCommand,
    record: MakeRecord,
    drain: Drain,
    executor_pool: asyncpg.Pool,
) -> None:
    await handler.handle_batch(
        [
            record(command("wamid.a", "hi", wa_id="111", name="Ann"), offset=0),
            record(command("wamid.b", "hi", wa_id="222", name="Bob"), offset=1),
            record(command("wamid.a2", "Ann Lee", wa_id="111", name="Ann"), offset=2),
        ]
    )
    ann, bob = (
        await _state(executor_pool, f"{NUMBER_ID}:111"),
        await _state(executor_pool, f"{NUMBER_ID}:222"),
    )
    assert (ann.current_node_id, ann.variables.get("name")) == ("q-city", "Ann Lee")
    assert (bob.current_node_id, bob.variables.get("name")) == ("q-name", None)
    assert ann.conversation_id != bob.conversation_id
    by_key: dict[bytes, list[str]] = {}
    for r in await drain(topics.wa_outbound):
        by_key.setdefault(r.key, []).append(Envelope.from_bytes(r.value).data["message"]["text"])
    assert by_key == {
        f"{NUMBER_ID}:111".encode(): ["Hello Ann from Acme", "Your name?", "Your city, Ann Lee?"],
        f"{NUMBER_ID}:222".encode(): ["Hello Bob from Acme", "Your name?"],
    }


async def test_a_status_command_is_recorded_without_outputs(
    handler: ExecutorHandler,
    topics: Topics,
    record: MakeRecord,
    drain: Drain,
    executor_pool: asyncpg.Pool,
) -> None:
    status = Envelope.new(
        c.CMD_HANDLE_STATUS,
        source="pytake-router",
        subject=KEY,
        data=(
            c.HandleStatus(
                organization_id="org-1",
                phone_number_id=NUMBER_ID,
                status={"id": "wamid.out", "status": "read"},
            ).model_dump(mode="json")
        ),
    )
    await handler.handle_batch([record(status, offset=5)])
    assert await drain(topics.events) == []
    assert await drain(topics.wa_outbound) == []
    assert await executor_pool.fetchval("SELECT next_offset FROM executor.offsets") == 6


@pytest.mark.parametrize(
    ("kind", "data", "reason"),
    [
        ("pytake.conversation.do_magic", {}, "unknown command type"),
        (
            c.CMD_HANDLE_INBOUND,
            {"organization_id": "org-1"},
            "bad pytake.conversation.handle_inbound",
        ),
    ],
)
async def test_a_command_that_cannot_be_applied_is_invalid_and_the_batch_leaves_no_trace(
    handler: ExecutorHandler,
    topics: Topics,
    command: MakeCommand,
    record: MakeRecord,
    drain: Drain,
    executor_pool: asyncpg.Pool,
    kind: str,
    data: dict[str, Any],
    reason: str,
) -> None:
    bad = Envelope.new(kind, source="t", subject=KEY, data=data)
    with pytest.raises(InvalidInput, match=reason):
        await handler.handle_batch(
            [record(command("wamid.1", "hi"), offset=0), record(bad, offset=1)]
        )
    assert await drain(topics.events) == []
    for table in ("conversations", "processed", "outbox", "offsets"):
        assert await executor_pool.fetchval(f"SELECT count(*) FROM executor.{table}") == 0


async def test_on_assigned_publishes_leftover_outbox_rows_and_returns_stored_offsets(
    handler: ExecutorHandler,
    topics: Topics,
    executor_pool: asyncpg.Pool,
    drain: Drain,
) -> None:
    # A crash between the commit and the publish leaves rows in the outbox.
    leftover = Envelope.new(
        c.OUT_SEND, source="pytake-executor", subject=KEY, data={"outbound_id": "o-1"}
    )
    await executor_pool.execute(
        "INSERT INTO executor.outbox (source_partition, topic, key, value) "
        "VALUES (1, $1, $2, $3), (3, $1, $2, $3)",
        topics.wa_outbound,
        KEY,
        leftover.to_bytes(),
    )
    await executor_pool.execute(
        "INSERT INTO executor.offsets (topic, partition, next_offset) "
        "VALUES ($1, 1, 17), ('other.topic', 0, 99)",
        topics.commands,
    )

    offsets = await handler.on_assigned(
        {
            TopicPartition(topics.commands, 1),
            TopicPartition(topics.commands, 2),
            TopicPartition("other.topic", 0),
        }
    )
    assert offsets == {TopicPartition(topics.commands, 1): 17}
    [published] = await drain(topics.wa_outbound)
    assert Envelope.from_bytes(published.value) == leftover
    assert published.key == KEY.encode()
    # Only the assigned partition's rows were flushed.
    rows = await executor_pool.fetch("SELECT source_partition FROM executor.outbox")
    assert [r["source_partition"] for r in rows] == [3]


async def test_a_reassignment_does_not_publish_again_what_this_instance_published(
    handler: ExecutorHandler,
    topics: Topics,
    command: MakeCommand,
    record: MakeRecord,
    drain: Drain,
    executor_pool: asyncpg.Pool,
) -> None:
    """Published rows wait for the next forget; a rebalance handing the partition back forgets
    them first instead of flushing them as leftovers (a repeat of every record)."""
    await handler.handle_batch([record(command("wamid.1", "hi"), offset=0, partition=2)])
    assert await executor_pool.fetchval("SELECT count(*) FROM executor.outbox") > 0
    await handler.on_assigned({TopicPartition(topics.commands, 2)})
    assert await executor_pool.fetchval("SELECT count(*) FROM executor.outbox") == 0
    sent = _decoded(await drain(topics.wa_outbound))
    assert sent and len(sent) == len({e.id for e in sent})  # none twice
    # Moving away, they are forgotten before the next owner looks for leftovers.
    await handler.handle_batch([record(command("wamid.2", "Ann"), offset=1, partition=2)])
    assert await executor_pool.fetchval("SELECT count(*) FROM executor.outbox") > 0
    await handler.on_revoked({TopicPartition(topics.commands, 2)})
    assert await executor_pool.fetchval("SELECT count(*) FROM executor.outbox") == 0


async def test_the_published_events_replay_through_evolve_to_the_stored_state(
    handler: ExecutorHandler,
    topics: Topics,
    command: MakeCommand,
    record: MakeRecord,
    drain: Drain,
    executor_pool: asyncpg.Pool,
) -> None:
    await handler.handle_batch([record(command("wamid.1", "hi"), offset=0)])
    await handler.handle_batch([record(command("wamid.2", "Grace"), offset=1)])
    state = ConversationState(key=KEY)
    for env in _decoded(await drain(topics.events)):
        state = evolve(state, EVENT_ADAPTER.validate_python(env.data))
    assert state == await _state(executor_pool)


class BrokerAwayOnce:
    """The real producer, except that the broker is away for the first publish."""

    def __init__(self, producer: Producer) -> None:
        self._producer = producer
        self.failed = False

    async def send_many(self, items: Any) -> None:
        if not self.failed:
            self.failed = True
            raise TransientError("broker did not acknowledge: test")
        await self._producer.send_many(items)


async def test_a_batch_whose_publish_failed_goes_out_before_the_next_one_in_order(
    config: Any,
    survey: dict[str, Any],
    executor_pool: asyncpg.Pool,
    producer: Producer,
    topics: Topics,
    command: MakeCommand,
    record: MakeRecord,
    drain: Drain,
) -> None:
    config.with_flow(survey)
    away = BrokerAwayOnce(producer)
    handler = ExecutorHandler(topics, Store(executor_pool), ConfigFlows(config.view), away)  # type: ignore[arg-type]
    first = command("wamid.1", "hi")
    with pytest.raises(TransientError):
        await handler.handle_batch([record(first, offset=0, partition=2)])
    # Committed but not published: the rows wait in the outbox.
    assert await executor_pool.fetchval("SELECT count(*) FROM executor.outbox") == 11
    second = command("wamid.2", "Ada")
    await handler.handle_batch([record(second, offset=1, partition=2)])

    events = _decoded(await drain(topics.events))
    assert [e.causation_id for e in events][:9] == [str(first.id)] * 9
    assert {e.causation_id for e in events[9:]} == {str(second.id)}
    assert len(_decoded(await drain(topics.wa_outbound))) == 3
    assert await executor_pool.fetchval("SELECT count(*) FROM executor.outbox") == 0
