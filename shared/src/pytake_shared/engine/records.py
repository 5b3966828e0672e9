"""conversation.commands.v1 envelopes → the engine's commands.

The engine reasons only about the times commands carry; a command that has no time of its own
(an agent's action, a timer) takes the envelope's time.
"""

from __future__ import annotations

from typing import Any

import orjson
from pydantic import ValidationError

from pytake_shared.contracts import commands
from pytake_shared.engine.commands import (
    Assign,
    Close,
    Command,
    CompleteApiCall,
    FireTimer,
    HandleInbound,
    HandleStatus,
    NotifyRateLimit,
    RecordWebhookResult,
    RestartFlow,
    Resume,
    SendAgentMessage,
)
from pytake_shared.envelope import Envelope
from pytake_shared.errors import InvalidInput


def to_command(env: Envelope) -> Command:
    try:
        return _convert(env)
    except (KeyError, TypeError, ValueError, ValidationError) as exc:
        raise InvalidInput(f"bad {env.type}: {exc}") from exc


def _at(value: int | None, record_time: int) -> int:
    return value if value is not None else record_time


# The parts of an inbound message worth keeping in its history, and how much of them.
CONTENT_KEYS: tuple[str, ...] = (
    "media",
    "location",
    "contacts",
    "interactive",
    "button",
    "reaction",
    "order",
    "context",
)
MAX_CONTENT_BYTES = 16 * 1024


def _content(message: dict[str, Any]) -> dict[str, Any] | None:
    """What the message carries besides its text; None when nothing, or too much to record
    (a contact card or an order past 16 KiB keeps its type and text only)."""
    content = {k: message[k] for k in CONTENT_KEYS if isinstance(message.get(k), dict | list)}
    if not content or len(orjson.dumps(content)) > MAX_CONTENT_BYTES:
        return None
    return content


def _convert(env: Envelope) -> Command:
    cid, at = str(env.id), int(env.time.timestamp())
    match commands.decode(env.type, env.data):
        case commands.HandleInbound() as cmd:
            message = cmd.message
            interactive = message.get("interactive") or {}
            return HandleInbound(
                command_id=cid,
                organization_id=cmd.organization_id,
                chatbot_id=cmd.chatbot_id,
                phone_number_id=cmd.phone_number_id,
                contact=cmd.contact.model_dump(),
                message_id=message.get("id"),
                message_type=str(message.get("type") or "unknown"),
                text=message.get("text"),
                reply_id=interactive.get("id") or (message.get("button") or {}).get("payload"),
                at=cmd.received_at or at,
                content=_content(message),
            )
        case commands.HandleStatus(status=status):
            errors = status.get("errors") or []
            code = errors[0].get("code") if errors and isinstance(errors[0], dict) else None
            return HandleStatus(
                command_id=cid,
                status=str(status.get("status") or ""),
                error_code=code if isinstance(code, int) else None,
                at=int(status.get("timestamp") or at),
                message_id=status.get("id"),
                outbound_id=status.get("biz_opaque_callback_data"),
            )
        case commands.FireTimer() as cmd:
            return FireTimer(command_id=cid, timer_id=cmd.timer_id, at=_at(cmd.at, at))
        case commands.CompleteApiCall() as cmd:
            return CompleteApiCall(
                command_id=cid,
                request_id=cmd.request_id,
                status=cmd.status,
                body=cmd.body,
                error=cmd.error,
                at=_at(cmd.at, at),
            )
        case commands.RecordWebhookResult() as cmd:
            return RecordWebhookResult(
                command_id=cid,
                request_id=cmd.request_id,
                node_id=cmd.node_id,
                status=cmd.status,
                error=cmd.error,
                at=_at(cmd.at, at),
            )
        case commands.SendAgentMessage() as cmd:
            template = cmd.template
            return SendAgentMessage(
                command_id=cid,
                text=cmd.text or "",
                at=at,
                agent_id=cmd.agent_id,
                template=template.model_dump() if template is not None else None,
            )
        case commands.Close() as cmd:
            return Close(command_id=cid, at=at, reason=cmd.reason or "closed_by_agent")
        case commands.Resume() as cmd:
            return Resume(command_id=cid, at=at, node_id=cmd.node_id)
        case commands.Assign() as cmd:
            return Assign(
                command_id=cid, at=at, agent_id=cmd.agent_id, takeover=cmd.takeover, by=cmd.by
            )
        case commands.RestartFlow() as cmd:
            return RestartFlow(command_id=cid, at=at, flow_id=cmd.flow_id)
        case commands.NotifyRateLimit() as cmd:
            return NotifyRateLimit(
                command_id=cid,
                text=cmd.text,
                at=cmd.received_at or at,
                message_id=cmd.message_id,
            )
    raise InvalidInput(f"unknown command type {env.type}")
