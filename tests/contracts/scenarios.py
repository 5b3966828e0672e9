"""Real conversations for the contract tests: the executor's engine running the example flows
(pizza order with a handoff, a CRM lookup with an API call), its events published the way its
handler publishes them (`event_type`, `to_data`), and the `wa.outbound.v1` records the handler
derives from them (`ExecutorHandler._outputs`, the code that publishes them)."""

from __future__ import annotations

import itertools
import json
import uuid
from datetime import UTC, datetime
from pathlib import Path

from pytake_executor.adapters.store import TimerChanges
from pytake_executor.handlers import ExecutorHandler
from pytake_shared.contracts import conversation_events as ev
from pytake_shared.engine.commands import (
    Assign,
    Close,
    Command,
    CompleteApiCall,
    HandleInbound,
    Resume,
    SendAgentMessage,
)
from pytake_shared.engine.engine import decide
from pytake_shared.engine.flow import Flow, load_flow
from pytake_shared.engine.run import Flows
from pytake_shared.engine.state import ConversationState, evolve
from pytake_shared.envelope import Envelope, deterministic_id
from pytake_shared.topics import Topics

FLOWS = Path(__file__).parents[2] / "services" / "executor" / "tests" / "fixtures" / "flows"
NUMBER, WA_ID = "106540352242922", "5511988887777"
KEY = f"{NUMBER}:{WA_ID}"
ORG = str(uuid.UUID(int=7))
TOPICS = Topics()


def _flow(name: str) -> Flow:
    document = json.loads((FLOWS / f"{name}.json").read_text())
    return load_flow("flow-1", 1, document["name"], document)


class Executor:
    """The engine as the executor's handler runs it, and its records as it publishes them."""

    def __init__(self, flow: Flow) -> None:
        self.flows = Flows(
            main_flow=lambda bot: flow,
            by_version=lambda i, v: flow,
            by_id=lambda bot, i: flow,
        )
        self.state = ConversationState(key=KEY)
        self.records: list[tuple[ev.Event, Envelope]] = []
        self.outbound: list[Envelope] = []  # what the handler publishes on wa.outbound.v1
        self._handler = ExecutorHandler(TOPICS, store=None, flows=None, producer=None)  # type: ignore[arg-type]
        self.now = 1_700_000_000
        self.n = itertools.count()

    def __call__(self, command: Command) -> None:
        events = decide(self.state, command, self.flows)
        cause = Envelope.new("test.command", source="test", subject=KEY, data={})
        _, published = self._handler._outputs(self.state, cause, events, TimerChanges())
        self.outbound += [env for topic, env in published if topic == TOPICS.wa_outbound]
        for event in events:
            self.state = evolve(self.state, event)
            envelope = Envelope.new(
                ev.event_type(event),
                source="pytake-executor",
                subject=KEY,
                time=datetime.fromtimestamp(self.now, UTC),
                organization_id=self.state.organization_id,
                data=ev.to_data(event, self.state.conversation_id),
            )
            self.records.append((event, envelope))

    def _id(self) -> str:
        self.now += 1
        return str(deterministic_id("contract", next(self.n)))

    def say(self, text: str | None, reply: str | None = None) -> None:
        command_id = self._id()
        self(
            HandleInbound(
                command_id=command_id,
                organization_id=ORG,
                chatbot_id="bot-1",
                phone_number_id=NUMBER,
                contact={"id": WA_ID, "wa_id": WA_ID, "user_id": None, "name": "Ada"},
                message_id=f"wamid.{command_id}",
                message_type="interactive" if reply else "text",
                text=text,
                reply_id=reply,
                at=self.now,
            )
        )


def pizza_with_a_handoff() -> Executor:
    run = Executor(_flow("pizza_order"))
    run.say("hi")
    run.say("Talk to us", reply="human")
    run(Assign(run._id(), run.now, agent_id="agent-1", takeover=True, by="agent-1"))
    run(
        SendAgentMessage(
            command_id=run._id(), text="Hello, how can I help?", at=run.now, agent_id="a"
        )
    )
    run(Resume(command_id=run._id(), at=run.now, node_id=None))
    run.say("Order a pizza", reply="order")
    run.say("Medium")
    run.say("seven")
    run.say("7")
    run.say("hi again")
    run(Close(command_id=run._id(), at=run.now, reason="closed_by_agent"))
    return run


def support_with_an_api_call() -> Executor:
    run = Executor(_flow("support_lookup"))
    run.say("hi")
    run.say("ada at example")  # rejected: not an e-mail
    run.say("ada@example.com")
    [request] = [e for e, _ in run.records if isinstance(e, ev.ApiCallRequested)]
    run(
        CompleteApiCall(
            command_id=run._id(),
            request_id=request.request_id,
            status=200,
            body={"name": "Ada Lovelace", "plan": "Pro"},
            error=None,
            at=run.now,
        )
    )
    run.say("Billing", reply="billing")
    return run


SCENARIOS = {"pizza with a handoff": pizza_with_a_handoff, "support": support_with_an_api_call}
