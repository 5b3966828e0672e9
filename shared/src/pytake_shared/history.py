"""A conversation's recorded history: the records of its key, decoded, folded into states.

The key's records are read from the one partition its key maps to (no consumer group), the
executor's events are folded with the engine's own `evolve`, and the state before and after
each is kept: `pytake replay conversation` prints these steps and the console's replay shows
them. Records that are not the engine's events (the router's `unrouted`...) are skipped.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson
from pydantic import ValidationError

from pytake_shared.contracts import conversation_events as events
from pytake_shared.engine.state import ConversationState, evolve
from pytake_shared.envelope import Envelope, EnvelopeError
from pytake_shared.kafka.reader import TopicReader, partition_for_key


@dataclass(frozen=True)
class Entry:
    """One record as replay shows it: where it is, and its envelope (None if undecodable)."""

    partition: int
    offset: int
    key: str | None
    time: datetime
    envelope: Envelope | None
    error: str | None = None
    raw: bytes | None = None

    @classmethod
    def of(cls, record: Any) -> Entry:
        key = record.key.decode(errors="replace") if record.key is not None else None
        stamp = datetime.fromtimestamp(record.timestamp / 1000, UTC)
        try:
            env = Envelope.from_bytes(record.value)
        except EnvelopeError as exc:
            return cls(record.partition, record.offset, key, stamp, None, str(exc), record.value)
        return cls(record.partition, record.offset, key, env.time, env)

    def as_json(self) -> bytes:
        if self.envelope is not None:
            return self.envelope.to_bytes()
        raw = (self.raw or b"").decode(errors="replace")
        return orjson.dumps(
            {
                "partition": self.partition,
                "offset": self.offset,
                "key": self.key,
                "error": self.error,
                "value": raw,
            }
        )


@dataclass(frozen=True)
class Step:
    number: int  # 1-based, among the steps shown
    entry: Entry
    event: events.Event
    conversation_id: str | None
    before: ConversationState
    after: ConversationState


async def read_key(
    reader: TopicReader, topic: str, key: str, on_batch: Callable[[int], None] | None = None
) -> list[Entry]:
    """Every decodable record of `key` on `topic`, in offset order (one partition)."""
    partition = partition_for_key(key, len(await reader.partitions(topic)))
    plan = await reader.plan(topic, only=[partition])
    found = []
    async for record in reader.read(plan, on_batch=on_batch):
        if record.key == key.encode():
            entry = Entry.of(record)
            if entry.envelope is not None:
                found.append(entry)
    return found


def decode_event(entry: Entry) -> events.Event | None:
    env = entry.envelope
    if env is None or not events.is_event(env.type):
        return None
    try:
        return events.decode(env.type, env.data)
    except ValidationError:
        return None


def fold(key: str, entries: list[Entry], conversation_id: str | None = None) -> list[Step]:
    """The steps of the key's history; with `conversation_id`, only that conversation's
    (numbered from 1), the state still folded from the very first event."""
    state = ConversationState(key=key)
    steps: list[Step] = []
    for entry in entries:
        event = decode_event(entry)
        if event is None:
            continue
        owner = entry.envelope.data.get("conversation_id") if entry.envelope else None
        after = evolve(state, event)
        if conversation_id is None or owner == conversation_id:
            steps.append(Step(len(steps) + 1, entry, event, owner, state, after))
        state = after
    return steps


def conversations(steps: list[Step]) -> dict[str, list[Step]]:
    found: dict[str, list[Step]] = {}
    for step in steps:
        if step.conversation_id:
            found.setdefault(step.conversation_id, []).append(step)
    return found
