"""The config view: snapshots in, entities out; fed in-process and from the real topic."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

import orjson
import pytest

from pytake_shared.config import (
    SNAPSHOT_TYPE,
    ChatbotConfig,
    ConfigView,
    FlowConfig,
    NumberConfig,
    OrganizationConfig,
    entity_key,
    snapshot,
)
from pytake_shared.envelope import Envelope
from pytake_shared.kafka import Producer
from pytake_shared.secrets import SecretBox
from pytake_shared.settings import ServiceSettings
from pytake_shared.topics import Topics

BOX = SecretBox("test-config-key")
ORG = OrganizationConfig(id="org-1", name="Acme")
NUMBER = NumberConfig(
    id="num-1",
    organization_id="org-1",
    phone_number_id="106540352242922",
    access_token="EAAG-secret",
    app_secret="app-secret",
    default_chatbot_id="bot-1",
)
BOT = ChatbotConfig(
    id="bot-1", organization_id="org-1", name="Main", main_flow_id="flow-1", main_flow_version=2
)
FALLBACK = ChatbotConfig(id="bot-9", organization_id="org-1", name="Fallback", is_fallback=True)
FLOW_V1 = FlowConfig(
    id="flow-1",
    organization_id="org-1",
    chatbot_id="bot-1",
    name="Hi",
    version=1,
    document={"nodes": []},
)
FLOW_V2 = FLOW_V1.model_copy(update={"version": 2, "document": {"nodes": [{"id": "s"}]}})


def _feed(view: ConfigView, kind: str, entity: object, box: SecretBox = BOX) -> str:
    env = snapshot(kind, entity, source="test", box=box)  # type: ignore[arg-type]
    view.apply(env.subject, env.to_bytes())
    return env.subject


def _view(box: SecretBox = BOX) -> ConfigView:
    return ConfigView(ServiceSettings(), box)


def test_entity_keys_name_the_kind_the_id_and_for_flows_the_version() -> None:
    assert entity_key("number", "123") == "number:123"
    assert entity_key("flow", "f", 3) == "flow:f@3"


def test_a_snapshot_is_keyed_by_entity_and_carries_the_tenant() -> None:
    assert snapshot("number", NUMBER, source="t", box=BOX).subject == "number:106540352242922"
    assert snapshot("flow", FLOW_V2, source="t", box=BOX).subject == "flow:flow-1@2"
    org = snapshot("org", ORG, source="t", box=BOX)
    assert (org.subject, org.organization_id, org.type) == ("org:org-1", "org-1", SNAPSHOT_TYPE)
    assert snapshot("chatbot", BOT, source="t", box=BOX).organization_id == "org-1"


def test_number_secrets_are_sealed_in_the_snapshot() -> None:
    wire = snapshot("number", NUMBER, source="t", box=BOX).to_bytes()
    assert b"EAAG-secret" not in wire
    assert b"app-secret" not in wire
    entity = orjson.loads(wire)["data"]["entity"]
    assert entity["access_token"].startswith("enc:v1:")
    assert BOX.open(entity["app_secret"]) == "app-secret"


def test_the_view_answers_queries_for_every_kind_with_secrets_opened() -> None:
    view = _view()
    for kind, entity in [
        ("org", ORG),
        ("number", NUMBER),
        ("chatbot", BOT),
        ("chatbot", FALLBACK),
        ("flow", FLOW_V1),
        ("flow", FLOW_V2),
    ]:
        _feed(view, kind, entity)
    assert view.organization("org-1") == ORG
    assert view.number("106540352242922") == NUMBER
    assert view.numbers() == [NUMBER]
    assert view.chatbot("bot-1") == BOT
    assert view.fallback_chatbot("org-1") == FALLBACK
    assert view.flow("flow-1", 1) == FLOW_V1
    assert view.flow("flow-1", 2) == FLOW_V2


def test_queries_for_unknown_ids_or_another_kind_find_nothing() -> None:
    view = _view()
    _feed(view, "org", ORG)
    assert view.number("nope") is None
    assert view.chatbot("org-1") is None
    assert view.organization("nope") is None
    assert view.flow("flow-1", 1) is None
    assert view.fallback_chatbot("org-1") is None


def test_an_inactive_fallback_or_another_orgs_fallback_is_not_the_fallback() -> None:
    view = _view()
    _feed(view, "chatbot", FALLBACK.model_copy(update={"is_active": False}))
    _feed(view, "chatbot", FALLBACK.model_copy(update={"id": "bot-x", "organization_id": "org-2"}))
    assert view.fallback_chatbot("org-1") is None
    assert view.fallback_chatbot("org-2") is not None


def test_a_newer_snapshot_replaces_the_entity_and_a_tombstone_removes_it() -> None:
    view = _view()
    key = _feed(view, "chatbot", BOT)
    _feed(view, "chatbot", BOT.model_copy(update={"name": "Renamed"}))
    found = view.chatbot("bot-1")
    assert found is not None and found.name == "Renamed"
    view.apply(key, None)
    assert view.chatbot("bot-1") is None
    view.apply("chatbot:never-seen", None)  # a tombstone for nothing is harmless


@pytest.mark.parametrize(
    "value",
    [
        b"not json",
        Envelope.new(SNAPSHOT_TYPE, source="t", subject="x:1", data={}).to_bytes(),
        Envelope.new(
            SNAPSHOT_TYPE, source="t", subject="x:1", data={"kind": "planet", "entity": {"id": "1"}}
        ).to_bytes(),
        Envelope.new(
            SNAPSHOT_TYPE, source="t", subject="org:1", data={"kind": "org", "entity": {"id": "1"}}
        ).to_bytes(),
        Envelope.new(
            SNAPSHOT_TYPE, source="t", subject="org:1", data={"kind": "org", "entity": "not a dict"}
        ).to_bytes(),
    ],
)
def test_an_unreadable_record_is_skipped_and_the_view_keeps_working(value: bytes) -> None:
    view = _view()
    view.apply("org:1", value)
    assert view.organization("1") is None
    _feed(view, "org", ORG)
    assert view.organization("org-1") == ORG


def test_a_number_sealed_with_another_key_is_skipped_not_fatal() -> None:
    view = _view(SecretBox("the-right-key"))
    _feed(view, "number", NUMBER, box=SecretBox("some-other-key"))
    assert view.number(NUMBER.phone_number_id) is None


# -- from the real topic ---------------------------------------------------------------------


@pytest.fixture
async def running_view(
    make_settings: Callable[..., ServiceSettings],
) -> AsyncIterator[Callable[[], ConfigView]]:
    """`start()` runs a view on this test's config topic; it is stopped after the test."""
    started: list[tuple[ConfigView, asyncio.Task[None]]] = []

    def start() -> ConfigView:
        view = ConfigView(make_settings(), BOX)
        started.append((view, asyncio.create_task(view.run())))
        return view

    yield start
    for view, task in started:
        view.stop()
        await asyncio.wait_for(task, 10)


