"""Executor handler: conversation.commands.v1 → state + events + sends, exactly once.

A batch (everything one poll returned, over any number of partitions) is decided in memory,
then one PostgreSQL transaction writes the new states, the ids applied, the outbox rows and
each partition's next offset; the batch's outbox rows are published after the commit. A
command whose id is already applied is skipped, so redeliveries are harmless.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from aiokafka import TopicPartition
from prometheus_client import Counter

from pytake_executor.adapters.flows import ConfigFlows
from pytake_executor.adapters.store import Store, TimerChanges
from pytake_shared import contracts as c
from pytake_shared.contracts.conversation_events import (
    FLOW_ENDS,
    ConversationClosed,
    ConversationStarted,
    Event,
    MessageQueued,
    TimerCancelled,
    TimerElapsed,
    TimerScheduled,
    event_type,
    to_data,
)
from pytake_shared.engine.engine import decide
from pytake_shared.engine.records import to_command
from pytake_shared.engine.state import ConversationState, evolve
from pytake_shared.envelope import Envelope, deterministic_id
from pytake_shared.kafka import BatchHandler, Producer, Record
from pytake_shared.topics import Topics

log = logging.getLogger(__name__)

COMMANDS = Counter("pytake_executor_commands_total", "Commands by outcome", ["type", "outcome"])
SOURCE = "pytake-executor"


class ExecutorHandler(BatchHandler):
    def __init__(
        self, topics: Topics, store: Store, flows: ConfigFlows, producer: Producer
    ) -> None:
        self._topics = topics
        self._store = store
        self._flows = flows
        self._producer = producer
        # Partitions whose outbox rows may not all be published (a publish or its deletion
        # failed): they publish from the table, in order, before anything newer.
        self._behind: set[int] = set()
        # Batches published whose outbox rows are still to delete: (partitions, first, last seq).
        self._published: list[tuple[list[int], int, int]] = []

    async def on_assigned(self, partitions: set[TopicPartition]) -> dict[TopicPartition, int]:
        mine = [tp for tp in partitions if tp.topic == self._topics.commands]
        await self.forget_published()  # what this instance published is not a leftover
        for tp in mine:
            published = await self._store.flush_outbox(self._producer, [tp.partition])
            if published:
                log.info("published %d outbox leftovers of partition %d", published, tp.partition)
            self._behind.discard(tp.partition)
        stored = await self._store.offsets(self._topics.commands, [tp.partition for tp in mine])
        return {TopicPartition(self._topics.commands, p): off for p, off in stored.items()}

    async def handle_batch(self, records: Sequence[Record]) -> None:
        async with self._store.pool.acquire() as conn, conn.transaction():
            done, states = await self._store.read(
                conn, [r.envelope.id for r in records], {r.envelope.subject for r in records}
            )
            outbox: list[tuple[int, str, Envelope]] = []
            offsets: dict[tuple[str, int], int] = {}
            timers = TimerChanges()
            applied = []
            changed: dict[str, ConversationState] = {}
            for record in records:
                offsets[record.topic, record.partition] = record.offset + 1
                env = record.envelope
                if env.id in done:
                    COMMANDS.labels(env.type, "duplicate").inc()
                    continue
                done.add(env.id)
                applied.append(env.id)
                state = states.get(env.subject) or ConversationState(key=env.subject)
                new_state, out = self._apply(state, env, timers)
                states[env.subject] = changed[env.subject] = new_state
                outbox.extend((record.partition, topic, out_env) for topic, out_env in out)
            written = await self._store.save(
                conn,
                states=changed.values(),
                processed=applied,
                outbox=outbox,
                timers=timers,
                offsets=offsets,
            )
        partitions = sorted({p for _, p in offsets})
        if self._behind.intersection(partitions):
            await self.forget_published()
            await self._store.flush_outbox(self._producer, partitions)
            self._behind.difference_update(partitions)
        elif written is not None:
            self._behind.update(partitions)
            await self._producer.send_many((topic, env) for _, topic, env in outbox)
            self._behind.difference_update(partitions)
            self._published.append((partitions, *written))

    async def on_revoked(self, partitions: set[TopicPartition]) -> None:
        # Before the partitions move: their next owner would flush these rows as leftovers.
        try:
            await self.forget_published()
        except Exception as exc:  # kept: the next owner publishes them again, nothing is lost
            log.warning("published outbox rows not forgotten before a rebalance: %r", exc)

    async def forget_published(self) -> None:
        """Delete the outbox rows of the batches published since the last call, in one
        statement (every second, before a flush from the table, at shutdown): a DELETE after
        each batch was the pipeline's costliest statement (28 % of PostgreSQL's time). Rows
        published but not yet deleted when the process dies are published again by their
        partition's next owner before anything newer: a repeat every consumer drops by id."""
        batches, self._published = self._published, []
        try:
            await self._store.forget_published_batches(batches)
        except BaseException:
            self._published[:0] = batches
            raise

    def _apply(
        self, state: ConversationState, env: Envelope, timers: TimerChanges
    ) -> tuple[ConversationState, list[tuple[str, Envelope]]]:
        events = decide(state, to_command(env), self._flows.lookup())
        COMMANDS.labels(env.type, "applied").inc()
        return self._outputs(state, env, events, timers)

    def _outputs(
        self,
        state: ConversationState,
        cause: Envelope,
        events: list[Event],
        timers: TimerChanges,
    ) -> tuple[ConversationState, list[tuple[str, Envelope]]]:
        """Fold `events` into `state`, and the records they publish: each event stamped with
        the conversation it belongs to at that point (one command can close one conversation
        and start the next)."""
        out: list[tuple[str, Envelope]] = []
        owners = _conversation_of_each(state, events)
        for index, event in enumerate(events):
            state = evolve(state, event)
            out.append(
                (
                    self._topics.events,
                    Envelope.new(
                        event_type(event),
                        id=deterministic_id("executor.event", cause.id, index),
                        source=SOURCE,
                        subject=cause.subject,
                        causation=cause,
                        organization_id=state.organization_id,
                        data=to_data(event, owners[index]),
                    ),
                )
            )
            if isinstance(event, MessageQueued):
                send = c.SendMessage(
                    outbound_id=event.outbound_id,
                    organization_id=state.organization_id or "",
                    phone_number_id=state.phone_number_id or "",
                    contact=c.Contact.model_validate(state.contact),
                    message=c.OutboundMessage.model_validate(event.message),
                    conversation_id=owners[index],
                    author="agent" if event.author == "agent" else "bot",
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
            elif (
                isinstance(event, ConversationClosed)
                and owners[index]
                and event.reason not in FLOW_ENDS
            ):
                # Closed from outside the flow (an agent, a loop stopped, a restart): its bot
                # messages still waiting at the sender (paced out over minutes, say) are not
                # worth sending. A flow that ends on its own keeps them: its last words count.
                cancel = c.CancelSends(
                    organization_id=state.organization_id or "",
                    conversation_id=owners[index] or "",
                    reason=event.reason,
                )
                out.append(
                    (
                        self._topics.wa_outbound,
                        Envelope.new(
                            c.OUT_CANCEL,
                            id=deterministic_id("executor.cancel", owners[index]),
                            source=SOURCE,
                            subject=cause.subject,
                            causation=cause,
                            data=cancel.model_dump(mode="json"),
                        ),
                    )
                )
            elif isinstance(event, TimerScheduled):
                timers.schedule.append(
                    (
                        event.timer_id,
                        cause.subject,
                        state.organization_id,
                        event.kind,
                        event.fire_at,
                    )
                )
            elif isinstance(event, TimerCancelled | TimerElapsed):
                timers.done.append(event.timer_id)
        return state, out


def _conversation_of_each(state: ConversationState, events: list[Event]) -> list[str | None]:
    """The conversation each event belongs to. What precedes a `ConversationStarted` belongs
    to the new conversation (the inbound that opened it), except the closing of the previous
    one (up to its `ConversationClosed`), which stays with the old."""
    owners: list[str | None] = []
    current = state.conversation_id
    pending: list[int] = []  # indexes waiting to learn whether a new conversation starts
    for index, event in enumerate(events):
        if isinstance(event, ConversationStarted):
            owners.extend([event.conversation_id] * len(pending))
            pending = []
            current = event.conversation_id
            owners.append(current)
        elif isinstance(event, ConversationClosed):
            owners.extend([current] * (len(pending) + 1))
            pending = []
        elif state.status in ("new", "closed") or pending or (owners and current is None):
            pending.append(index)
        else:
            owners.append(current)
        state = evolve(state, event)
    owners.extend([current] * len(pending))
    return owners
