"""conversation.commands.v1 envelopes → the engine's commands.

The engine reasons only about the times commands carry; a command that has no time of its own
(an agent's action, a timer) takes the envelope's time.
"""

from __future__ import annotations

from typing import Any

import orjson
from pydantic import ValidationError

from pytake_executor.domain.commands import (
    AgentMessage,
    ApiCallResult,
    Assign,
    Close,
    Command,
    DeliveryStatus,
    Inbound,
    RateLimitNotice,
    RestartFlow,
    Resume,
    TimerFired,
    WebhookResult,
)
from pytake_shared import contracts as c
from pytake_shared.envelope import Envelope
from pytake_shared.errors import InvalidInput


def to_command(env: Envelope) -> Command:
    try:
        return _convert(env)
    except (KeyError, TypeError, ValueError, ValidationError) as exc:
        raise InvalidInput(f"bad {env.type}: {exc}") from exc


def _at(env: Envelope, data: dict[str, Any]) -> int:
    value = data.get("at")
    return int(value) if isinstance(value, int | float) else int(env.time.timestamp())


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
    data, cid = env.data, str(env.id)
    if env.type == c.CMD_HANDLE_INBOUND:
        cmd = c.HandleInbound.model_validate(data)
        message = cmd.message
        interactive = message.get("interactive") or {}
        return Inbound(
            command_id=cid,
            organization_id=cmd.organization_id,
            chatbot_id=cmd.chatbot_id,
            phone_number_id=cmd.phone_number_id,
            contact=cmd.contact.model_dump(),
            message_id=message.get("id"),
            message_type=str(message.get("type") or "unknown"),
            text=message.get("text"),
            reply_id=interactive.get("id") or (message.get("button") or {}).get("payload"),
            at=cmd.received_at or int(env.time.timestamp()),
            content=_content(message),
        )
    if env.type == c.CMD_HANDLE_STATUS:
        status = c.HandleStatus.model_validate(data).status
        errors = status.get("errors") or []
        code = errors[0].get("code") if errors and isinstance(errors[0], dict) else None
        return DeliveryStatus(
            command_id=cid,
            status=str(status.get("status") or ""),
            error_code=code if isinstance(code, int) else None,
            at=int(status.get("timestamp") or env.time.timestamp()),
            message_id=status.get("id"),
            outbound_id=status.get("biz_opaque_callback_data"),
        )
    if env.type == c.CMD_TIMER_FIRED:
        return TimerFired(command_id=cid, timer_id=str(data["timer_id"]), at=_at(env, data))
    if env.type == c.CMD_API_CALL_RESULT:
        return ApiCallResult(
            command_id=cid,
            request_id=str(data["request_id"]),
            status=data.get("status"),
            body=data.get("body"),
            error=data.get("error"),
            at=_at(env, data),
        )
    if env.type == c.CMD_WEBHOOK_RESULT:
        return WebhookResult(
            command_id=cid,
            request_id=str(data["request_id"]),
            node_id=str(data["node_id"]),
            status=data.get("status"),
            error=data.get("error"),
            at=_at(env, data),
        )
    if env.type == c.CMD_AGENT_MESSAGE:
        template = data.get("template")
        tpl = c.AgentTemplate.model_validate(template) if template is not None else None
        return AgentMessage(
            command_id=cid,
            text=str(data.get("text") or ""),
            at=_at(env, data),
            agent_id=data.get("agent_id"),
            template=tpl.model_dump() if tpl is not None else None,
        )
    if env.type == c.CMD_CLOSE:
        return Close(
            command_id=cid, at=_at(env, data), reason=str(data.get("reason") or "closed_by_agent")
        )
    if env.type == c.CMD_RESUME:
        return Resume(command_id=cid, at=_at(env, data), node_id=data.get("node_id"))
    if env.type == c.CMD_ASSIGN:
        assign = c.AssignCommand.model_validate(data)
        return Assign(
            command_id=cid,
            at=_at(env, data),
            agent_id=assign.agent_id,
            takeover=assign.takeover,
            by=assign.by,
        )
    if env.type == c.CMD_RESTART_FLOW:
        return RestartFlow(command_id=cid, at=_at(env, data), flow_id=data.get("flow_id"))
    if env.type == c.CMD_RATE_LIMIT_NOTICE:
        notice = c.RateLimitNotice.model_validate(data)
        return RateLimitNotice(
            command_id=cid,
            text=notice.text,
            at=notice.received_at or int(env.time.timestamp()),
            message_id=notice.message_id,
        )
    raise InvalidInput(f"unknown command type {env.type}")
