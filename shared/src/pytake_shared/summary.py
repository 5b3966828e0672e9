"""One-line summaries of records: what a message says, and the few fields of an event an
operator looks for first (the text of a message, the node entered, the variable set...), else
its first scalar fields. Shared by `pytake replay` and the management API's replay and
simulator, so the console and the terminal describe a step alike."""

from __future__ import annotations

from typing import Any

import orjson

SUMMARY_WIDTH = 100


def message_text(message: dict[str, Any]) -> str:
    """What an outbound message says, in one line (text, caption, buttons, template...)."""
    kind = message.get("kind") or message.get("type") or "?"
    text = message.get("text") or message.get("caption") or ""
    if kind == "template":
        text = f"template {message.get('template_name')}"
    buttons = [b.get("title", "") for b in message.get("buttons") or [] if isinstance(b, dict)]
    rows = [
        r.get("title", "")
        for s in message.get("sections") or []
        if isinstance(s, dict)
        for r in s.get("rows") or []
        if isinstance(r, dict)
    ]
    choices = buttons or rows
    out = repr(text) if kind in ("text", "buttons", "list", "media") and text else str(text)
    if choices:
        out += " [" + " | ".join(choices) + "]"
    return out if kind == "text" else f"{kind} {out}".strip()


def summarize(type_: str, data: dict[str, Any], width: int = SUMMARY_WIDTH) -> str:
    name = type_.rsplit(".", 1)[-1]
    text = _specific(name, data)
    if text is None:
        scalars = [
            f"{k}={_short(v)}"
            for k, v in data.items()
            if isinstance(v, str | int | float | bool) and k not in ("type", "conversation_id")
        ]
        text = " ".join(scalars)
    return text if len(text) <= width else text[: width - 1] + "…"


def _specific(name: str, data: dict[str, Any]) -> str | None:
    message = data.get("message")
    if name == "message_queued" and isinstance(message, dict):
        return f"{data.get('author', 'bot')}: {message_text(message)}"
    if name == "send" and isinstance(message, dict):
        return f"{str(data.get('outbound_id', ''))[:12]} {message_text(message)}"
    if name in ("handle_inbound", "message_received") and isinstance(message, dict):
        body = message.get("text")
        if isinstance(body, dict):
            body = body.get("body")
        return f"{message.get('type', '?')} {body!r} ({message.get('id', '')})"
    if name == "inbound_received":
        reply = f" reply={data['reply_id']}" if data.get("reply_id") else ""
        return f"{data.get('message_type')} {data.get('text')!r}{reply}"
    if name == "status_received" and isinstance(data.get("status"), dict):
        status = data["status"]
        errors = status.get("errors") or []
        code = errors[0].get("code") if errors and isinstance(errors[0], dict) else None
        return f"{status.get('status')} of {status.get('id')}" + (f" code {code}" if code else "")
    if name in ("accepted", "failed", "retrying", "indefinite", "cancelled"):
        outcome = data.get("wamid") or data.get("reason") or data.get("code") or ""
        return f"{str(data.get('outbound_id', ''))[:12]} {outcome}".strip()
    if name == "node_entered":
        return f"{data.get('node_id')} ({data.get('node_type')})"
    if name in ("input_captured", "variable_set"):
        var = data.get("variable") or data.get("name")
        return f"{data.get('node_id')}: {var} = {_short(data.get('value'))}"
    if name == "conversation_started":
        return (
            f"{data.get('conversation_id', '')} flow {data.get('flow_name')!r} "
            f"{data.get('flow_id')}@{data.get('flow_version')}"
        )
    return None


def _short(value: Any, width: int = 40) -> str:
    text = value if isinstance(value, str) else orjson.dumps(value).decode()
    text = repr(text) if isinstance(value, str) else text
    return text if len(text) <= width else text[: width - 1] + "…"
