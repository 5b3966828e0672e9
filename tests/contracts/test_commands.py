"""The contract of `conversation.commands.v1`: every command, written as its producers write it,
decodes in the executor into the engine's command of the same name; records under a former
name still decode, and keep their ids when derived again.

Producers build the contract's models (the router's are checked on real payloads in
`test_wa_inbound.py`); the management API's are published here through its own adapter."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest

from pytake_analytics.adapters.commands import Commands
from pytake_shared.contracts import commands
from pytake_shared.engine import commands as domain
from pytake_shared.engine.records import to_command
from pytake_shared.envelope import Envelope, deterministic_id
from pytake_shared.errors import InvalidInput

ORG = str(uuid.UUID(int=7))
KEY = "106540352242922:5511988887777"
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
CONTACT = commands.Contact(id="5511988887777", wa_id="5511988887777", name="Ada")

SAMPLES: list[commands.Command] = [
    commands.HandleInbound(
        organization_id=ORG,
        chatbot_id="bot",
        phone_number_id="106540352242922",
        contact=CONTACT,
        message={"id": "wamid.1", "type": "text", "text": "hi", "timestamp": 1_764_590_000},
        received_at=1_764_590_000,
    ),
    commands.HandleStatus(
        organization_id=ORG,
        phone_number_id="106540352242922",
        status={"id": "wamid.2", "status": "failed", "errors": [{"code": 131026}]},
    ),
    commands.NotifyRateLimit(
        organization_id=ORG,
        chatbot_id="bot",
        phone_number_id="106540352242922",
        contact=CONTACT,
        message_id="wamid.3",
        text="Slow down",
        limit_per_minute=5,
    ),
    commands.FireTimer(timer_id="timer-1", kind="delay", at=1_764_590_100),
    commands.CompleteApiCall(request_id="req-1", status=200, body={"ok": True}, error=None),
    commands.RecordWebhookResult(request_id="req-2", node_id="n-7", status=None, error="refused"),
    commands.SendAgentMessage(organization_id=ORG, text="Hello", agent_id="agent-1"),
    commands.SendAgentMessage(
        organization_id=ORG, template=commands.AgentTemplate(name="order_update"), agent_id="a"
    ),
    commands.Close(organization_id=ORG, reason="closed_by_agent", agent_id="agent-1"),
    commands.RestartFlow(organization_id=ORG, flow_id="flow-2"),
    commands.Assign(organization_id=ORG, agent_id="agent-1", by="agent-1"),
    commands.Resume(organization_id=ORG, node_id="n-3"),
]


def _record(kind: str, payload: dict[str, Any]) -> Envelope:
    env = Envelope.new(kind, source="test", subject=KEY, time=NOW, data=payload)
    return Envelope.from_bytes(env.to_bytes())


def test_every_command_has_a_sample() -> None:
    assert {commands.type_of(s) for s in SAMPLES} == commands.TYPES


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda s: type(s).__name__)
def test_each_command_decodes_into_the_engines_command_of_the_same_name(
    sample: commands.Command,
) -> None:
    kind = commands.type_of(sample)
    command = to_command(_record(kind, sample.model_dump(mode="json")))
    assert type(command).__name__ == type(sample).__name__
    assert command.type == kind.removeprefix(commands.PREFIX)
    assert commands.decode(kind, sample.model_dump(mode="json")) == sample


def test_the_engine_has_no_command_the_contract_does_not_name() -> None:
    engine = {cls.__name__ for cls in domain.Command.__args__}  # type: ignore[attr-defined]
    assert engine == {model.__name__ for model in commands.MODELS.values()}


@pytest.mark.parametrize(("former", "current"), sorted(commands.LEGACY.items()))
def test_a_record_under_a_former_name_still_decodes_and_keeps_its_id(
    former: str, current: str
) -> None:
    (sample,) = [s for s in SAMPLES if commands.type_of(s) == current][:1]
    command = to_command(_record(former, sample.model_dump(mode="json")))
    assert type(command).__name__ == type(sample).__name__
    # Ids derived from the command's name use the former one: derived again, it is a repeat.
    assert commands.id_seed(current) == former
    assert deterministic_id("router", commands.id_seed(current), "x") == deterministic_id(
        "router", former, "x"
    )


def test_an_unknown_command_is_invalid_input() -> None:
    with pytest.raises(InvalidInput, match="unknown command type"):
        to_command(_record("pytake.conversation.dance", {}))


class Captured:
    """Where the management API's adapter sends its records (no broker: the records only)."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, Envelope]] = []

    async def send(self, topic: str, env: Envelope) -> None:
        self.sent.append((topic, env))


async def test_the_management_apis_commands_decode_in_the_executor() -> None:
    capture = Captured()
    adapter = Commands(capture, "conversation.commands.v1")  # type: ignore[arg-type]
    for_api = [
        s
        for s in SAMPLES
        if isinstance(
            s,
            commands.SendAgentMessage
            | commands.Close
            | commands.RestartFlow
            | commands.Assign
            | commands.Resume,
        )
    ]

    for n, sample in enumerate(for_api):
        await adapter.publish(
            sample, key=KEY, organization_id=uuid.UUID(ORG), now=NOW, idempotency_key=str(n)
        )
    assert len(capture.sent) == len(for_api) == 6
    for (_, env), sample in zip(capture.sent, for_api, strict=True):
        command = to_command(Envelope.from_bytes(env.to_bytes()))
        assert type(command).__name__ == type(sample).__name__
        assert command.at == int(NOW.timestamp())