async def _until(check: Callable[[], bool], timeout: float = 10) -> None:
    async with asyncio.timeout(timeout):
        while True:
            if check():
                return
            await asyncio.sleep(0.02)


async def test_the_view_catches_up_with_what_was_published_before_it_started(
    topics: Topics, started_producer: Producer, running_view: Callable[[], ConfigView]
) -> None:
    entities = [
        ("org", ORG),
        ("number", NUMBER),
        ("chatbot", BOT),
        ("chatbot", FALLBACK),
        ("flow", FLOW_V1),
        ("flow", FLOW_V2),
    ]
    await started_producer.send_many(
        (topics.config, snapshot(kind, e, source="test", box=BOX)) for kind, e in entities
    )
    view = running_view()
    await asyncio.wait_for(view.caught_up.wait(), 15)
    # Caught up means everything published before the start is in: no waiting needed.
    assert view.number(NUMBER.phone_number_id) == NUMBER
    assert view.organization("org-1") == ORG
    assert view.chatbot("bot-1") == BOT
    assert view.fallback_chatbot("org-1") == FALLBACK
    assert view.flow("flow-1", 2) == FLOW_V2


async def test_an_empty_config_topic_is_caught_up_at_once(
    running_view: Callable[[], ConfigView],
) -> None:
    view = running_view()
    await asyncio.wait_for(view.caught_up.wait(), 15)
    assert view.numbers() == []


async def test_the_view_follows_updates_and_tombstones_after_catching_up(
    topics: Topics, started_producer: Producer, running_view: Callable[[], ConfigView]
) -> None:
    await started_producer.send(topics.config, snapshot("chatbot", BOT, source="t", box=BOX))
    view = running_view()
    await asyncio.wait_for(view.caught_up.wait(), 15)

    renamed = BOT.model_copy(update={"name": "Renamed"})
    async with view.changed:
        await started_producer.send(
            topics.config, snapshot("chatbot", renamed, source="t", box=BOX)
        )
        await asyncio.wait_for(view.changed.wait_for(lambda: view.chatbot("bot-1") == renamed), 10)

    await started_producer.send_raw(topics.config, None, key=b"chatbot:bot-1", headers=[])
    await _until(lambda: view.chatbot("bot-1") is None)


async def test_secrets_are_sealed_on_the_wire_and_opened_in_the_view(
    topics: Topics,
    started_producer: Producer,
    running_view: Callable[[], ConfigView],
    read_topic: Callable[..., object],
) -> None:
    await started_producer.send(topics.config, snapshot("number", NUMBER, source="t", box=BOX))
    [record] = await read_topic(topics.config, 1)  # type: ignore[misc]
    assert b"EAAG-secret" not in record.value
    assert record.key == b"number:106540352242922"
    view = running_view()
    await asyncio.wait_for(view.caught_up.wait(), 15)
    found = view.number(NUMBER.phone_number_id)
    assert found is not None
    assert (found.access_token, found.app_secret) == ("EAAG-secret", "app-secret")
