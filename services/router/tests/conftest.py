"""Router test helpers: config fed in-process, inbound envelopes shaped like ingress's, and
(for integration tests) the router schema migrated into this test's database."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import asyncpg
import pytest

from pytake_router.bootstrap import MIGRATIONS
from pytake_shared import contracts as c
from pytake_shared.config import (
    ChatbotConfig,
    ConfigEntity,
    ConfigView,
    NumberConfig,
    OrganizationConfig,
    snapshot,
)
from pytake_shared.db import create_pool, migrate_pool
from pytake_shared.envelope import Envelope, deterministic_id
from pytake_shared.kafka import Record
from pytake_shared.secrets import SecretBox
from pytake_shared.settings import ServiceSettings
from pytake_shared.testing.fixtures import record_of

BOX = SecretBox("router-test-key")
NUMBER_ID = "106540352242922"
WA_ID = "5511988887777"


class Config:
    """A config view fed in-process, as the topic would feed it."""

    def __init__(self) -> None:
        self.view = ConfigView(ServiceSettings(), BOX)

    def put(self, kind: str, entity: ConfigEntity) -> None:
        env = snapshot(kind, entity, source="test", box=BOX)
        self.view.apply(env.subject, env.to_bytes())

    def delete(self, key: str) -> None:
        self.view.apply(key, None)

    def standard(self) -> Config:
        """One active org with a number whose default chatbot is active, plus a fallback."""
        self.put("org", OrganizationConfig(id="org-1", name="Acme"))
        self.put(
            "number",
            NumberConfig(
                id="n-1",
                organization_id="org-1",
                phone_number_id=NUMBER_ID,
                access_token="tok",
                default_chatbot_id="bot-main",
            ),
        )
        self.put("chatbot", ChatbotConfig(id="bot-main", organization_id="org-1", name="Main"))
        self.put(
            "chatbot",
            ChatbotConfig(
                id="bot-fallback", organization_id="org-1", name="Fallback", is_fallback=True
            ),
        )
        return self


@pytest.fixture
def config() -> Config:
    return Config()


def message_received(
    wamid: str = "wamid.A",
    text: str = "hi",
    *,
    number_id: str | None = NUMBER_ID,
    wa_id: str = WA_ID,
    name: str = "Ada",
    timestamp: int = 1_700_000_000,
) -> Envelope:
    """A `pytake.wa.message_received` envelope as ingress publishes it."""
    return Envelope.new(
        c.WA_MESSAGE_RECEIVED,
        id=deterministic_id("wa.message", wamid),
        source="pytake-ingress",
        subject=f"{number_id}:{wa_id}" if number_id else "unknown",
        correlation_id=wamid,
        data={
            "phone_number_id": number_id,
            "display_phone_number": "15550100001",
            "waba_id": "100000000000000",
            "contact": {"wa_id": wa_id, "user_id": None, "name": name},
            "message": {
                "id": wamid,
                "type": "text",
                "timestamp": timestamp,
                "from": wa_id,
                "from_user_id": None,
                "text": text,
            },
            "raw": {"id": wamid, "type": "text", "text": {"body": text}},
        },
    )


def status_received(wamid: str = "wamid.OUT", status: str = "delivered") -> Envelope:
    return Envelope.new(
        c.WA_STATUS_RECEIVED,
        id=deterministic_id("wa.status", wamid, status),
        source="pytake-ingress",
        subject=f"{NUMBER_ID}:{WA_ID}",
        correlation_id=wamid,
        data={
            "phone_number_id": NUMBER_ID,
            "status": {
                "id": wamid,
                "status": status,
                "timestamp": 1_700_000_100,
                "recipient_id": WA_ID,
                "errors": [],
            },
        },
    )


@pytest.fixture
def inbound() -> Callable[..., Envelope]:
    return message_received


@pytest.fixture
def status() -> Callable[..., Envelope]:
    return status_received


def as_record(env: Envelope, topic: str = "wa.inbound.v1", offset: int = 0) -> Record:
    return record_of(env, topic, offset=offset)


@pytest.fixture
def record() -> Callable[..., Record]:
    return as_record


# -- integration -----------------------------------------------------------------------------


@pytest.fixture
async def router_pool(database: str) -> AsyncIterator[asyncpg.Pool]:
    pool = await create_pool(database, min_size=1, max_size=4)
    await migrate_pool(pool, "router", MIGRATIONS)
    yield pool
    await pool.close()
