"""The ingress domain: pure normalization of Meta webhook bodies into `wa.inbound.v1` envelopes.

`normalize` is the entry point; `models` names the event types and the shape of their `data`.
Nothing in this package does I/O or reads the clock, so the HTTP handler can call it between
verifying the signature and publishing, and tests can call it with any body and any time.
"""

from pytake_ingress.domain.normalize import DEFAULT_SOURCE, event_counts, normalize, subject_for
from pytake_shared.contracts.wa_inbound import (
    ERROR_RECEIVED,
    EVENT_TYPES,
    FIELD_RECEIVED,
    MESSAGE_RECEIVED,
    PAYLOAD_UNRECOGNIZED,
    STATUS_RECEIVED,
    UNKNOWN_NUMBER,
    UNROUTED,
)

__all__ = [
    "DEFAULT_SOURCE",
    "ERROR_RECEIVED",
    "EVENT_TYPES",
    "FIELD_RECEIVED",
    "MESSAGE_RECEIVED",
    "PAYLOAD_UNRECOGNIZED",
    "STATUS_RECEIVED",
    "UNKNOWN_NUMBER",
    "UNROUTED",
    "event_counts",
    "normalize",
    "subject_for",
]
