"""Scripted conversations: the records the executor, the sender and ingress publish for one
contact, built by hand so projection tests know exactly what each row must hold.

`Script` writes envelopes shaped like the real ones (types, data fields, `conversation_id`,
deterministic ids); `Feeder` hands them straight to a `ProjectionHandler` as records of a
partition (no broker), and `publish` puts them on the topics for the live consumer.
"""

from __future__ import annotations

import itertools
import uuid
from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from pytake_analytics.projections import ProjectionHandler
from pytake_shared import contracts as c
from pytake_shared.contracts import conversation_events as ev
from pytake_shared.envelope import Envelope, deterministic_id
from pytake_shared.kafka import Producer, Record
from pytake_shared.topics import Topics

T0 = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
_counter = itertools.count()

# (topic role, envelope): role is "events", "delivery" or "inbound" (Meta's statuses)
Item = tuple[str, Envelope]


class Script:
    def __init__(
        self,
        org: uuid.UUID,
        *,
        contact: str = "5511999990001",
        number: str = "100001",
        chatbot: str = "bot-1",
        flow_id: str = "flow-1",
        version: int = 1,
        start: datetime = T0,
        name: str = "Ada",
    ) -> None:
        self.org = str(org)
        self.contact = contact
        self.number = number
        self.key = f"{number}:{contact}"
        self.chatbot = chatbot
        self.flow_id = flow_id
        self.version = version
        self.now = start
        self.name = name
        self.items: list[Item] = []
        self.conversation_id = ""
        self._n = next(_counter)
        self._seq = itertools.count()
        self._out = itertools.count()

    def tick(self, seconds: float) -> Script:
        self.now += timedelta(seconds=seconds)
        return self

    def _event(self, kind: str, *, org: bool = True, **fields: Any) -> Envelope:
        """An event as the executor writes it: through the topic's contract, so a field the
        contract does not have (renamed, say) fails here, not silently in a projection."""
        event = ev.decode(kind, fields)
        unknown = set(fields) - set(type(event).model_fields)
        assert not unknown, f"{kind} has no field {sorted(unknown)} in the contract"
        return self.broken(kind, org=org, **ev.to_data(event, self.conversation_id))

    def broken(self, kind: str, *, org: bool = True, **data: Any) -> Envelope:
        """A record of type `kind` with whatever `data`, valid or not (a writer's bug)."""
        env = Envelope.new(
            ev.PREFIX + kind,
            id=deterministic_id("test.event", self._n, next(self._seq)),
            source="pytake-executor",
            subject=self.key,
            time=self.now,
            organization_id=self.org if org else None,
            data={"conversation_id": self.conversation_id, **data},
        )
        self.items.append(("events", env))
        return env

    def start(self, text: str = "hi", *, first: bool = True) -> Script:
        """The inbound that opens a conversation, then `conversation_started` (as the
        executor orders them: the very first inbound of a contact has no tenant yet)."""
        self.conversation_id = str(deterministic_id("test.conversation", self._n, self.now))
        self._event(
            "inbound_received",
            org=not first,
            message_id=f"wamid.in.{self._n}.{next(self._seq)}",
            message_type="text",
            text=text,
            at=int(self.now.timestamp()),
        )
        self._event(
            "conversation_started",
            conversation_id=self.conversation_id,
            organization_id=self.org,
            chatbot_id=self.chatbot,
            phone_number_id=self.number,
            contact={"id": self.contact, "wa_id": self.contact, "name": self.name},
            flow_id=self.flow_id,
            flow_version=self.version,
            flow_name="Pizza",
            variables={"greeting": "hello"},
            at=int(self.now.timestamp()),
        )
        return self

    def inbound(
        self, text: str | None, *, kind: str = "text", content: dict[str, Any] | None = None
    ) -> Script:
        self._event(
            "inbound_received",
            message_id=f"wamid.in.{self._n}.{next(self._seq)}",
            message_type=kind,
            text=text,
            at=int(self.now.timestamp()),
            content=content,
        )
        return self

    def node(self, node_id: str, node_type: str = "message") -> Script:
        self._event("node_entered", node_id=node_id, node_type=node_type)
        return self

    def wait(self, node_id: str) -> Script:
        self._event("waiting_for_input", node_id=node_id, on="input")
        return self

    def capture(self, node_id: str, variable: str, value: Any) -> Script:
        self._event("input_captured", node_id=node_id, variable=variable, value=value)
        return self

    def send(self, text: str, *, node_id: str | None = None, author: str = "bot") -> str:
        outbound_id = str(deterministic_id("test.outbound", self._n, next(self._out)))
        message = {"kind": "text", "text": text}
        self._event(
            "message_queued",
            outbound_id=outbound_id,
            node_id=node_id,
            message=message,
            author=author,
        )
        return outbound_id

    def handoff(self, node_id: str, priority: str = "normal") -> Script:
        self._event(
            "handoff_started",
            node_id=node_id,
            reason="node",
            priority=priority,
            at=int(self.now.timestamp()),
        )
        return self

    def assigned(self, agent_id: str | None) -> Script:
        self._event("conversation_assigned", agent_id=agent_id, at=int(self.now.timestamp()))
        return self

    def resumed(self) -> Script:
        self._event("resumed", node_id=None, at=int(self.now.timestamp()))
        return self

    def close(self, reason: str = "completed") -> Script:
        self._event("conversation_closed", reason=reason, at=int(self.now.timestamp()))
        return self

    # -- the sender's and Meta's side ----------------------------------------------------------
    def _delivery(self, kind: str, outbound_id: str, **data: Any) -> None:
        env = Envelope.new(
            kind,
            id=deterministic_id("test.delivery", kind, outbound_id, data.get("attempt", "")),
            source="pytake-sender",
            subject=self.key,
            time=self.now,
            organization_id=self.org,
            data={"outbound_id": outbound_id, "phone_number_id": self.number, **data},
        )
        self.items.append(("delivery", env))

    def accepted(self, outbound_id: str) -> str:
        wamid = f"wamid.out.{outbound_id[:8]}"
        self._delivery(c.DELIVERY_ACCEPTED, outbound_id, wamid=wamid)
        return wamid

    def retrying(self, outbound_id: str, attempt: int, code: int = 130429) -> None:
        self._delivery(c.DELIVERY_RETRYING, outbound_id, code=code, reason="rate", attempt=attempt)

    def send_failed(self, outbound_id: str, code: int) -> None:
        self._delivery(c.DELIVERY_FAILED, outbound_id, code=code, reason="refused", permanent=True)

    def status(self, outbound_id: str, status: str, code: int | None = None) -> None:
        body: dict[str, Any] = {
            "id": f"wamid.out.{outbound_id[:8]}",
            "status": status,
            "timestamp": str(int(self.now.timestamp())),
            "recipient_id": self.contact,
            "biz_opaque_callback_data": outbound_id,
        }
        if code is not None:
            body["errors"] = [
                {
                    "code": code,
                    "title": "Message undeliverable",
                    "message": "Message undeliverable",
                    "details": f"Meta's details for {code}",  # ingress lifts error_data.details
                }
            ]
        # As ingress writes it: no organization; the projection finds it from the number.
        env = Envelope.new(
            c.WA_STATUS_RECEIVED,
            id=deterministic_id("test.status", outbound_id, status),
            source="pytake-ingress",
            subject=self.key,
            time=self.now,
            data={"phone_number_id": self.number, "status": body},
        )
        STATUS_OWNERS[env.id] = self.org
        self.items.append(("inbound", env))


