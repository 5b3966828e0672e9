"""The 24-hour customer-service window: what happens to a free-form send outside it.

Meta delivers free-form messages only within 24 hours of the contact's last message; outside
it only an approved template goes through. So such a send is not attempted: the flow's
`window_expiry_settings.action` decides instead — `send_template` (its `template_name` in
`language_code`), `transfer` to a human, or `wait_customer` (the default) — and a conversation
that was running waits at the blocked node, which runs again when the contact writes. Meta's
131047 refusal ("re-engagement message") is handled the same way. The action runs once per
closed window: further blocked sends in it are only recorded.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from pytake_shared.contracts.conversation_events import WindowClosedAction
from pytake_shared.engine.commands import HandleStatus
from pytake_shared.engine.state import INPUT_TIMERS

if TYPE_CHECKING:
    from pytake_shared.engine.run import Run

REENGAGEMENT_REQUIRED = 131047
Action = Literal["send_template", "transfer", "wait_customer"]


def closed(run: Run, node_id: str | None, message: dict[str, Any] | None) -> None:
    """`message` cannot be sent: the window is closed. Apply the flow's action."""
    settings = run.setting("window_expiry_settings")
    action: Action = "wait_customer"
    if not run.state.window_action_taken and settings.get("action") == "transfer":
        action = "transfer"
    elif not run.state.window_action_taken and settings.get("action") == "send_template":
        action = "send_template" if settings.get("template_name") else "wait_customer"
    running = run.state.status == "active" or (
        run.state.status == "waiting" and run.state.waiting_on in ("input", "customer")
    )
    run.emit(WindowClosedAction(node_id=node_id, action=action, message=message, at=run.now))
    if action == "send_template":
        template = {
            "kind": "template",
            "template_name": str(settings["template_name"]),
            "language_code": str(settings.get("language_code") or "en_US"),
            "components": run.render_value(_dicts(settings.get("components"))),
        }
        run.queue(node_id, template)
    if not running:
        return  # in handoff, closed or busy: nothing runs that could wait or be handed off
    at = node_id or run.state.current_node_id
    if action == "transfer":
        run.handoff(at, "window_closed")
    elif at is not None:
        run.cancel(INPUT_TIMERS)
        run.wait(at, on="customer")


def _dicts(value: Any) -> list[dict[str, Any]]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def on_status(run: Run, status: HandleStatus) -> None:
    """A delivery status: only Meta's 131047 refusal matters to the conversation."""
    if status.status != "failed" or status.error_code != REENGAGEMENT_REQUIRED:
        return
    if run.state.conversation_id is None:
        return
    closed(run, run.state.current_node_id, None)
