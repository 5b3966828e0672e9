"""The contract of `wa.inbound.v1`: what ingress writes for every real Meta payload of the corpus
decodes, unchanged, through the contract, and each reader takes what it needs from it: the
router routes messages and failed statuses into commands the executor decodes, the sender's
confirmations and the analytics projection read the statuses.

The records come from ingress's own normalizer on the webhook fixtures, so a key ingress adds
without declaring it, or a reader expecting a key ingress no longer writes, fails here."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from pytake_analytics.domain.deliveries import from_status
from pytake_ingress.domain import normalize
from pytake_router.handlers import RouterHandler
from pytake_sender.confirmations import confirmed
from pytake_shared.config import (
    ChatbotConfig,
    ConfigView,
    NumberConfig,
    OrganizationConfig,
    snapshot,
)
from pytake_shared.contracts import commands, wa_inbound
from pytake_shared.contracts import conversation_events as ev
from pytake_shared.engine.commands import HandleInbound, HandleStatus
from pytake_shared.engine.records import to_command
from pytake_shared.envelope import Envelope
from pytake_shared.secrets import SecretBox
from pytake_shared.settings import ServiceSettings
from pytake_shared.testing.fixtures import record_of
from pytake_shared.topics import Topics

FIXTURES = Path(__file__).parents[1] / "fixtures" / "meta-webhooks"
RECEIVED = datetime(2026, 12, 1, tzinfo=UTC)
BOX = SecretBox("contract-key")
ORG = str(uuid.UUID(int=7))


def _records() -> list[tuple[str, Envelope]]:
    out = []
    for path in sorted(FIXTURES.glob("*.json")):
        for envelope in normalize(json.loads(path.read_text()), received_at=RECEIVED):
            out.append((path.stem, envelope))
    # What the corpus has no file for: an error about a number, and a body nobody can read.
    error = {
        "object": "whatsapp_business_account",
        "entry": [
            {
                "id": "102290129340398",
                "changes": [
                    {
                        "field": "messages",
                        "value": {
                            "messaging_product": "whatsapp",
                            "metadata": {"phone_number_id": "106540352242922"},
                            "errors": [
                                {
                                    "code": 131000,
                                    "title": "Something went wrong",
                                    "message": "Something went wrong",
                                    "error_data": {"details": "Unknown error"},
                                }
                            ],
                        },
                    }
                ],
            }
        ],
    }
    for name, body in (("error", error), ("unreadable", {"unexpected": [1, 2]})):
        out.extend((name, envelope) for envelope in normalize(body, received_at=RECEIVED))
    return out


RECORDS = _records()


def _router(numbers: set[str], limit: int = 0) -> RouterHandler:
    """The router with every number of the corpus on one organization's chatbot."""
    view = ConfigView(ServiceSettings(), BOX)

    def put(kind: str, entity: Any) -> None:
        env = snapshot(kind, entity, source="test", box=BOX)
        view.apply(env.subject, env.to_bytes())

    put("org", OrganizationConfig(id=ORG, name="Acme"))
    put("chatbot", ChatbotConfig(id="bot", organization_id=ORG, name="Main"))
    for n, number in enumerate(sorted(numbers)):
        put(
            "number",
            NumberConfig(
                id=f"n-{n}",
                organization_id=ORG,
                phone_number_id=number,
                access_token="t",
                default_chatbot_id="bot",
            ),
        )
    # Routing is pure: the ledger and the producer are not used by `_route`.
    return RouterHandler(Topics(), view, ledger=None, producer=None, rate_limit_per_minute=limit)  # type: ignore[arg-type]


def test_the_corpus_has_every_type_of_the_topic() -> None:
    assert {env.type for _, env in RECORDS} == set(wa_inbound.EVENT_TYPES)


