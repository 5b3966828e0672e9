"""The topic registry: names, partitioning, retention and compaction, the conversation key.

All keyed topics share one partition count so a conversation key lands on the same partition
index on every topic, which keeps per-contact order from ingress to sender. A namespace prefix
(`PYTAKE_TOPIC_NAMESPACE`) gives tests and parallel dev stacks their own topics on one broker.

Retention is chosen per topic and set when the topic is created (Kafka's default, 7 days, would
silently cut the history replay and `rebuild analytics` read):

- `pytake.config.v1`: compacted, kept forever (the latest snapshot of every entity).
- `conversation.events.v1`: kept forever: it is the record of every conversation; replay and
  `rebuild analytics` read it whole.
- `wa.delivery.v1`, `conversation.commands.v1` (statuses, agent actions, re-runs on another
  flow version) and `wa.inbound.v1` (Meta's raw items): 90 days, so a rebuild reaches 90 days
  of delivery ticks and a re-run 90 days of commands.
- `wa.media.v1` (the sender's media fetches, stored or failed): 90 days, like the rest.
- `wa.outbound.v1`: 30 days (the sender's ledger keeps the outcomes); DLQs: 90 days, time to act.
"""

from __future__ import annotations

from dataclasses import dataclass

CONFIG = "pytake.config.v1"
WA_INBOUND = "wa.inbound.v1"
COMMANDS = "conversation.commands.v1"
EVENTS = "conversation.events.v1"
WA_OUTBOUND = "wa.outbound.v1"
WA_DELIVERY = "wa.delivery.v1"
WA_MEDIA = "wa.media.v1"

DEFAULT_PARTITIONS = 12
DLQ_SUFFIX = ".dlq"


DAY_MS = 24 * 3600 * 1000
FOREVER = -1


@dataclass(frozen=True)
class TopicSpec:
    name: str
    compacted: bool = False
    has_dlq: bool = True
    retention_ms: int = 90 * DAY_MS

    def configs(self) -> dict[str, str]:
        """The topic configs set at creation."""
        configs = {"retention.ms": str(self.retention_ms)}
        if self.compacted:
            configs["cleanup.policy"] = "compact"
        return configs


REGISTRY: tuple[TopicSpec, ...] = (
    TopicSpec(CONFIG, compacted=True, retention_ms=FOREVER),
    TopicSpec(WA_INBOUND),
    TopicSpec(COMMANDS),
    TopicSpec(EVENTS, retention_ms=FOREVER),
    TopicSpec(WA_OUTBOUND, retention_ms=30 * DAY_MS),
    TopicSpec(WA_DELIVERY),
    TopicSpec(WA_MEDIA),
)


def dlq(topic: str) -> str:
    """The dead-letter topic of `topic` (already namespaced if `topic` is)."""
    return topic + DLQ_SUFFIX


@dataclass(frozen=True)
class Topics:
    """Topic names as seen by one deployment: the registry under an optional namespace."""

    namespace: str = ""
    partitions: int = DEFAULT_PARTITIONS

    def name(self, base: str) -> str:
        return f"{self.namespace}.{base}" if self.namespace else base

    def group(self, base: str) -> str:
        """A consumer group id, namespaced like the topics it reads."""
        return self.name(base)

    @property
    def config(self) -> str:
        return self.name(CONFIG)

    @property
    def wa_inbound(self) -> str:
        return self.name(WA_INBOUND)

    @property
    def commands(self) -> str:
        return self.name(COMMANDS)

    @property
    def events(self) -> str:
        return self.name(EVENTS)

    @property
    def wa_outbound(self) -> str:
        return self.name(WA_OUTBOUND)

    @property
    def wa_delivery(self) -> str:
        return self.name(WA_DELIVERY)

    @property
    def wa_media(self) -> str:
        return self.name(WA_MEDIA)

    def all(self) -> list[tuple[str, TopicSpec]]:
        """Every topic to create, DLQs included, with its spec."""
        out: list[tuple[str, TopicSpec]] = []
        for spec in REGISTRY:
            out.append((self.name(spec.name), spec))
            if spec.has_dlq:
                out.append((dlq(self.name(spec.name)), TopicSpec(dlq(spec.name), has_dlq=False)))
        return out


def conversation_key(phone_number_id: str, contact_id: str) -> str:
    """The key of everything about one conversation: `<phone_number_id>:<contact id>`.

    The contact id is the `wa_id` when Meta gives one, else its business-scoped `user_id`.
    """
    if not phone_number_id or not contact_id:
        raise ValueError("a conversation key needs a phone_number_id and a contact id")
    return f"{phone_number_id}:{contact_id}"


def split_conversation_key(key: str) -> tuple[str, str]:
    number, sep, contact = key.partition(":")
    if not sep or not number or not contact:
        raise ValueError(f"not a conversation key: {key!r}")
    return number, contact
