"""Interactive nodes: `interactive_buttons` and `interactive_list` send and wait; the reply
(a tapped button or row, or typed text equal to a title) follows the edge whose `sourceHandle`
is that id, else the default edge, and the id is stored in `variableName` when set."""

from __future__ import annotations

from typing import Any

from pytake_shared.contracts.conversation_events import InputCaptured
from pytake_shared.engine.commands import HandleInbound
from pytake_shared.engine.flow import Node
from pytake_shared.engine.run import Run
from pytake_shared.engine.state import INPUT_TIMERS
from pytake_shared.flowdoc.catalogue import (
    MAX_BUTTON_TITLE,
    MAX_BUTTONS,
    MAX_LIST_ROWS,
    MAX_ROW_TITLE,
)

MAX_DESCRIPTION = 72  # Meta's limit for a row description
MAX_BUTTON_TEXT = 20


def _dicts(value: Any) -> list[dict[str, Any]]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _frame(run: Run, data: dict[str, Any], kind: str) -> dict[str, Any]:
    message: dict[str, Any] = {"kind": kind, "text": run.render(data.get("bodyText")) or "…"}
    for field, key in (("headerText", "header"), ("footerText", "footer")):
        text = run.render(data.get(field))
        if text:
            message[key] = text
    return message


def buttons(run: Run, node: Node) -> Node | None:
    message = _frame(run, node.data, "buttons")
    message["buttons"] = [
        {"id": str(b.get("id") or ""), "title": run.render(b.get("title"))[:MAX_BUTTON_TITLE]}
        for b in _dicts(node.data.get("buttons"))[:MAX_BUTTONS]
    ]
    if not run.send(node.id, message):
        return None
    run.wait(node.id)
    return None


def list_(run: Run, node: Node) -> Node | None:
    message = _frame(run, node.data, "list")
    message["button_text"] = run.render(node.data.get("buttonText"))[:MAX_BUTTON_TEXT] or "Options"
    sections, room = [], MAX_LIST_ROWS
    for section in _dicts(node.data.get("sections")):
        rows = []
        for row in _dicts(section.get("rows"))[:room]:
            item = {"id": str(row.get("id") or ""), "title": run.render(row.get("title"))}
            item["title"] = item["title"][:MAX_ROW_TITLE]
            if row.get("description"):
                item["description"] = run.render(row["description"])[:MAX_DESCRIPTION]
            rows.append(item)
        room -= len(rows)
        if rows:
            title = run.render(section.get("title"))[:MAX_ROW_TITLE]
            sections.append({"title": title, "rows": rows})
    message["sections"] = sections
    if not run.send(node.id, message):
        return None
    run.wait(node.id)
    return None


def _choices(node: Node) -> list[dict[str, Any]]:
    if node.type == "interactive_buttons":
        return _dicts(node.data.get("buttons"))
    return [row for s in _dicts(node.data.get("sections")) for row in _dicts(s.get("rows"))]


def reply(run: Run, node: Node, inbound: HandleInbound) -> Node | None:
    run.cancel(INPUT_TIMERS)
    choices = _choices(node)
    replied = inbound.reply_id
    chosen = next((str(c["id"]) for c in choices if c.get("id") and c["id"] == replied), None)
    typed = (inbound.text or "").strip().casefold()
    if chosen is None and typed:
        chosen = next(
            (
                str(c.get("id") or "")
                for c in choices
                if str(c.get("title") or "").strip().casefold() == typed
            ),
            None,
        )
    variable = str(node.data.get("variableName") or "") or None
    if chosen is None:
        run.emit(InputCaptured(node_id=node.id, variable=None, value=inbound.text))
        return run.follow(node)
    run.emit(InputCaptured(node_id=node.id, variable=variable, value=chosen))
    flow = run.flow
    edges = flow.edges.get(node.id, []) if flow is not None else []
    edge = next((e for e in edges if e.handle == chosen), None)
    return run.go(edge) if edge is not None else run.follow(node)