@pytest.mark.parametrize(("name", "envelope"), RECORDS, ids=[n for n, _ in RECORDS])
def test_every_record_decodes_unchanged(name: str, envelope: Envelope) -> None:
    wire = Envelope.from_bytes(envelope.to_bytes())
    # Nothing dropped, nothing filled in: every key ingress writes is declared.
    assert wa_inbound.decode(wire.type, wire.data) == wire.data


def test_the_router_turns_messages_and_failed_statuses_into_commands_the_executor_decodes() -> None:
    conversational = [
        env
        for _, env in RECORDS
        if env.type in (wa_inbound.MESSAGE_RECEIVED, wa_inbound.STATUS_RECEIVED)
        and ":" in env.subject
    ]
    router = _router({str(env.data["phone_number_id"]) for env in conversational})
    kinds: dict[str, int] = {}
    for env in conversational:
        for _, out in router._route(Envelope.from_bytes(env.to_bytes())):
            assert out.type in commands.TYPES
            command = to_command(Envelope.from_bytes(out.to_bytes()))
            kinds[out.type] = kinds.get(out.type, 0) + 1
            if env.type == wa_inbound.MESSAGE_RECEIVED:
                assert isinstance(command, HandleInbound)
                assert command.message_id == env.data["message"]["id"]
                assert command.message_type == env.data["message"]["type"]
                assert command.organization_id == ORG
            else:
                assert isinstance(command, HandleStatus)
                assert command.message_id == env.data["status"]["id"]
                assert command.status == env.data["status"]["status"]
    assert kinds[commands.HANDLE_INBOUND] >= 20 and kinds[commands.HANDLE_STATUS] >= 1


def test_the_routers_own_records_decode_as_the_contract_says() -> None:
    messages = [env for _, env in RECORDS if env.type == wa_inbound.MESSAGE_RECEIVED]
    unrouted = _router(set())  # no number configured: every message is unrouted
    for env in messages[:5]:
        ((_, out),) = unrouted._route(Envelope.from_bytes(env.to_bytes()))
        event = ev.decode_router(out.type, out.data)
        assert isinstance(event, ev.Unrouted) and event.reason == "unknown_number"
        assert event.message == env.data["message"]
    limited = _router({str(messages[0].data["phone_number_id"])}, limit=1)
    wire = Envelope.from_bytes(messages[0].to_bytes())
    assert [out.type for _, out in limited._route(wire)] == [commands.HANDLE_INBOUND]
    second = limited._route(wire)  # the second in the minute (the ledger drops Meta's retries)
    assert [out.type for _, out in second] == [ev.RATE_LIMITED, commands.NOTIFY_RATE_LIMIT]
    event = ev.decode_router(second[0][1].type, second[0][1].data)
    assert isinstance(event, ev.RateLimited) and event.notice and event.limit_per_minute == 1
    assert to_command(Envelope.from_bytes(second[1][1].to_bytes())).type == "notify_rate_limit"


def test_the_sender_and_analytics_read_every_status() -> None:
    statuses = [env for _, env in RECORDS if env.type == wa_inbound.STATUS_RECEIVED]
    assert len(statuses) >= 8
    ours = [env for env in statuses if env.data["status"]["biz_opaque_callback_data"]]
    assert ours, "the corpus has a status of one of our sends"
    for env in statuses:
        wire = Envelope.from_bytes(env.to_bytes())
        status = wire.data["status"]
        update = from_status(wire.data, wire.time, ORG)
        found = confirmed([record_of(wire, "wa.inbound.v1")])
        if not status["biz_opaque_callback_data"]:
            assert update is None and found == []
            continue
        assert update is not None and update.outbound_id == status["biz_opaque_callback_data"]
        assert update.wamid == status["id"]
        if status["status"] == "failed":
            error = status["errors"][0]
            assert update.status_error_code == error["code"]
            assert update.status_error_reason == (error["details"] or error["message"])
            assert found == []
        else:
            assert found == [(status["biz_opaque_callback_data"], status["id"])]
