"""The node catalogue: what each node type does when the run enters it, and how the nodes
that wait for the contact take the answer.

A node handler returns the next node to run, or None when the run stops there (the
conversation then waits, is handed off or is closed: the handler saw to it).
"""

from __future__ import annotations

from collections.abc import Callable

from pytake_shared.engine.commands import HandleInbound
from pytake_shared.engine.flow import Node
from pytake_shared.engine.nodes import calls, interactive, logic, messages, question
from pytake_shared.engine.run import Run

NodeHandler = Callable[[Run, Node], Node | None]
ReplyHandler = Callable[[Run, Node, HandleInbound], Node | None]

NODES: dict[str, NodeHandler] = {
    "start": messages.start,
    "message": messages.message,
    "question": question.question,
    "condition": logic.condition,
    "end": messages.end,
    "set_variable": logic.set_variable,
    "api_call": calls.api_call,
    "webhook": calls.webhook,
    "interactive_buttons": interactive.buttons,
    "interactive_list": interactive.list_,
    "whatsapp_template": messages.whatsapp_template,
    "delay": logic.delay,
    "jump": logic.jump,
    "handoff": messages.handoff,
    "random": logic.random,
}

REPLIES: dict[str, ReplyHandler] = {
    "question": question.answer,
    "interactive_buttons": interactive.reply,
    "interactive_list": interactive.reply,
}