# The organization owning the number of each scripted status, registered before it is fed.
STATUS_OWNERS: dict[uuid.UUID, str] = {}


async def own_numbers(pool: Any, items: Iterable[Item]) -> None:
    """Register the numbers the scripted statuses came in on, with their organizations."""
    owners: dict[str, str] = {}
    for role, env in items:
        if role == "inbound" and env.id in STATUS_OWNERS:
            number, org = str(env.data["phone_number_id"]), STATUS_OWNERS[env.id]
            assert owners.setdefault(number, org) == org, f"number {number} has one owner"
    await pool.executemany(
        "INSERT INTO analytics.whatsapp_numbers (id, organization_id, phone_number_id) "
        "VALUES ($1, $2, $3) ON CONFLICT (phone_number_id) "
        "DO UPDATE SET organization_id = EXCLUDED.organization_id",
        [(uuid.uuid4(), uuid.UUID(org), number) for number, org in owners.items()],
    )


def topic_of(topics: Topics, role: str) -> str:
    return {"events": topics.events, "delivery": topics.wa_delivery, "inbound": topics.wa_inbound}[
        role
    ]


def partition_of(key: str, partitions: int) -> int:
    # Tests only need "one key, one partition" (the broker's own hashing differs; no matter).
    return int(deterministic_id("test.partition", key).int % partitions)


class Feeder:
    """Feeds items to a handler as records of (topic, partition) with increasing offsets."""

    def __init__(self, handler: ProjectionHandler, topics: Topics) -> None:
        self.handler = handler
        self.topics = topics
        self.offsets: dict[tuple[str, int], int] = defaultdict(int)
        self.records: list[Record] = []

    def record(self, role: str, env: Envelope) -> Record:
        topic = topic_of(self.topics, role)
        partition = partition_of(env.subject, self.topics.partitions)
        offset = self.offsets[(topic, partition)]
        self.offsets[(topic, partition)] += 1
        rec = Record(topic, partition, offset, env.subject, env, 0, env.to_bytes())
        self.records.append(rec)
        return rec

    async def feed(self, items: Iterable[Item], *, batch: int = 50) -> None:
        items = list(items)
        await own_numbers(self.handler.pool, items)
        by_tp: dict[tuple[str, int], list[Record]] = defaultdict(list)
        for role, env in items:
            rec = self.record(role, env)
            by_tp[(rec.topic, rec.partition)].append(rec)
        for records in by_tp.values():
            for i in range(0, len(records), batch):
                await self.handler.handle_batch(records[i : i + batch])


async def publish(pool: Any, producer: Producer, topics: Topics, items: Iterable[Item]) -> None:
    items = list(items)
    await own_numbers(pool, items)
    await producer.send_many((topic_of(topics, role), env) for role, env in items)
