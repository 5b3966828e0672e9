"""Executor test helpers: flows as documents, inbound commands shaped like the router's, and
(for integration tests) the executor schema migrated into this test's database."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Callable
from typing import Any

import asyncpg
import pytest

from pytake_executor.bootstrap import MIGRATIONS
from pytake_shared import contracts as c
from pytake_shared.config import (
    ChatbotConfig,
    ConfigEntity,
    ConfigView,
    FlowConfig,
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

BOX = SecretBox("executor-test-key")
NUMBER_ID = "106540352242922"
WA_ID = "5511988887777"
KEY = f"{NUMBER_ID}:{WA_ID}"


def node(node_id: str, node_type: str, **data: Any) -> dict[str, Any]:
    return {"id": node_id, "type": node_type, "position": {"x": 0, "y": 0}, "data": data}


def edge(source: str, target: str, **extra: Any) -> dict[str, Any]:
    return {"id": f"{source}->{target}", "source": source, "target": target, **extra}


def chain(*nodes: dict[str, Any]) -> dict[str, Any]:
    """A canvas document whose nodes follow each other in the order given."""
    edges = [edge(a["id"], b["id"]) for a, b in itertools.pairwise(nodes)]
    return {"canvas_data": {"nodes": list(nodes), "edges": edges}}


SURVEY = chain(
    node("start", "start"),
    node("greet", "message", content="Hello {{contact.name}} from {{company}}"),
    node("q-name", "question", content="Your name?", variableName="name"),
    node("q-city", "question", content="Your city, {{name}}?", variableName="city"),
    node("bye", "end", content="Thanks {{name}} from {{city}}"),
)
SURVEY_VARIABLES = {"company": "Acme"}


class Config:
    """A config view fed in-process, as the topic would feed it."""

    def __init__(self) -> None:
        self.view = ConfigView(ServiceSettings(), BOX)

    def put(self, kind: str, entity: ConfigEntity) -> None:
        env = snapshot(kind, entity, source="test", box=BOX)
        self.view.apply(env.subject, env.to_bytes())

    def delete(self, key: str) -> None:
        self.view.apply(key, None)

    def with_flow(
        self, document: dict[str, Any], *, version: int = 1, variables: dict[str, Any] | None = None
    ) -> Config:
        """An org, its number, its chatbot and the chatbot's main flow (`flow-1`)."""
        self.put("org", OrganizationConfig(id="org-1", name="Acme"))
        self.put(
            "number",
            NumberConfig(
                id="n-1",
                organization_id="org-1",
                phone_number_id=NUMBER_ID,
                default_chatbot_id="bot-1",
            ),
        )
        self.put(
            "chatbot",
            ChatbotConfig(
                id="bot-1",
                organization_id="org-1",
                name="Main",
                main_flow_id="flow-1",
                main_flow_version=version,
            ),
        )
        doc = {**document, "variables": SURVEY_VARIABLES if variables is None else variables}
        self.put(
            "flow",
            FlowConfig(
                id="flow-1",
                organization_id="org-1",
                chatbot_id="bot-1",
                name="Survey",
                version=version,
                document=doc,
            ),
        )
        return self


@pytest.fixture
def config() -> Config:
    return Config()


@pytest.fixture
def survey() -> dict[str, Any]:
    """start → greet → ask name → ask city → end, with `company` as a flow variable."""
    return SURVEY


def handle_inbound(
    wamid: str,
    text: str | None,
    *,
    wa_id: str = WA_ID,
    name: str = "Ada",
    received_at: int = 1_700_000_000,
) -> Envelope:
    """A `pytake.conversation.handle_inbound` command as the router sends it."""
    key = f"{NUMBER_ID}:{wa_id}"
    payload = c.HandleInbound(
        organization_id="org-1",
        chatbot_id="bot-1",
        phone_number_id=NUMBER_ID,
        contact=c.Contact(id=wa_id, wa_id=wa_id, name=name),
        message={
            "id": wamid,
            "type": "text",
            "timestamp": received_at,
            "from": wa_id,
            "text": text,
        },
        received_at=received_at,
    )
    return Envelope.new(
        c.CMD_HANDLE_INBOUND,
        id=deterministic_id("router", c.CMD_HANDLE_INBOUND, wamid),
        source="pytake-router",
        subject=key,
        correlation_id=wamid,
        organization_id="org-1",
        data=payload.model_dump(mode="json"),
    )


@pytest.fixture
def command() -> Callable[..., Envelope]:
    return handle_inbound


@pytest.fixture
def record(topics: Any) -> Callable[..., Record]:
    def build(env: Envelope, offset: int = 0, partition: int = 0) -> Record:
        return record_of(env, topics.commands, offset=offset, partition=partition)

    return build


# -- integration -----------------------------------------------------------------------------


@pytest.fixture
async def executor_pool(database: str) -> AsyncIterator[asyncpg.Pool]:
    pool = await create_pool(database, min_size=1, max_size=4)
    await migrate_pool(pool, "executor", MIGRATIONS)
    yield pool
    await pool.close()
