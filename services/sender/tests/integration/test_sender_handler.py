"""The sender handler against the Meta simulator, the real database and broker: each
outbound_id reaches Meta at most once it was accepted, and every outcome is published."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from pytake_sender.adapters.graph import GraphClient
from pytake_sender.handlers import SenderHandler
from pytake_shared import contracts as c
from pytake_shared.config import ConfigView
from pytake_shared.envelope import Envelope, deterministic_id
from pytake_shared.errors import IndefiniteError, InvalidInput, TransientError
from pytake_shared.kafka import Record
from pytake_shared.testing.embedded import free_port

NUMBER_ID = "106540352242922"
WA_ID = "5511988887777"
KEY = f"{NUMBER_ID}:{WA_ID}"
TOKEN = "EAAG-good-token"

MakeRecord = Callable[..., Record]
MakeCommand = Callable[..., Envelope]
Simulated = Callable[..., Any]


async def test_an_accepted_send_is_recorded_and_published_with_its_wamid(
    simulator: Simulated,
    make_handler: Callable[..., SenderHandler],
    command: MakeCommand,
    record: MakeRecord,
    probe: Any,
) -> None:
    cmd = command("out-1")
    async with simulator() as (base_url, graph):
        await make_handler(graph).handle(record(cmd))
        [call] = await probe.calls(base_url)

    assert (call["phone_number_id"], call["version"], call["token"]) == (NUMBER_ID, "v21.0", TOKEN)
    assert call["body"] == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "biz_opaque_callback_data": "out-1",
        "to": "+" + WA_ID,
        "type": "text",
        "text": {"body": "Hello Ada", "preview_url": False},
    }
    assert call["status"] == 200
    ledger = await probe.row()
    assert ledger is not None
    assert (ledger["status"], ledger["wamid"], ledger["attempts"]) == ("accepted", call["wamid"], 1)
    assert (ledger["organization_id"], ledger["phone_number_id"]) == ("org-1", NUMBER_ID)

    [accepted] = await probe.deliveries()
    assert accepted.type == c.DELIVERY_ACCEPTED
    assert accepted.id == deterministic_id("sender", c.DELIVERY_ACCEPTED, "out-1", "")
    assert accepted.data == {
        "outbound_id": "out-1",
        "phone_number_id": NUMBER_ID,
        "wamid": call["wamid"],
    }
    assert (accepted.subject, accepted.causation_id, accepted.correlation_id) == (
        KEY,
        str(cmd.id),
        "wamid.IN",
    )


async def test_the_same_command_again_is_not_sent_twice(
    simulator: Simulated,
    make_handler: Callable[..., SenderHandler],
    command: MakeCommand,
    record: MakeRecord,
    probe: Any,
) -> None:
    async with simulator() as (base_url, graph):
        handler = make_handler(graph)
        await handler.handle(record(command("out-1")))
        await handler.handle(record(command("out-1"), offset=1))
        await handler.handle(record(command("out-1"), offset=2))
        calls = await probe.calls(base_url)
    assert len(calls) == 1
    deliveries = await probe.deliveries()
    # Re-published with the same id and wamid: harmless downstream.
    assert {(e.type, e.id, e.data["wamid"]) for e in deliveries} == {
        (c.DELIVERY_ACCEPTED, deliveries[0].id, calls[0]["wamid"])
    }


async def test_different_outbound_ids_are_each_sent(
    simulator: Simulated,
    make_handler: Callable[..., SenderHandler],
    command: MakeCommand,
    record: MakeRecord,
    probe: Any,
) -> None:
    async with simulator() as (base_url, graph):
        handler = make_handler(graph)
        await handler.handle(record(command("out-1", kind="text", text="one")))
        await handler.handle(record(command("out-2", kind="text", text="two"), offset=1))
        calls = await probe.calls(base_url)
    assert [call["body"]["text"]["body"] for call in calls] == ["one", "two"]
    assert len({e.data["wamid"] for e in await probe.deliveries()}) == 2


async def test_a_permanent_error_fails_the_send_for_good(
    simulator: Simulated,
    make_handler: Callable[..., SenderHandler],
    command: MakeCommand,
    record: MakeRecord,
    probe: Any,
) -> None:
    async with simulator(invalid_tokens=(TOKEN,)) as (base_url, graph):
        handler = make_handler(graph)
        with pytest.raises(InvalidInput, match="permanent send failure \\(code 190\\)"):
            await handler.handle(record(command("out-1")))
        # A redelivery neither calls Meta again nor raises: it is settled.
        await handler.handle(record(command("out-1"), offset=1))
        calls = await probe.calls(base_url)
    assert [call["status"] for call in calls] == [401]
    ledger = await probe.row()
    assert ledger is not None
    assert (ledger["status"], ledger["last_error_code"]) == ("failed", 190)
    assert "expired" in ledger["last_error"]
    [failed] = await probe.deliveries()
    assert failed.type == c.DELIVERY_FAILED
    assert failed.id == deterministic_id("sender", c.DELIVERY_FAILED, "out-1", "")
    assert failed.data["code"] == 190
    assert failed.data["permanent"] is True
    assert failed.data["outbound_id"] == "out-1"


async def test_a_transient_error_is_published_as_retrying_and_raised_until_it_passes(
    simulator: Simulated,
    make_handler: Callable[..., SenderHandler],
    command: MakeCommand,
    record: MakeRecord,
    probe: Any,
) -> None:
    async with simulator(error_rate=1.0, error_kinds=("server",)) as (base_url, graph):
        handler = make_handler(graph)
        for _ in range(2):
            with pytest.raises(TransientError, match="Graph API 50"):
                await handler.handle(record(command("out-1")))
        ledger = await probe.row()
        assert ledger is not None and (ledger["status"], ledger["attempts"]) == ("retrying", 2)
        async with httpx.AsyncClient() as client:
            (await client.put(f"{base_url}/_sim/faults", json={})).raise_for_status()
        await handler.handle(record(command("out-1")))
        calls = await probe.calls(base_url)

    assert [call["status"] >= 500 for call in calls] == [True, True, False]
    deliveries = await probe.deliveries()
    assert [e.type for e in deliveries] == [
        c.DELIVERY_RETRYING,
        c.DELIVERY_RETRYING,
        c.DELIVERY_ACCEPTED,
    ]
    retrying = deliveries[:2]
    assert [e.data["attempt"] for e in retrying] == [1, 2]
    assert retrying[0].id != retrying[1].id  # each attempt is its own fact
    assert all(e.data["code"] in (1, 2, 131000) for e in retrying)
    ledger = await probe.row()
    assert ledger is not None and (ledger["status"], ledger["attempts"]) == ("accepted", 3)


async def test_throttling_is_retried(
    simulator: Simulated,
    make_handler: Callable[..., SenderHandler],
    command: MakeCommand,
    record: MakeRecord,
    probe: Any,
) -> None:
    async with simulator(error_rate=1.0, error_kinds=("throttle",)) as (_, graph):
        with pytest.raises(TransientError, match="Graph API 429"):
            await make_handler(graph).handle(record(command("out-1")))
    [retrying] = await probe.deliveries()
    assert (retrying.type, retrying.data["code"]) == (c.DELIVERY_RETRYING, 130429)


async def test_a_timeout_is_indefinite_and_publishes_nothing(
    simulator: Simulated,
    make_handler: Callable[..., SenderHandler],
    command: MakeCommand,
    record: MakeRecord,
    probe: Any,
) -> None:
    async with simulator(
        timeout_s=0.2, error_rate=1.0, error_kinds=("timeout",), timeout_seconds=0.6
    ) as (base_url, graph):
        with pytest.raises(IndefiniteError, match="did not answer in time"):
            await make_handler(graph).handle(record(command("out-1")))
        calls = await probe.calls(base_url)
    assert len(calls) == 1  # the call did reach "Meta": the outcome is unknown, not a failure
    assert await probe.deliveries() == []
    ledger = await probe.row()
    assert ledger is not None and ledger["status"] == "sending"


async def test_a_slow_graph_api_is_a_timeout_too(
    simulator: Simulated,
    make_handler: Callable[..., SenderHandler],
    command: MakeCommand,
    record: MakeRecord,
) -> None:
    async with simulator(timeout_s=0.1, slow_ms=400) as (_, graph):
        with pytest.raises(IndefiniteError):
            await make_handler(graph).handle(record(command("out-1")))


async def test_an_unreachable_graph_api_is_transient_not_indefinite(
    make_handler: Callable[..., SenderHandler],
    command: MakeCommand,
    record: MakeRecord,
    probe: Any,
) -> None:
    graph = GraphClient(f"http://127.0.0.1:{free_port()}", "v21.0", 2.0)
    try:
        with pytest.raises(TransientError, match="unreachable") as info:
            await make_handler(graph).handle(record(command("out-1")))
    finally:
        await graph.close()
    assert not isinstance(info.value, IndefiniteError)
    assert await probe.deliveries() == []
    ledger = await probe.row()  # definitely not sent: the next try is a plain send
    assert ledger is not None and ledger["status"] == "retrying"


async def test_a_number_without_an_access_token_fails_without_calling_meta(
    simulator: Simulated,
    make_handler: Callable[..., SenderHandler],
    command: MakeCommand,
    record: MakeRecord,
    probe: Any,
) -> None:
    from pytake_shared.config import NumberConfig, snapshot
    from pytake_shared.secrets import SecretBox
    from pytake_shared.settings import ServiceSettings

    tokenless = ConfigView(ServiceSettings(), SecretBox("k"))
    env = snapshot(
        "number",
        NumberConfig(id="n", organization_id="org-1", phone_number_id=NUMBER_ID),
        source="t",
        box=SecretBox("k"),
    )
    tokenless.apply(env.subject, env.to_bytes())
    async with simulator() as (base_url, graph):
        for n, view in enumerate((tokenless, ConfigView(ServiceSettings(), SecretBox("k")))):
            with pytest.raises(InvalidInput, match="no access token for " + NUMBER_ID):
                await make_handler(graph, view).handle(record(command(f"out-{n}")))
        assert await probe.calls(base_url) == []
    failed = await probe.deliveries()
    assert {(e.type, e.data["code"], e.data["permanent"]) for e in failed} == {
        (c.DELIVERY_FAILED, None, True)
    }


async def test_an_unsendable_message_fails_without_calling_meta(
    simulator: Simulated,
    make_handler: Callable[..., SenderHandler],
    command: MakeCommand,
    record: MakeRecord,
    probe: Any,
) -> None:
    async with simulator() as (base_url, graph):
        with pytest.raises(InvalidInput, match="empty body"):
            await make_handler(graph).handle(record(command("out-1", kind="text", text="")))
        assert await probe.calls(base_url) == []
    [failed] = await probe.deliveries()
    assert failed.type == c.DELIVERY_FAILED
    assert failed.data["reason"] == "text message with an empty body"


async def test_an_unsendable_message_is_recorded_as_failed_in_the_ledger(
    simulator: Simulated,
    make_handler: Callable[..., SenderHandler],
    command: MakeCommand,
    record: MakeRecord,
    probe: Any,
) -> None:
    async with simulator() as (_, graph):
        with pytest.raises(InvalidInput):
            await make_handler(graph).handle(record(command("out-1", kind="text", text="")))
    ledger = await probe.row()
    assert ledger is not None and ledger["status"] == "failed"


async def test_a_mark_read_is_accepted_without_a_wamid(
    simulator: Simulated,
    make_handler: Callable[..., SenderHandler],
    command: MakeCommand,
    record: MakeRecord,
    probe: Any,
) -> None:
    cmd = command("out-read", kind="mark_read", message_id="wamid.HBgMNTU=", typing_indicator=True)
    async with simulator() as (base_url, graph):
        await make_handler(graph).handle(record(cmd))
        [call] = await probe.calls(base_url)
    assert call["type"] == "read"
    [accepted] = await probe.deliveries()
    assert (accepted.type, accepted.data["wamid"]) == (c.DELIVERY_ACCEPTED, None)


async def test_a_business_scoped_user_is_sent_to_by_user_id(
    simulator: Simulated,
    make_handler: Callable[..., SenderHandler],
    command: MakeCommand,
    record: MakeRecord,
    probe: Any,
) -> None:
    cmd = command("out-bsu", contact=c.Contact(id="BR.77", user_id="BR.77"), kind="text", text="hi")
    async with simulator() as (base_url, graph):
        await make_handler(graph).handle(record(cmd))
        [call] = await probe.calls(base_url)
    assert call["body"]["recipient"] == "BR.77"
    assert call["status"] == 200


@pytest.mark.parametrize(
    ("kind", "data", "reason"),
    [
        ("pytake.outbound.teleport", {}, "unknown outbound type"),
        ("pytake.outbound.send", {"outbound_id": "x"}, "bad send command"),
    ],
)
async def test_a_record_that_is_not_a_send_command_is_invalid(
    make_handler: Callable[..., SenderHandler],
    record: MakeRecord,
    kind: str,
    data: dict[str, Any],
    reason: str,
    probe: Any,
) -> None:
    graph = GraphClient(f"http://127.0.0.1:{free_port()}", "v21.0", 1.0)
    try:
        with pytest.raises(InvalidInput, match=reason):
            await make_handler(graph).handle(
                record(Envelope.new(kind, source="t", subject=KEY, data=data))
            )
    finally:
        await graph.close()
    assert await probe.deliveries() == []
