"""One `decide` call in progress: the working state, the events so far, and the helpers every
node uses (render, send, wait, schedule and cancel timers, hand off, close).

Every helper emits events and folds them into the working state at once, so later steps see
what earlier ones did, and the events alone are enough to rebuild the state.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pytake_shared.contracts.conversation_events import (
    ConversationClosed,
    Event,
    HandoffStarted,
    MessageHeldBack,
    MessageQueued,
    TimerCancelled,
    TimerKind,
    TimerScheduled,
    WaitingForInput,
    WaitingOn,
)
from pytake_shared.engine import window
from pytake_shared.engine.flow import Edge, Flow, Node
from pytake_shared.engine.state import INPUT_TIMERS, ConversationState, evolve
from pytake_shared.engine.template import render, render_value
from pytake_shared.envelope import deterministic_id
from pytake_shared.flowdoc import texts
from pytake_shared.flowdoc.catalogue import MAX_TEXT


def _no_flow(chatbot_id: str, flow_id: str) -> Flow | None:
    return None


def _no_media_url(media_id: str, now: int) -> str:
    return ""


@dataclass(frozen=True)
class Flows:
    """How the engine finds flows (a lookup, no I/O of its own).

    `main_flow(chatbot_id)`: the chatbot's main flow at its published version;
    `by_version(flow_id, version)`: an exact version (conversations keep theirs);
    `by_id(chatbot_id, flow_id)`: another flow of the chatbot at its published version.
    """

    main_flow: Callable[[str], Flow | None]
    by_version: Callable[[str, int], Flow | None]
    by_id: Callable[[str, str], Flow | None] = _no_flow
    # The bot's messages one command may queue (a flow looping on a message node would
    # otherwise flood the contact); past it they are held back and recorded.
    max_messages: int = 10
    # A short-lived link to a stored media, minted from its id and the time (pure: an HMAC
    # over both, `pytake_shared.media_links`); what `{{last_media.url}}` shows.
    media_url: Callable[[str, int], str] = _no_media_url


class Run:
    def __init__(self, state: ConversationState, flows: Flows, now: int) -> None:
        self.state = state
        self.bot_messages = 0  # queued by this command
        self.flows = flows
        self.now = now
        self.events: list[Event] = []
        self.steps = 0  # node executions in this decide call, against MAX_FLOW_ITERATIONS

    def emit(self, event: Event) -> None:
        self.events.append(event)
        self.state = evolve(self.state, event)

    # -- reading -----------------------------------------------------------------------------
    @property
    def flow(self) -> Flow | None:
        state = self.state
        if state.flow_id is None or state.flow_version is None:
            return None
        return self.flows.by_version(state.flow_id, state.flow_version)

    def setting(self, name: str) -> dict[str, Any]:
        """One of the flow's settings objects (`inactivity_settings`...), {} when unusable."""
        flow = self.flow
        value = flow.settings.get(name) if flow is not None else None
        return value if isinstance(value, dict) else {}

    def context(self) -> dict[str, Any]:
        """The variables a template sees: flow defaults, collected values, built-ins."""
        state = self.state
        contact = state.contact
        return {
            **state.variables,
            "contact": {
                "name": contact.get("name") or "",
                "phone": contact.get("wa_id") or "",
                "id": contact.get("id") or "",
            },
            "flow": {"name": state.flow_name or ""},
            "last_input": state.last_input or "",
            "last_media": self._last_media(),
            "now": datetime.fromtimestamp(self.now, UTC).isoformat(),
        }

    def _last_media(self) -> dict[str, Any]:
        media = self.state.last_media
        if not media:
            return {"id": "", "type": "", "caption": "", "url": "", "mime_type": "", "filename": ""}
        return {**media, "url": self.flows.media_url(str(media["id"]), self.now)}

    def text(self, key: str) -> str:
        """A text the engine writes itself, in the flow's language (`flowdoc.texts`)."""
        flow = self.flow
        return flow.text(key) if flow is not None else texts.text(key, texts.DEFAULT_LANGUAGE)

    def render(self, template: Any) -> str:
        return render(template, self.context()) if isinstance(template, str) else ""

    def render_value(self, value: Any) -> Any:
        return render_value(value, self.context())

    @property
    def window_open(self) -> bool:
        return self.now < (self.state.window_open_until or 0)

    def follow(self, node: Node, *, skip: Collection[str] = ()) -> Node | None:
        """The node after `node` by its default edge (never one of the `skip` branches)."""
        flow = self.flow
        return self.go(flow.default_edge(node.id, skip=skip) if flow is not None else None)

    def branch(self, node: Node, names: Collection[str], others: Collection[str]) -> Node | None:
        """The branch named one of `names`; failing that, a default edge not named `others`."""
        flow = self.flow
        if flow is None:
            return self.go(None)
        return self.go(flow.edge_for(node.id, *names) or flow.default_edge(node.id, skip=others))

    def go(self, edge: Edge | None) -> Node | None:
        """The node `edge` leads to; without an edge the flow is over (`completed`)."""
        flow = self.flow
        if edge is None or flow is None or edge.target not in flow.nodes:
            self.close("completed")
            return None
        return flow.nodes[edge.target]

    # -- effects -----------------------------------------------------------------------------
    def send(self, node_id: str | None, message: dict[str, Any], author: str = "bot") -> bool:
        """Queue `message`; False when the 24-hour window refused it (the run must stop)."""
        if message["kind"] == "text":
            text = str(message.get("text") or "")
            if not text.strip():
                return True  # Meta refuses an empty text: a text that renders empty sends nothing
            message = {**message, "text": text[:MAX_TEXT]}
        if message["kind"] != "template" and not self.window_open:
            window.closed(self, node_id, message)
            return False
        if author == "bot":
            if self.bot_messages >= self.flows.max_messages:
                self.emit(
                    MessageHeldBack(
                        node_id=node_id,
                        message=message,
                        reason="message_limit",
                        limit=self.flows.max_messages,
                    )
                )
                return True
            self.bot_messages += 1
        self.queue(node_id, message, author)
        return True

    def queue(self, node_id: str | None, message: dict[str, Any], author: str = "bot") -> None:
        outbound_id = deterministic_id(
            "outbound", self.state.conversation_id, self.state.messages_queued
        )
        self.emit(
            MessageQueued(
                outbound_id=str(outbound_id),
                node_id=node_id,
                message=message,
                author="agent" if author == "agent" else "bot",
            )
        )

    def schedule(self, kind: TimerKind, fire_at: int, node_id: str | None) -> str:
        timer_id = str(
            deterministic_id("timer", self.state.conversation_id, self.state.timers_scheduled)
        )
        self.emit(TimerScheduled(timer_id=timer_id, kind=kind, fire_at=fire_at, node_id=node_id))
        return timer_id

    def cancel(self, kinds: Collection[str] | None = None) -> None:
        """Cancel the pending timers of `kinds` (all of them when None)."""
        for timer_id, timer in list(self.state.timers.items()):
            if kinds is None or timer.kind in kinds:
                self.emit(TimerCancelled(timer_id=timer_id, kind=timer.kind))

    def wait(self, node_id: str, on: WaitingOn = "input", timeout_minutes: Any = None) -> None:
        """Stop the run until something comes; a wait for the contact arms its timers."""
        self.emit(WaitingForInput(node_id=node_id, on=on))
        if on != "input":
            return
        minutes = _positive(timeout_minutes)
        if minutes:
            self.schedule("question_timeout", self.now + int(minutes * 60), node_id)
        inactivity = self.setting("inactivity_settings")
        limit = _positive(inactivity.get("timeout_minutes"))
        if not inactivity.get("enabled", True) or not limit:
            return
        warn = _positive(inactivity.get("send_warning_at_minutes")) or 0
        if inactivity.get("action") == "send_reminder":
            # The reminder is the action: sent `send_warning_at_minutes` before the limit.
            self.schedule("inactivity", self.now + int(max(limit - warn, 0) * 60), node_id)
            return
        if warn and warn < limit and inactivity.get("warning_message"):
            self.schedule("inactivity_warning", self.now + int((limit - warn) * 60), node_id)
        self.schedule("inactivity", self.now + int(limit * 60), node_id)

    def handoff(
        self, node_id: str | None, reason: str, priority: str = "normal", context: str = ""
    ) -> None:
        self.cancel(INPUT_TIMERS)
        self.emit(
            HandoffStarted(
                node_id=node_id, reason=reason, priority=priority, context=context, at=self.now
            )
        )

    def close(self, reason: str) -> None:
        self.cancel()
        self.emit(ConversationClosed(reason=reason, at=self.now))


def _positive(value: Any) -> float | None:
    """A positive number of minutes from a setting, or None (absent, zero, junk)."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        number = float(value)
    except ValueError:
        return None
    return number if 0 < number < 10**7 else None
