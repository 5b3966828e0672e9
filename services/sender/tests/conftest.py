"""Sender test helpers: send commands shaped like the executor's, a number in the config, and
(for integration tests) the sender schema, the Meta simulator in-process and a Graph client."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

import asyncpg
import httpx
import pytest

from pytake_sender.adapters.graph import GraphClient
from pytake_sender.adapters.ledger import OutboundLedger
from pytake_sender.adapters.uploads import MediaUploads
from pytake_sender.bootstrap import MIGRATIONS
from pytake_sender.domain.retry import RetryPolicy
from pytake_sender.handlers import Pacing, SenderHandler
from pytake_shared import contracts as c
from pytake_shared.config import ConfigView, NumberConfig, snapshot
from pytake_shared.db import create_pool, migrate_pool
from pytake_shared.envelope import Envelope, deterministic_id
from pytake_shared.kafka import Record
from pytake_shared.secrets import SecretBox
from pytake_shared.settings import ServiceSettings
from pytake_shared.testing.fixtures import record_of
from pytake_shared.topics import Topics
from pytake_tools.metasim import SimulatorSettings, run_simulator

BOX = SecretBox("sender-test-key")
NUMBER_ID = "106540352242922"
WA_ID = "5511988887777"
KEY = f"{NUMBER_ID}:{WA_ID}"
TOKEN = "EAAG-good-token"
GRAPH_VERSION = "v21.0"


def config_with_number(access_token: str | None = TOKEN) -> ConfigView:
    view = ConfigView(ServiceSettings(), BOX)
    number = NumberConfig(
        id="n-1", organization_id="org-1", phone_number_id=NUMBER_ID, access_token=access_token
    )
    env = snapshot("number", number, source="test", box=BOX)
    view.apply(env.subject, env.to_bytes())
    return view


@pytest.fixture
def config() -> ConfigView:
    """A config view that knows the test number and its (sealed on the wire) token."""
    return config_with_number()


def send_command(
    outbound_id: str = "out-1", *, contact: c.Contact | None = None, **message: Any
) -> Envelope:
    """A `pytake.outbound.send` command as the executor publishes it (a text by default)."""
    payload = c.SendMessage(
        outbound_id=outbound_id,
        organization_id="org-1",
        phone_number_id=NUMBER_ID,
        contact=contact or c.Contact(id=WA_ID, wa_id=WA_ID, name="Ada"),
        message=c.OutboundMessage(**(message or {"kind": "text", "text": "Hello Ada"})),
    )
    return Envelope.new(
        c.OUT_SEND,
        id=deterministic_id("executor.send", outbound_id),
        source="pytake-executor",
        subject=KEY,
        correlation_id="wamid.IN",
        organization_id="org-1",
        data=payload.model_dump(mode="json"),
    )


@pytest.fixture
def command() -> Callable[..., Envelope]:
    return send_command


@pytest.fixture
def record(topics: Any) -> Callable[..., Record]:
    def build(env: Envelope, offset: int = 0) -> Record:
        return record_of(env, topics.wa_outbound, offset=offset)

    return build


# -- integration -----------------------------------------------------------------------------


@pytest.fixture
async def sender_pool(database: str) -> AsyncIterator[asyncpg.Pool]:
    pool = await create_pool(database, min_size=1, max_size=4)
    await migrate_pool(pool, "sender", MIGRATIONS)
    yield pool
    await pool.close()


Simulated = Callable[..., AbstractAsyncContextManager[tuple[str, GraphClient]]]


@pytest.fixture
def simulator() -> Simulated:
    """`async with simulator(timeout_s=..., **faults) as (base_url, graph):` the Meta simulator
    on a free port (no status webhooks, fixed seed) and a Graph client pointed at it."""

    @asynccontextmanager
    async def run(
        timeout_s: float = 5.0, **overrides: Any
    ) -> AsyncIterator[tuple[str, GraphClient]]:
        settings = SimulatorSettings(
            webhook_url="", status_delays_ms=(), seed=7, access_tokens=(), **overrides
        )
        async with run_simulator(settings) as base_url:
            graph = GraphClient(base_url, GRAPH_VERSION, timeout_s)
            try:
                yield base_url, graph
            finally:
                await graph.close()

    return run


@pytest.fixture
def make_handler(
    config: ConfigView, sender_pool: asyncpg.Pool, producer: Any, topics: Topics
) -> Callable[..., SenderHandler]:
    """A handler on the test's config, ledger and broker, with short waits and retries."""

    def build(
        graph: GraphClient,
        view: ConfigView | None = None,
        ledger: OutboundLedger | None = None,
        uploads: MediaUploads | None = None,
        **pacing: Any,
    ) -> SenderHandler:
        return SenderHandler(
            topics,
            view or config,
            ledger or OutboundLedger(sender_pool),
            graph,
            producer,
            pacing=Pacing(**{"confirm_wait_s": 0.5, **pacing}),
            policy=RetryPolicy(base_s=0.01, cap_s=0.05),
            uploads=uploads,
        )

    return build


class Probe:
    """What a test reads afterwards: the simulator's calls, the delivery events, the ledger."""

    def __init__(
        self, drain: Callable[[str], Awaitable[list[Any]]], topics: Topics, pool: asyncpg.Pool
    ) -> None:
        self._drain, self._topics, self._pool = drain, topics, pool

    async def calls(self, base_url: str) -> list[dict[str, Any]]:
        async with httpx.AsyncClient() as client:
            response = await client.get(f"{base_url}/_sim/messages")
        response.raise_for_status()
        calls: list[dict[str, Any]] = response.json()["messages"]
        return calls

    async def deliveries(self) -> list[Envelope]:
        return [Envelope.from_bytes(r.value) for r in await self._drain(self._topics.wa_delivery)]

    async def row(self, outbound_id: str = "out-1") -> dict[str, Any] | None:
        found = await self._pool.fetchrow(
            "SELECT * FROM sender.outbound_ledger WHERE outbound_id = $1", outbound_id
        )
        return dict(found) if found else None


@pytest.fixture
def probe(drain: Any, topics: Topics, sender_pool: asyncpg.Pool) -> Probe:
    return Probe(drain, topics, sender_pool)
