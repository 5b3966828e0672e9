"""The projection consumer: executor events, sender deliveries and Meta's statuses → rows.

A poll is one PostgreSQL transaction holding its rows, the envelope ids applied and each
partition's next offset, so a batch takes effect exactly once; `on_assigned` resumes
every partition from the offset stored with the rows (0 when none is: an empty projection,
e.g. after a rebuild wiped it, replays the topic). Records below the stored offset, and ids
already applied, are skipped. Records the projection cannot use are counted and skipped, never
retried or parked, so the live consumer and a rebuild fold exactly the same records.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from typing import Any

import asyncpg
from aiokafka import TopicPartition
from prometheus_client import Counter, Gauge

from pytake_analytics.adapters import live
from pytake_analytics.adapters import projections as db
from pytake_analytics.adapters.outbox import Outbox
from pytake_analytics.domain.deliveries import DeliveryUpdate, from_delivery, from_status
from pytake_analytics.domain.projection import (
    EVENT_PREFIX,
    Conversation,
    Fact,
    Message,
    Queued,
    Unusable,
    Visit,
    apply,
    start,
)
from pytake_analytics.projections import marketing
from pytake_shared import contracts as c
from pytake_shared.kafka import BatchHandler, Record
from pytake_shared.topics import Topics

log = logging.getLogger(__name__)

GROUP = "analytics-projections"
RECORDS = Counter(
    "pytake_analytics_projection_records_total",
    "Records read by the projections, by outcome (applied, duplicate, ignored, unusable)",
    ["topic", "outcome"],
)
LAST_EVENT = Gauge(
    "pytake_analytics_projection_last_record_timestamp_seconds",
    "Envelope time of the last record the projections applied",
    ["topic"],
)


class ProjectionHandler(BatchHandler):
    def __init__(
        self,
        topics: Topics,
        pool: asyncpg.Pool,
        *,
        rebuilding: bool = False,
        outbox: Outbox | None = None,
    ) -> None:
        self._topics = topics
        self.pool = pool
        self._rebuilding = rebuilding  # the rebuild holds the rebuild lock itself
        self._outbox = outbox  # template changes are published through it (not in a rebuild)
        self._templates_changed = False
        self.sources = (topics.events, topics.wa_delivery, topics.wa_inbound)

    async def on_assigned(self, partitions: set[TopicPartition]) -> dict[TopicPartition, int]:
        stored = await db.offsets(self.pool, self.sources)
        return {
            tp: stored.get((tp.topic, tp.partition), 0)
            for tp in partitions
            if tp.topic in self.sources
        }

    async def handle_batch(self, records: Sequence[Record]) -> None:
        """A whole poll (several topics and partitions) in one transaction."""
        async with self.pool.acquire() as conn, conn.transaction():
            if not self._rebuilding:
                await db.share_rebuild_lock(conn)
            await self._apply(conn, records)
        if self._templates_changed and self._outbox is not None:
            self._templates_changed = False
            await self._outbox.flush_quietly()

    async def apply(self, conn: Any, records: Sequence[Record]) -> None:
        """Fold records (each partition's in offset order) inside the caller's transaction."""
        if not self._rebuilding:
            await db.share_rebuild_lock(conn)
        await self._apply(conn, records)

    async def _apply(self, conn: Any, records: Sequence[Record]) -> None:
        """Every partition of the poll at once: one statement locks their offsets, one claims
        the events' ids, each kind of fold runs once over all its records (a
        conversation or a send lives on one partition, whose order is kept), one stores the
        offsets. Folding partition by partition cost ~9 statements each, 36 partitions a poll."""
        parts: dict[tuple[str, int], list[Record]] = {}
        for record in records:
            parts.setdefault((record.topic, record.partition), []).append(record)
        stored = await db.lock_offsets(conn, list(parts))
        fresh = [r for part, rs in parts.items() for r in rs if r.offset >= stored.get(part, 0)]
        # Events are folded once: their ids are claimed in this transaction. Deliveries and
        # statuses merge idempotently, so theirs are not kept (only repeats within the poll go).
        events_topic = self._topics.events
        new = await db.claim(conn, [r.envelope.id for r in fresh if r.topic == events_topic])
        seen: set[uuid.UUID] = set()
        todo: dict[str, list[Record]] = {}
        for record in fresh:
            env_id = record.envelope.id
            if env_id in seen or (record.topic == events_topic and env_id not in new):
                RECORDS.labels(record.topic, "duplicate").inc()
                continue
            seen.add(env_id)
            todo.setdefault(record.topic, []).append(record)
        events = todo.pop(events_topic, [])
        if events:
            await self._events(conn, events)
        deliveries = [r for topic_records in todo.values() for r in topic_records]
        if deliveries:
            await self._deliveries(conn, deliveries)
        inbound = todo.get(self._topics.wa_inbound)
        if inbound and await marketing.fold(conn, self._outbox, inbound):
            self._templates_changed = True
        await db.store_offsets(conn, {part: rs[-1].offset + 1 for part, rs in parts.items()})
        for topic, topic_records in [(events_topic, events), *todo.items()]:
            if topic_records:
                LAST_EVENT.labels(topic).set(topic_records[-1].envelope.time.timestamp())

    async def _deliveries(self, conn: Any, records: Sequence[Record]) -> None:
        statuses = [r for r in records if r.envelope.type == c.WA_STATUS_RECEIVED]
        owners = await db.number_owners(
            conn, {str(r.envelope.data.get("phone_number_id") or "") for r in statuses}
        )
        updates: list[DeliveryUpdate] = []
        for record in records:
            env = record.envelope
            try:
                if record.topic == self._topics.wa_inbound:
                    if env.type != c.WA_STATUS_RECEIVED:
                        continue  # a contact's message: the executor's events tell its story
                    # The tenant is the one owning the number the status came in on; Meta's
                    # retried webhooks merge into the same row again.
                    org = owners.get(str(env.data.get("phone_number_id") or ""))
                    update = from_status(env.data, env.time, org)
                else:
                    update = from_delivery(env.type, env.data, env.time, env.organization_id)
            except Unusable as exc:
                RECORDS.labels(record.topic, "unusable").inc()
                log.warning("unusable %s %s: %s", env.type, env.id, exc)
                continue
            if update is None:
                RECORDS.labels(record.topic, "ignored").inc()
                continue
            RECORDS.labels(record.topic, "applied").inc()
            updates.append(update)
        if updates:
            await db.merge_deliveries(conn, updates)
            touched = ((u.organization_id, u.outbound_id) for u in updates)
            await live.notify(conn, await live.delivery_changes(conn, touched))

    async def _events(self, conn: Any, records: Sequence[Record]) -> None:
        facts = [(r, _fact(r)) for r in records]
        ids = {f.conversation_id for _, f in facts if f is not None and f.conversation_id}
        conversations = await db.load_conversations(conn, ids)
        starting = {
            f.conversation_id
            for _, f in facts
            if f is not None and f.type == "conversation_started" and f.conversation_id
        }
        fold = _Fold(conversations, await db.take_pending(conn, starting - conversations.keys()))
        for record, fact in facts:
            if fact is None or fact.conversation_id is None:
                RECORDS.labels(record.topic, "ignored").inc()
                continue
            try:
                fold.add(fact)
            except (Unusable, ValueError, TypeError) as exc:
                RECORDS.labels(record.topic, "unusable").inc()
                log.warning("unusable %s %s: %s", record.envelope.type, record.envelope.id, exc)
                continue
            RECORDS.labels(record.topic, "applied").inc()
        changed = [conversations[i] for i in fold.changed]
        await db.save_conversations(conn, changed)
        await live.notify(
            conn,
            (
                live.Change(str(c.organization_id), c.key, "conversation", c.id, c.status)
                for c in changed
            ),
        )
        await db.add_messages(conn, fold.messages)
        await db.add_visits(conn, fold.visits)
        await db.add_queued(conn, fold.queued)
        await db.add_pending(
            conn,
            [(cid, f) for cid, fs in fold.pending.items() if cid in fold.parked for f in fs],
        )


def _fact(record: Record) -> Fact | None:
    env = record.envelope
    if not env.type.startswith(EVENT_PREFIX):
        return None
    return Fact(
        event_id=str(env.id),
        type=env.type.removeprefix(EVENT_PREFIX),
        data=env.data,
        time=env.time,
        key=env.subject or record.key or "",
        organization_id=env.organization_id,
        position=record.offset,
    )


class _Fold:
    """The conversations of one batch, folded in memory; the rows to write."""

    def __init__(
        self, conversations: dict[str, Conversation], pending: dict[str, list[Fact]]
    ) -> None:
        self.conversations = conversations
        self.pending = pending  # events waiting for their conversation_started
        self.parked: set[str] = set()  # conversations whose pending events came in this batch
        self.changed: set[str] = set()
        self.messages: list[Message] = []
        self.visits: list[Visit] = []
        self.queued: list[Queued] = []

    def add(self, fact: Fact) -> None:
        cid = fact.conversation_id
        if cid is None:
            return
        if fact.type == "conversation_started":
            if cid in self.conversations:
                return  # started once; a second start under another id changes nothing
            self.conversations[cid] = start(fact)
            self.changed.add(cid)
            for waiting in self.pending.pop(cid, []):
                try:
                    self._apply(cid, waiting)
                except (Unusable, ValueError, TypeError) as exc:
                    log.warning("unusable pending %s of %s: %s", waiting.type, cid, exc)
            self.parked.discard(cid)
            return
        if cid not in self.conversations:
            self.pending.setdefault(cid, []).append(fact)
            self.parked.add(cid)
            return
        self._apply(cid, fact)

    def _apply(self, cid: str, fact: Fact) -> None:
        outcome = apply(self.conversations[cid], fact)
        self.conversations[cid] = outcome.conversation
        self.changed.add(cid)
        self.messages.extend(outcome.messages)
        self.visits.extend(outcome.visits)
        self.queued.extend(outcome.queued)
