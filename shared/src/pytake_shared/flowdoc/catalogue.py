"""What a flow document may contain: the node types, the branch names and WhatsApp's limits.

The executor runs these node types and the management API validates against the same lists,
so a document that passes validation never meets a node type the engine does not know. The
limits are Meta's: a send that breaks one is rejected by the Graph API, so it is caught at
publish time rather than in front of a contact.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

NODE_TYPES = frozenset(
    {
        "start",
        "message",
        "question",
        "condition",
        "end",
        "set_variable",
        "api_call",
        "webhook",
        "interactive_buttons",
        "interactive_list",
        "whatsapp_template",
        "delay",
        "jump",
        "handoff",
        "random",
    }
)

# A condition's branches may be named in English or Portuguese (the builder's two languages).
TRUE_NAMES = ("true", "yes", "sim")
FALSE_NAMES = ("false", "no", "não", "nao")

MAX_BUTTONS = 3
MAX_BUTTON_TITLE = 20
MAX_LIST_ROWS = 10
MAX_ROW_TITLE = 24
MAX_TEXT = 4096

# Variables every conversation has without anyone setting them.
BUILT_INS = frozenset({"contact", "flow", "last_input", "now"})
DEFAULT_RESPONSE_VARIABLE = "api_response"

# The data fields of each node type that are sent as free text (checked against MAX_TEXT).
TEXT_FIELDS: dict[str, tuple[str, ...]] = {
    "message": ("content", "caption"),
    "question": ("content", "validation.errorMessage"),
    "end": ("content",),
    "handoff": ("transferMessage",),
    "interactive_buttons": ("bodyText",),
    "interactive_list": ("bodyText",),
}


def jump_kind(data: Mapping[str, Any]) -> str:
    """`node` or `flow`: the declared `jumpType`, else guessed from which target is set."""
    declared = data.get("jumpType")
    if declared in ("node", "flow"):
        return str(declared)
    return "flow" if data.get("targetFlowId") and not data.get("targetNodeId") else "node"
