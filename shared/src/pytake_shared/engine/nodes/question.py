"""The `question` node: send the prompt (as reply buttons or a list when it has options), wait,
and judge the answer.

A valid answer is stored and the default edge followed. An invalid one sends `errorMessage`
(or a default for the answer type) and waits again; after `maxAttempts` (3) the edge labelled
`invalid` is followed, else the default edge, without storing anything.
"""

from __future__ import annotations

from typing import Any

from pytake_shared.contracts.conversation_events import InputCaptured, InputRejected
from pytake_shared.engine import answers
from pytake_shared.engine.commands import HandleInbound
from pytake_shared.engine.flow import Node
from pytake_shared.engine.run import Run
from pytake_shared.engine.state import INPUT_TIMERS
from pytake_shared.engine.values import as_number
from pytake_shared.flowdoc.catalogue import (
    MAX_BUTTON_TITLE,
    MAX_BUTTONS,
    MAX_LIST_ROWS,
    MAX_ROW_TITLE,
)

# Branches a valid answer never takes by default.
SPECIAL = ("invalid", "timeout")
DEFAULT_MAX_ATTEMPTS = 3


def question(run: Run, node: Node) -> Node | None:
    data = node.data
    prompt = run.render(data.get("content") or data.get("label") or "")
    message: dict[str, Any] = {"kind": "text", "text": prompt}
    if answers.kind_of(data) == "options":
        message = _choices(run, data, prompt)
    if not run.send(node.id, message):
        return None
    run.wait(node.id, timeout_minutes=data.get("timeoutMinutes"))
    return None


def _choices(run: Run, data: dict[str, Any], prompt: str) -> dict[str, Any]:
    options = answers.options_of(data)
    # Interactive messages need a body; an option without a label shows its value.
    body = prompt or run.text("list_body")

    option_id = answers.option_id

    def title(option: dict[str, Any], limit: int) -> str:
        return run.render(str(option.get("label") or option_id(option)))[:limit]

    if len(options) <= MAX_BUTTONS:
        buttons = [{"id": option_id(o), "title": title(o, MAX_BUTTON_TITLE)} for o in options]
        return {"kind": "buttons", "text": body, "buttons": buttons}
    rows = [{"id": option_id(o), "title": title(o, MAX_ROW_TITLE)} for o in options]
    return {
        "kind": "list",
        "text": body,
        "button_text": run.render(data.get("buttonText"))[:20] or run.text("list_button")[:20],
        "sections": [{"rows": rows[:MAX_LIST_ROWS]}],
    }


def answer(run: Run, node: Node, inbound: HandleInbound) -> Node | None:
    data = node.data
    run.cancel(INPUT_TIMERS)
    result = answers.check(data, inbound.text, inbound.reply_id)
    if result.valid:
        variable = str(data.get("variableName") or "") or None
        run.emit(InputCaptured(node_id=node.id, variable=variable, value=result.value))
        return run.follow(node, skip=SPECIAL)
    attempt = run.state.attempts + 1
    reason = result.reason or "text"
    run.emit(InputRejected(node_id=node.id, attempt=attempt, reason=reason, text=inbound.text))
    validation = data["validation"] if isinstance(data.get("validation"), dict) else {}
    limit = as_number(validation.get("maxAttempts"))
    if attempt >= (int(limit) if limit is not None and limit >= 1 else DEFAULT_MAX_ATTEMPTS):
        flow = run.flow
        invalid = flow.edge_for(node.id, "invalid") if flow is not None else None
        return run.go(invalid) if invalid is not None else run.follow(node, skip=SPECIAL)
    text = run.render(validation.get("errorMessage")) or run.text(f"answer_{reason}")
    if not run.send(node.id, {"kind": "text", "text": text}):
        return None
    run.wait(node.id, timeout_minutes=data.get("timeoutMinutes"))
    return None
