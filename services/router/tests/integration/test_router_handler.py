"""The router handler on the real broker and database: forward once, in order, or say why not."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg
import pytest

from pytake_router.adapters.ledger import DedupeLedger
from pytake_router.handlers import RouterHandler
from pytake_shared import contracts as c
from pytake_shared.config import OrganizationConfig
from pytake_shared.envelope import Envelope, deterministic_id
from pytake_shared.errors import InvalidInput
from pytake_shared.kafka import Producer, Record
from pytake_shared.topics import Topics

NUMBER_ID = "106540352242922"
WA_ID = "5511988887777"
KEY = f"{NUMBER_ID}:{WA_ID}"

Drain = Callable[[str], Awaitable[list[Any]]]
MakeRecord = Callable[..., Record]
MakeEnv = Callable[..., Envelope]


@pytest.fixture
def router(
    config: Any, router_pool: asyncpg.Pool, producer: Producer, topics: Topics
) -> RouterHandler:
    return RouterHandler(topics, config.standard().view, DedupeLedger(router_pool, 7), producer)


def _decoded(records: list[Any]) -> list[Envelope]:
    return [Envelope.from_bytes(r.value) for r in records]


async def _ledger_keys(pool: asyncpg.Pool) -> set[str]:
    rows = await pool.fetch("SELECT dedupe_key FROM router.dedupe_ledger")
    return {r["dedupe_key"] for r in rows}


async def test_a_message_is_forwarded_as_handle_inbound_keyed_by_its_conversation(
    router: RouterHandler,
    topics: Topics,
    inbound: MakeEnv,
    record: MakeRecord,
    drain: Drain,
    router_pool: asyncpg.Pool,
) -> None:
    env = inbound("wamid.A", "olá", timestamp=1_700_000_123)
    await router.handle_batch([record(env)])

    [out] = await drain(topics.commands)
    assert out.key == KEY.encode()
    command = Envelope.from_bytes(out.value)
    assert command.type == c.CMD_HANDLE_INBOUND
    assert command.id == deterministic_id("router", c.CMD_HANDLE_INBOUND, env.id)
    assert command.subject == KEY
    assert (command.causation_id, command.correlation_id) == (str(env.id), "wamid.A")
    assert command.organization_id == "org-1"
    assert dict(out.headers)["type"] == c.CMD_HANDLE_INBOUND.encode()
    payload = c.HandleInbound.model_validate(command.data)
    assert payload.organization_id == "org-1"
    assert payload.chatbot_id == "bot-main"
    assert payload.phone_number_id == NUMBER_ID
    assert payload.contact == c.Contact(id=WA_ID, wa_id=WA_ID, name="Ada")
    assert payload.message["id"] == "wamid.A"
    assert payload.message["text"] == "olá"
    assert payload.received_at == 1_700_000_123
    assert await _ledger_keys(router_pool) == {"msg:wamid.A"}


@pytest.mark.parametrize("batches", [[3], [1, 1, 1], [1, 2]], ids=["one-batch", "three", "mixed"])
async def test_the_same_message_delivered_three_times_is_forwarded_once(
    router: RouterHandler,
    topics: Topics,
    inbound: MakeEnv,
    record: MakeRecord,
    drain: Drain,
    batches: list[int],
) -> None:
    env = inbound("wamid.DUP")
    offset = 0
    for size in batches:
        await router.handle_batch([record(env, offset=offset + i) for i in range(size)])
        offset += size
    assert len(await drain(topics.commands)) == 1
    assert len(await drain(topics.events)) == 0


async def test_a_dropped_duplicate_does_not_hold_back_the_new_messages_beside_it(
    router: RouterHandler,
    topics: Topics,
    inbound: MakeEnv,
    record: MakeRecord,
    drain: Drain,
) -> None:
    await router.handle_batch([record(inbound("wamid.1", "one"))])
    await router.handle_batch(
        [
            record(inbound(w, t), offset=i)
            for i, (w, t) in enumerate(
                [("wamid.1", "one"), ("wamid.2", "two"), ("wamid.3", "three"), ("wamid.2", "two")]
            )
        ]
    )
    forwarded = await drain(topics.commands)
    texts = [Envelope.from_bytes(r.value).data["message"]["text"] for r in forwarded]
    assert texts == ["one", "two", "three"]  # one contact, one partition: order kept


async def test_a_failed_status_is_forwarded_as_handle_status_once(
    router: RouterHandler,
    topics: Topics,
    status: MakeEnv,
    record: MakeRecord,
    drain: Drain,
) -> None:
    failed = status("wamid.OUT", "failed")
    await router.handle_batch([record(failed), record(failed, offset=1)])
    await router.handle_batch([record(failed, offset=2)])
    [out] = await drain(topics.commands)
    command = Envelope.from_bytes(out.value)
    assert command.type == c.CMD_HANDLE_STATUS
    payload = c.HandleStatus.model_validate(command.data)
    assert payload.status["status"] == "failed"
    assert (payload.organization_id, payload.phone_number_id) == ("org-1", NUMBER_ID)
    assert out.key == KEY.encode()


async def test_sent_delivered_and_read_are_left_to_analytics_without_a_ledger_row(
    router: RouterHandler,
    topics: Topics,
    status: MakeEnv,
    record: MakeRecord,
    drain: Drain,
    router_pool: asyncpg.Pool,
) -> None:
    batch = [record(status("wamid.OUT", s), offset=i) for i, s in enumerate(("sent", "read"))]
    await router.handle_batch(batch)
    assert await drain(topics.commands) == []
    assert await drain(topics.events) == []
    assert await router_pool.fetchval("SELECT count(*) FROM router.dedupe_ledger") == 0


async def test_a_message_for_an_unknown_number_is_recorded_as_unrouted(
    router: RouterHandler,
    topics: Topics,
    inbound: MakeEnv,
    record: MakeRecord,
    drain: Drain,
) -> None:
    env = inbound("wamid.U", number_id="999000")
    await router.handle_batch([record(env)])
    [out] = await drain(topics.events)
    event = Envelope.from_bytes(out.value)
    assert event.type == c.EVT_UNROUTED
    assert event.id == deterministic_id("router.unrouted", env.id)
    assert event.subject == "999000:" + WA_ID
    assert event.organization_id is None
    assert event.data["reason"] == "unknown_number"
    assert event.data["phone_number_id"] == "999000"
    assert event.data["message"]["id"] == "wamid.U"
    assert len(await drain(topics.commands)) == 0
    # Meta's retry of it is dropped like any other duplicate.
    await router.handle_batch([record(env)])
    assert len(await drain(topics.events)) == 1


async def test_a_message_for_a_number_without_chatbot_is_unrouted_with_its_organization(
    config: Any,
    router_pool: asyncpg.Pool,
    producer: Producer,
    topics: Topics,
    inbound: MakeEnv,
    record: MakeRecord,
    drain: Drain,
) -> None:
    config.standard()
    config.delete("chatbot:bot-main")
    config.delete("chatbot:bot-fallback")
    handler = RouterHandler(topics, config.view, DedupeLedger(router_pool, 7), producer)
    await handler.handle_batch([record(inbound("wamid.N"))])
    [out] = await drain(topics.events)
    event = Envelope.from_bytes(out.value)
    assert (event.organization_id, event.data["reason"]) == ("org-1", "no_chatbot")


async def test_a_status_for_an_unknown_number_is_dropped(
    config: Any,
    router_pool: asyncpg.Pool,
    producer: Producer,
    topics: Topics,
    status: MakeEnv,
    record: MakeRecord,
    drain: Drain,
) -> None:
    handler = RouterHandler(topics, config.view, DedupeLedger(router_pool, 7), producer)
    await handler.handle_batch([record(status(status="failed"))])
    assert len(await drain(topics.commands)) == 0
    assert len(await drain(topics.events)) == 0


async def test_items_that_are_not_about_a_conversation_are_not_forwarded(
    router: RouterHandler,
    topics: Topics,
    record: MakeRecord,
    drain: Drain,
) -> None:
    field = Envelope.new(
        c.WA_FIELD_RECEIVED,
        source="pytake-ingress",
        subject=NUMBER_ID,
        data={"field": "account_update", "value": {}},
    )
    await router.handle_batch([record(field)])
    assert len(await drain(topics.commands)) == 0
    assert len(await drain(topics.events)) == 0


@pytest.mark.parametrize("number_id", [None, ""])
async def test_a_message_without_phone_number_id_is_invalid_input_and_nothing_is_recorded(
    router: RouterHandler,
    topics: Topics,
    inbound: MakeEnv,
    record: MakeRecord,
    drain: Drain,
    router_pool: asyncpg.Pool,
    number_id: str | None,
) -> None:
    env = inbound("wamid.X", number_id=number_id)
    with pytest.raises(InvalidInput, match="without phone_number_id"):
        await router.handle_batch([record(env)])
    assert len(await drain(topics.commands)) == 0
    assert await _ledger_keys(router_pool) == set()


async def test_a_poison_item_fails_the_whole_batch_so_nothing_is_half_done(
    router: RouterHandler,
    topics: Topics,
    inbound: MakeEnv,
    record: MakeRecord,
    drain: Drain,
    router_pool: asyncpg.Pool,
) -> None:
    good, bad = inbound("wamid.G"), inbound("wamid.B", number_id=None)
    with pytest.raises(InvalidInput):
        await router.handle_batch([record(good), record(bad, offset=1)])
    assert len(await drain(topics.commands)) == 0
    assert await _ledger_keys(router_pool) == set()
    # The consumer loop then replays it record by record: the good one goes through.
    await router.handle_batch([record(good)])
    assert len(await drain(topics.commands)) == 1


async def test_a_retry_arriving_after_the_retention_window_is_forwarded_again(
    router: RouterHandler,
    topics: Topics,
    inbound: MakeEnv,
    record: MakeRecord,
    drain: Drain,
    router_pool: asyncpg.Pool,
) -> None:
    await router_pool.execute(
        "INSERT INTO router.dedupe_ledger (dedupe_key, seen_at) "
        "VALUES ('msg:wamid.OLD', now() - interval '8 days')"
    )
    await router.handle_batch([record(inbound("wamid.OLD"))])
    assert len(await drain(topics.commands)) == 1


async def test_a_key_forwarded_again_after_its_retention_is_deduplicated_from_then_on(
    router: RouterHandler,
    topics: Topics,
    inbound: MakeEnv,
    record: MakeRecord,
    drain: Drain,
    router_pool: asyncpg.Pool,
) -> None:
    await router_pool.execute(
        "INSERT INTO router.dedupe_ledger (dedupe_key, seen_at) "
        "VALUES ('msg:wamid.OLD', now() - interval '8 days')"
    )
    await router.handle_batch([record(inbound("wamid.OLD"))])
    await router.handle_batch([record(inbound("wamid.OLD"))])
    assert len(await drain(topics.commands)) == 1


async def test_a_sixth_message_from_one_contact_within_a_minute_is_recorded_not_forwarded(
    router: RouterHandler,
    topics: Topics,
    inbound: MakeEnv,
    record: MakeRecord,
    drain: Drain,
) -> None:
    envs = [inbound(f"wamid.R{i}", f"msg {i}", timestamp=1_700_000_000 + i) for i in range(7)]
    await router.handle_batch([record(e, offset=i) for i, e in enumerate(envs)])
    commands = _decoded(await drain(topics.commands))
    forwarded = [e for e in commands if e.type == c.CMD_HANDLE_INBOUND]
    assert [e.data["message"]["id"] for e in forwarded] == [f"wamid.R{i}" for i in range(5)]
    # The first excess message also asks the executor to tell the contact, once per window.
    notices = [e for e in commands if e.type == c.CMD_NOTIFY_RATE_LIMIT]
    assert len(commands) == 6 and len(notices) == 1
    notice = c.NotifyRateLimit.model_validate(notices[0].data)
    assert (notices[0].subject, notices[0].organization_id) == (KEY, "org-1")
    assert (notice.message_id, notice.limit_per_minute, notice.received_at) == (
        "wamid.R5",
        5,
        1_700_000_005,
    )
    # No wording of the organization's: the executor words it in the flow's language.
    assert notice.text == "" and notice.contact.wa_id == WA_ID
    assert commands.index(notices[0]) == 5  # after the five it forwarded, in order
    limited = _decoded(await drain(topics.events))
    assert [e.type for e in limited] == [c.EVT_RATE_LIMITED] * 2
    assert [e.data["notice"] for e in limited] == [True, False]  # one notice per window
    first = limited[0]
    assert first.id == deterministic_id("router.rate_limited", envs[5].id)
    assert (first.subject, first.organization_id) == (KEY, "org-1")
    assert first.data["limit_per_minute"] == 5
    assert first.data["chatbot_id"] == "bot-main"
    assert first.data["message"]["id"] == "wamid.R5"
    assert first.data["contact"]["wa_id"] == WA_ID

    # A minute after the first message, the contact is heard again.
    await router.handle_batch([record(inbound("wamid.LATER", timestamp=1_700_000_060))])
    assert len(await drain(topics.commands)) == 7


async def test_meta_retries_do_not_count_against_the_rate_limit(
    router: RouterHandler,
    topics: Topics,
    inbound: MakeEnv,
    record: MakeRecord,
    drain: Drain,
) -> None:
    envs = [inbound(f"wamid.R{i}", timestamp=1_700_000_000 + i) for i in range(5)]
    for env in envs[:4]:
        await router.handle_batch([record(env), record(env, offset=1)])
    await router.handle_batch([record(envs[4])])
    assert len(await drain(topics.commands)) == 5
    assert await drain(topics.events) == []


async def test_each_contact_has_its_own_rate_limit(
    router: RouterHandler,
    topics: Topics,
    inbound: MakeEnv,
    record: MakeRecord,
    drain: Drain,
) -> None:
    envs = [
        inbound(f"wamid.{who}{i}", wa_id=who, timestamp=1_700_000_000)
        for i in range(5)
        for who in ("5511000000001", "5511000000002")
    ]
    await router.handle_batch([record(e, offset=i) for i, e in enumerate(envs)])
    assert len(await drain(topics.commands)) == 10


async def test_an_organization_setting_overrides_the_rate_limit(
    config: Any,
    router_pool: asyncpg.Pool,
    producer: Producer,
    topics: Topics,
    inbound: MakeEnv,
    record: MakeRecord,
    drain: Drain,
) -> None:
    config.standard()
    config.put(
        "org",
        OrganizationConfig(
            id="org-1",
            name="Acme",
            settings={"rate_limit_per_minute": 2, "rate_limit_notice": "Calma! Um minuto."},
        ),
    )
    handler = RouterHandler(topics, config.view, DedupeLedger(router_pool, 7), producer, 5)
    envs = [inbound(f"wamid.O{i}", timestamp=1_700_000_000) for i in range(3)]
    await handler.handle_batch([record(e, offset=i) for i, e in enumerate(envs)])
    *forwarded, notice = _decoded(await drain(topics.commands))
    assert [e.type for e in forwarded] == [c.CMD_HANDLE_INBOUND] * 2
    assert notice.data["text"] == "Calma! Um minuto."
    [limited] = _decoded(await drain(topics.events))
    assert limited.data["limit_per_minute"] == 2


async def test_a_rate_limit_of_zero_forwards_everything(
    config: Any,
    router_pool: asyncpg.Pool,
    producer: Producer,
    topics: Topics,
    inbound: MakeEnv,
    record: MakeRecord,
    drain: Drain,
) -> None:
    handler = RouterHandler(
        topics, config.standard().view, DedupeLedger(router_pool, 7), producer, 0
    )
    envs = [inbound(f"wamid.Z{i}", timestamp=1_700_000_000) for i in range(8)]
    await handler.handle_batch([record(e, offset=i) for i, e in enumerate(envs)])
    assert len(await drain(topics.commands)) == 8
