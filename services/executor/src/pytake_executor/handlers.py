"""Executor handler: conversation.commands.v1 → state + events + sends, exactly once.

A batch (one partition) is decided in memory, then one PostgreSQL transaction writes the new
states, the ids applied, the outbox rows and the next offset; the outbox is published after the
commit. A command whose id is already applied is skipped, so redeliveries are harmless.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from aiokafka import TopicPartition
from prometheus_client import Counter

from pytake_executor.adapters.flows import ConfigFlows
from pytake_executor.adapters.store import Store
from pytake_executor.domain.engine import Inbound, decide
from pytake_executor.domain.events import Event, MessageQueued
from pytake_executor.domain.state import ConversationState, evolve
from pytake_shared import contracts as c
from pytake_shared.envelope import Envelope, deterministic_id
from pytake_shared.errors import InvalidInput
from pytake_shared.kafka import Producer, Record, RecordHandler
from pytake_shared.topics import Topics

log = logging.getLogger(__name__)

COMMANDS = Counter("pytake_executor_commands_total", "Commands by outcome", ["type", "outcome"])
SOURCE = "pytake-executor"


class ExecutorHandler(RecordHandler):
    batched = True

    def __init__(
        self, topics: Topics, store: Store, flows: ConfigFlows, producer: Producer
    ) -> None:
        self._topics = topics
        self._store = store
        self._flows = flows
        self._producer = producer

    async def on_assigned(self, partitions: set[TopicPartition]) -> dict[TopicPartition, int]:
        mine = [tp for tp in partitions if tp.topic == self._topics.commands]
        for tp in mine:
            published = await self._store.flush_outbox(self._producer, tp.partition)
            if published:
                log.info("published %d outbox leftovers of partition %d", published, tp.partition)
        stored = await self._store.offsets(self._topics.commands, [tp.partition for tp in mine])
        return {TopicPartition(self._topics.commands, p): off for p, off in stored.items()}

    async def handle(self, record: Record) -> None:
        await self.handle_batch([record])

    async def handle_batch(self, records: Sequence[Record]) -> None:
        partition = records[0].partition
        async with self._store.pool.acquire() as conn, conn.transaction():
            done = await self._store.processed(conn, [r.envelope.id for r in records])
            states = await self._store.load(conn, {r.envelope.subject for r in records})
            outbox: list[tuple[str, Envelope]] = []
            applied = []
            changed: dict[str, ConversationState] = {}
            for record in records:
                env = record.envelope
                if env.id in done:
                    COMMANDS.labels(env.type, "duplicate").inc()
                    continue
                done.add(env.id)
                applied.append(env.id)
                state = states.get(env.subject) or ConversationState(key=env.subject)
                new_state, out = self._apply(state, env)
                states[env.subject] = changed[env.subject] = new_state
                outbox.extend(out)
            await self._store.save(
                conn,
                states=changed.values(),
                processed=applied,
                outbox=outbox,
                partition=partition,
                topic=records[0].topic,
                next_offset=records[-1].offset + 1,
            )
        await self._store.flush_outbox(self._producer, partition)

    def _apply(
        self, state: ConversationState, env: Envelope
    ) -> tuple[ConversationState, list[tuple[str, Envelope]]]:
        if env.type == c.CMD_HANDLE_STATUS:
            COMMANDS.labels(env.type, "recorded").inc()
            return state, []
        if env.type != c.CMD_HANDLE_INBOUND:
            raise InvalidInput(f"unknown command type {env.type}")
        try:
            cmd = c.HandleInbound.model_validate(env.data)
        except ValueError as exc:
            raise InvalidInput(f"bad {env.type}: {exc}") from exc
        message = cmd.message
        interactive = message.get("interactive") or {}
        inbound = Inbound(
            command_id=str(env.id),
            organization_id=cmd.organization_id,
            chatbot_id=cmd.chatbot_id,
            phone_number_id=cmd.phone_number_id,
            contact=cmd.contact.model_dump(),
            message_id=message.get("id"),
            message_type=str(message.get("type") or "unknown"),
            text=message.get("text"),
            reply_id=interactive.get("id") or (message.get("button") or {}).get("payload"),
            at=cmd.received_at,
        )
        events = decide(state, inbound, self._flows.lookup())
        COMMANDS.labels(env.type, "applied").inc()
        new_state = state
        for event in events:
            new_state = evolve(new_state, event)
        return new_state, self._outputs(new_state, env, events)

    def _outputs(
        self, state: ConversationState, cause: Envelope, events: list[Event]
    ) -> list[tuple[str, Envelope]]:
        out: list[tuple[str, Envelope]] = []
        for index, event in enumerate(events):
            data: dict[str, Any] = event.model_dump(mode="json")
            data["conversation_id"] = state.conversation_id
            out.append(
                (
                    self._topics.events,
                    Envelope.new(
                        f"pytake.conversation.{event.type}",
                        id=deterministic_id("executor.event", cause.id, index),
                        source=SOURCE,
                        subject=cause.subject,
                        causation=cause,
                        data=data,
                    ),
                )
            )
            if isinstance(event, MessageQueued):
                send = c.SendCommand(
                    outbound_id=event.outbound_id,
                    organization_id=state.organization_id or "",
                    phone_number_id=state.phone_number_id or "",
                    contact=c.Contact.model_validate(state.contact),
                    message=c.OutboundMessage.model_validate(event.message),
                )
                out.append(
                    (
                        self._topics.wa_outbound,
                        Envelope.new(
                            c.OUT_SEND,
                            id=deterministic_id("executor.send", event.outbound_id),
                            source=SOURCE,
                            subject=cause.subject,
                            causation=cause,
                            data=send.model_dump(mode="json"),
                        ),
                    )
                )
        return out
