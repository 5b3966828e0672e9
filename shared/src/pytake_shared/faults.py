"""PyTake's one error taxonomy: what a failure asks the caller to do.

- `invalid`: the input can never be acted on (`InvalidInput`): park it in the DLQ, with why.
- `transient`: the environment is unavailable, not the input at fault: retry the same thing,
  with backoff, for as long as it lasts; never park anything for it. That is `TransientError`
  (and `IndefiniteError`) and what the drivers raise when their server is away:

  - asyncpg: connection errors (refused, lost, the socket gone), the server shutting down or
    starting up (57P01-57P03), a statement timeout or cancel, too many connections or other
    resources (53xxx), serialization failures and deadlocks (40xxx), a stale statement cache
    after a migration, a closed connection or pool, a connection the server left mid-protocol;
  - aiokafka: every `KafkaError` (the producer wraps them already);
  - httpx: every `TransportError` (connect, read, write, pool, timeouts);
  - the OS: `OSError` (refused, reset, a vanished unix socket's `FileNotFoundError`) and
    `TimeoutError`.

- `bug`: anything else. The consumer stops and the process exits non-zero, so it restarts from
  its last commit; a bug never parks a record.

Adapters may raise the project's own classes directly; `classify` also reads the driver errors
above (and an explicit `raise ... from` chain), so no handler has to translate every call.
"""

from __future__ import annotations

from typing import Literal

import asyncpg
import httpx
from aiokafka.errors import KafkaError

from pytake_shared.errors import InvalidInput, TransientError

Verdict = Literal["invalid", "transient", "bug"]

_PG_UNAVAILABLE: tuple[type[BaseException], ...] = (
    asyncpg.exceptions.PostgresConnectionError,
    asyncpg.exceptions.OperatorInterventionError,
    asyncpg.exceptions.InsufficientResourcesError,
    asyncpg.exceptions.TransactionRollbackError,
    asyncpg.exceptions.InvalidCachedStatementError,
    asyncpg.exceptions.OutdatedSchemaCacheError,
)
_UNAVAILABLE: tuple[type[BaseException], ...] = (
    *_PG_UNAVAILABLE,
    KafkaError,
    httpx.TransportError,
    OSError,
    TimeoutError,
)


def classify(exc: BaseException) -> Verdict:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, InvalidInput):
            return "invalid"
        if isinstance(current, (TransientError, *_UNAVAILABLE)) or _closed(current):
            return "transient"
        current = current.__cause__
    return "bug"


def is_transient(exc: BaseException) -> bool:
    return classify(exc) == "transient"


def _closed(exc: BaseException) -> bool:
    """asyncpg's InterfaceError is also raised for misuse (a bug), and its InternalClientError
    for its own bugs; only a closed connection or pool, or a connection left mid-protocol by
    the server going away ("cannot switch to state"), is the environment."""
    text = str(exc)
    if isinstance(exc, asyncpg.exceptions.InterfaceError):
        return "closed" in text or "closing" in text
    return isinstance(exc, asyncpg.exceptions.InternalClientError) and (
        "cannot switch to state" in text
    )
