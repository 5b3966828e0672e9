"""Errors grouped by what the caller must do about them (never by where they came from).

- `InvalidInput`: the input can never be acted on; park it (DLQ) or answer 4xx, never retry.
- `TransientError`: the world is briefly unavailable; retry the same thing later.
- `IndefiniteError`: a call may or may not have happened (a timeout); retry with the same
  idempotency key so a repeat is harmless.
Anything else is a bug: it is retried a few times and then parked with its traceback.
"""


class PyTakeError(Exception):
    """Base of every error PyTake raises on purpose."""


class InvalidInput(PyTakeError):
    """Input that can never succeed: park it with this message as the reason."""


class TransientError(PyTakeError):
    """Retry later; nothing is wrong with the input."""


class IndefiniteError(TransientError):
    """The outcome is unknown (timeout); a retry must reuse the same idempotency key."""


class ConsumerHalted(PyTakeError):
    """A consumer refused to go on (e.g. too many records parked in a row)."""
