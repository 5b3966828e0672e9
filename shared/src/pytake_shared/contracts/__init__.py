"""The records crossing service boundaries: one module per topic, each with its type names,
its payload models and one `decode` every reader goes through.

- `wa_inbound` (`wa.inbound.v1`): ingress → router, analytics, the sender's confirmations.
- `commands` (`conversation.commands.v1`): router, executor I/O, management API → executor.
- `conversation_events` (`conversation.events.v1`): executor, router → analytics, effects,
  replay, trace.
- `outbound` (`wa.outbound.v1`): executor → sender.
- `delivery` (`wa.delivery.v1`): sender → analytics, trace.

(`pytake.config.v1` carries the management API's entity snapshots: `pytake_shared.config`.)

Type names are never renamed in place: adding an optional field is free, a renamed type keeps
decoding under its former name (see `commands.LEGACY`), any other change bumps the envelope
`version`. Commands are named as orders (imperative), events as facts (past tense). This
package also names every record type flatly (`CMD_*`, `WA_*`, `OUT_*`, `DELIVERY_*`, `EVT_*`)
and the models producers build most, for code that speaks to several topics.
"""

from __future__ import annotations

from pytake_shared.contracts import commands, conversation_events, delivery, outbound, wa_inbound
from pytake_shared.contracts.commands import (
    AgentTemplate,
    Assign,
    Close,
    CompleteApiCall,
    Contact,
    FireTimer,
    HandleInbound,
    HandleStatus,
    NotifyRateLimit,
    RecordWebhookResult,
    RestartFlow,
    Resume,
    SendAgentMessage,
)
from pytake_shared.contracts.outbound import CancelSends, OutboundMessage, SendMessage

# wa.inbound.v1 (ingress)
WA_MESSAGE_RECEIVED = wa_inbound.MESSAGE_RECEIVED
WA_STATUS_RECEIVED = wa_inbound.STATUS_RECEIVED
WA_ERROR_RECEIVED = wa_inbound.ERROR_RECEIVED
WA_FIELD_RECEIVED = wa_inbound.FIELD_RECEIVED
WA_PAYLOAD_UNRECOGNIZED = wa_inbound.PAYLOAD_UNRECOGNIZED

# conversation.commands.v1
CMD_HANDLE_INBOUND = commands.HANDLE_INBOUND
CMD_HANDLE_STATUS = commands.HANDLE_STATUS
CMD_NOTIFY_RATE_LIMIT = commands.NOTIFY_RATE_LIMIT
CMD_FIRE_TIMER = commands.FIRE_TIMER
CMD_COMPLETE_API_CALL = commands.COMPLETE_API_CALL
CMD_RECORD_WEBHOOK_RESULT = commands.RECORD_WEBHOOK_RESULT
CMD_SEND_AGENT_MESSAGE = commands.SEND_AGENT_MESSAGE
CMD_CLOSE = commands.CLOSE
CMD_RESUME = commands.RESUME
CMD_RESTART_FLOW = commands.RESTART_FLOW
CMD_ASSIGN = commands.ASSIGN

# conversation.events.v1, the router's records (the executor's: `conversation_events`)
EVT_UNROUTED = conversation_events.UNROUTED
EVT_RATE_LIMITED = conversation_events.RATE_LIMITED

# wa.outbound.v1 (executor)
OUT_SEND = outbound.SEND
OUT_CANCEL = outbound.CANCEL

# wa.delivery.v1 (sender)
DELIVERY_ACCEPTED = delivery.ACCEPTED
DELIVERY_RETRYING = delivery.RETRYING
DELIVERY_FAILED = delivery.FAILED
DELIVERY_INDEFINITE = delivery.INDEFINITE
DELIVERY_CANCELLED = delivery.CANCELLED

__all__ = [
    "CMD_ASSIGN",
    "CMD_CLOSE",
    "CMD_COMPLETE_API_CALL",
    "CMD_FIRE_TIMER",
    "CMD_HANDLE_INBOUND",
    "CMD_HANDLE_STATUS",
    "CMD_NOTIFY_RATE_LIMIT",
    "CMD_RECORD_WEBHOOK_RESULT",
    "CMD_RESTART_FLOW",
    "CMD_RESUME",
    "CMD_SEND_AGENT_MESSAGE",
    "DELIVERY_ACCEPTED",
    "DELIVERY_CANCELLED",
    "DELIVERY_FAILED",
    "DELIVERY_INDEFINITE",
    "DELIVERY_RETRYING",
    "EVT_RATE_LIMITED",
    "EVT_UNROUTED",
    "OUT_CANCEL",
    "OUT_SEND",
    "WA_ERROR_RECEIVED",
    "WA_FIELD_RECEIVED",
    "WA_MESSAGE_RECEIVED",
    "WA_PAYLOAD_UNRECOGNIZED",
    "WA_STATUS_RECEIVED",
    "AgentTemplate",
    "Assign",
    "CancelSends",
    "Close",
    "CompleteApiCall",
    "Contact",
    "FireTimer",
    "HandleInbound",
    "HandleStatus",
    "NotifyRateLimit",
    "OutboundMessage",
    "RecordWebhookResult",
    "RestartFlow",
    "Resume",
    "SendAgentMessage",
    "SendMessage",
    "commands",
    "conversation_events",
    "delivery",
    "outbound",
    "wa_inbound",
]
