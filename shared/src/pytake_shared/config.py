"""The entities every service reads from `pytake.config.v1`, and the view that keeps them.

Analytics owns the management data and publishes the latest snapshot of each entity to the
compacted config topic (a tombstone on delete). Every other service keeps an in-memory view by
reading the whole topic from the beginning without a consumer group (each instance sees every
partition) and is ready once it has caught up to the end offsets it saw at start.

Keys: `org:<id>`, `number:<phone_number_id>`, `chatbot:<id>`, `flow:<id>@<version>` (every
published version stays, immutable: a conversation keeps the version it started with),
`template:<org>:<waba_id>:<name>:<language>` (a WABA's message templates, for the sender's
check before a template send).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import orjson
from aiokafka import AIOKafkaConsumer, TopicPartition
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from pytake_shared.envelope import Envelope
from pytake_shared.secrets import SecretBox
from pytake_shared.settings import ServiceSettings

log = logging.getLogger(__name__)

SNAPSHOT_TYPE = "pytake.config.snapshot"


class ConfigEntity(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    id: str


class OrganizationConfig(ConfigEntity):
    id: str
    name: str
    is_active: bool = True
    settings: dict[str, Any] = Field(default_factory=dict)


class NumberConfig(ConfigEntity):
    id: str
    organization_id: str
    phone_number_id: str
    phone_number: str = ""
    display_name: str = ""
    access_token: str | None = None  # sealed on the topic, opened in the view
    app_secret: str | None = None  # sealed on the topic, opened in the view
    webhook_verify_token: str | None = None
    webhook_token: str | None = None
    default_chatbot_id: str | None = None
    messages_per_second: int | None = None
    is_active: bool = True
    waba_id: str | None = None  # the WhatsApp Business Account it belongs to (its templates)


class ChatbotConfig(ConfigEntity):
    id: str
    organization_id: str
    name: str
    is_active: bool = True
    is_fallback: bool = False
    main_flow_id: str | None = None
    main_flow_version: int | None = None
    global_variables: dict[str, Any] = Field(default_factory=dict)


class FlowConfig(ConfigEntity):
    id: str
    organization_id: str
    chatbot_id: str
    name: str
    version: int
    document: dict[str, Any]


class TemplateConfig(ConfigEntity):
    """A message template as last synchronised from its WABA (or changed by Meta's webhook);
    the sender checks template sends against it. `id` is `template_id(...)`."""

    id: str
    organization_id: str
    waba_id: str
    name: str
    language: str
    status: str
    category: str = ""
    requirements: dict[str, Any] = Field(default_factory=dict)  # templates.Requirements


def template_id(organization_id: str, waba_id: str, name: str, language: str) -> str:
    return f"{organization_id}:{waba_id}:{name}:{language}"


_KINDS: dict[str, type[ConfigEntity]] = {
    "org": OrganizationConfig,
    "number": NumberConfig,
    "chatbot": ChatbotConfig,
    "flow": FlowConfig,
    "template": TemplateConfig,
}


def entity_key(kind: str, entity_id: str, version: int | None = None) -> str:
    return f"{kind}:{entity_id}" if version is None else f"{kind}:{entity_id}@{version}"


def snapshot(kind: str, entity: ConfigEntity, *, source: str, box: SecretBox) -> Envelope:
    """The config-topic envelope for one entity, secrets sealed."""
    data = entity.model_dump(mode="json")
    if isinstance(entity, NumberConfig):
        data["access_token"] = box.seal(entity.access_token)
        data["app_secret"] = box.seal(entity.app_secret)
    key = entity_key(
        kind,
        entity.phone_number_id if isinstance(entity, NumberConfig) else entity.id,
        entity.version if isinstance(entity, FlowConfig) else None,
    )
    org = getattr(entity, "organization_id", None) or (entity.id if kind == "org" else None)
    return Envelope.new(
        SNAPSHOT_TYPE,
        source=source,
        subject=key,
        organization_id=org,
        data={"kind": kind, "entity": data},
    )


class ConfigView:
    """The latest snapshot of every config entity, kept current from the topic."""

    def __init__(self, settings: ServiceSettings, box: SecretBox) -> None:
        self._settings = settings
        self._box = box
        self._entities: dict[str, ConfigEntity] = {}
        # Per-number webhook URLs are looked up by their token on every POST: kept indexed so
        # the lookup costs the same with 10,000 numbers as with one.
        self._by_webhook_token: dict[str, str] = {}
        self._stop = asyncio.Event()
        self.caught_up = asyncio.Event()
        self.changed = asyncio.Condition()

    # -- queries -----------------------------------------------------------------------------
    def number(self, phone_number_id: str) -> NumberConfig | None:
        found = self._entities.get(entity_key("number", phone_number_id))
        return found if isinstance(found, NumberConfig) else None

    def number_by_webhook_token(self, token: str) -> NumberConfig | None:
        key = self._by_webhook_token.get(token)
        return self.number(key) if key is not None else None

    def numbers(self) -> list[NumberConfig]:
        return [e for e in self._entities.values() if isinstance(e, NumberConfig)]

    def organization(self, org_id: str) -> OrganizationConfig | None:
        found = self._entities.get(entity_key("org", org_id))
        return found if isinstance(found, OrganizationConfig) else None

    def chatbot(self, chatbot_id: str) -> ChatbotConfig | None:
        found = self._entities.get(entity_key("chatbot", chatbot_id))
        return found if isinstance(found, ChatbotConfig) else None

    def fallback_chatbot(self, org_id: str) -> ChatbotConfig | None:
        for e in self._entities.values():
            if (
                isinstance(e, ChatbotConfig)
                and e.organization_id == org_id
                and e.is_fallback
                and e.is_active
            ):
                return e
        return None

    def flow(self, flow_id: str, version: int) -> FlowConfig | None:
        found = self._entities.get(entity_key("flow", flow_id, version))
        return found if isinstance(found, FlowConfig) else None

    def template(
        self, organization_id: str, waba_id: str, name: str, language: str
    ) -> TemplateConfig | None:
        key = entity_key("template", template_id(organization_id, waba_id, name, language))
        found = self._entities.get(key)
        return found if isinstance(found, TemplateConfig) else None

    # -- feeding -----------------------------------------------------------------------------
    def apply(self, key: str, value: bytes | None) -> None:
        """Apply one config record (a snapshot, or a tombstone when `value` is None)."""
        if value is None:
            self._forget(key)
            return
        try:
            env = Envelope.from_bytes(value)
            kind = env.data["kind"]
            data = dict(env.data["entity"])
            if kind == "number":
                data["access_token"] = self._box.open(data.get("access_token"))
                data["app_secret"] = self._box.open(data.get("app_secret"))
            entity = _KINDS[kind].model_validate(data)
        except (ValueError, KeyError, TypeError, ValidationError, orjson.JSONDecodeError) as exc:
            log.error("ignoring config record %s: %s", key, exc)
            return
        self._forget(key)
        self._entities[key] = entity
        if isinstance(entity, NumberConfig) and entity.webhook_token:
            self._by_webhook_token[entity.webhook_token] = entity.phone_number_id

    def _forget(self, key: str) -> None:
        old = self._entities.pop(key, None)
        if not isinstance(old, NumberConfig) or not old.webhook_token:
            return
        if self._by_webhook_token.get(old.webhook_token) == old.phone_number_id:
            del self._by_webhook_token[old.webhook_token]

    def stop(self) -> None:
        self._stop.set()

    async def run(self) -> None:
        topic = self._settings.topics.config
        consumer = AIOKafkaConsumer(
            bootstrap_servers=self._settings.kafka_bootstrap_servers,
            group_id=None,
            enable_auto_commit=False,
            client_id=f"{self._settings.service_name}-config",
        )
        await consumer.start()
        try:
            partitions = consumer.partitions_for_topic(topic)
            while not partitions:
                await consumer.topics()  # refreshes the cluster metadata
                partitions = consumer.partitions_for_topic(topic)
                if not partitions:
                    await asyncio.sleep(0.5)
            tps = [TopicPartition(topic, p) for p in sorted(partitions)]
            consumer.assign(tps)
            await consumer.seek_to_beginning(*tps)
            targets = {tp: off for tp, off in (await consumer.end_offsets(tps)).items() if off}
            while not self._stop.is_set():
                batches = await consumer.getmany(timeout_ms=200)
                for tp, records in batches.items():
                    for rec in records:
                        self.apply(rec.key.decode() if rec.key else "", rec.value)
                    if tp in targets and records[-1].offset + 1 >= targets[tp]:
                        del targets[tp]
                if batches:
                    async with self.changed:
                        self.changed.notify_all()
                if not targets and not self.caught_up.is_set():
                    log.info("config view caught up: %d entities", len(self._entities))
                    self.caught_up.set()
        finally:
            await consumer.stop()
