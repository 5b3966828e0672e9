"""A conversation's records, read from the topics for the console's replay.

The key's partition of `conversation.events.v1` (and, for a re-run, `conversation.commands.v1`)
is read from its start to its end as seen now, without a consumer group, exactly as
`pytake replay conversation` reads it (`pytake_shared.history`). The read is bounded in time:
a partition that takes longer than `timeout_s` to read is an `Unavailable` (retry later), as
is a broker that cannot be reached; nothing is left half-read. An organization has a few reads
at a time (`ReadSlots`); past them a request is refused (429) rather than queued.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator

from aiokafka.errors import KafkaError

from pytake_analytics.domain.errors import TooManyAttempts, Unavailable
from pytake_shared import history
from pytake_shared.history import Entry
from pytake_shared.kafka.reader import ReplayError, TopicReader
from pytake_shared.topics import Topics

# A partition with no new record for this long has been read to its end (only reached when an
# end offset is one no record reaches, e.g. a transaction marker); short, it cut reads under load.
IDLE_TIMEOUT_S = 3.0


class ReadSlots:
    """At most `per_organization` reads of the topics at once for one organization, so one
    tenant replaying in a loop cannot keep the broker busy for every other (one process's
    view; each API instance applies it)."""

    def __init__(self, per_organization: int) -> None:
        self._limit = per_organization
        self._busy: dict[str, int] = {}

    @contextlib.contextmanager
    def taken(self, organization_id: str) -> Iterator[None]:
        if self._busy.get(organization_id, 0) >= self._limit:
            raise TooManyAttempts(
                "this organization is already replaying conversations; retry in a moment",
                retry_after_s=1,
            )
        self._busy[organization_id] = self._busy.get(organization_id, 0) + 1
        try:
            yield
        finally:
            left = self._busy[organization_id] - 1
            if left:
                self._busy[organization_id] = left
            else:
                del self._busy[organization_id]


async def read(
    bootstrap: str, topics: Topics, key: str, *, commands: bool, timeout_s: float
) -> tuple[list[Entry], list[Entry]]:
    """The key's events and (when asked) its commands, in offset order."""
    try:
        async with asyncio.timeout(timeout_s):
            async with TopicReader(bootstrap, idle_timeout=IDLE_TIMEOUT_S) as reader:
                events = await history.read_key(reader, topics.events, key)
                recorded = await history.read_key(reader, topics.commands, key) if commands else []
    except TimeoutError:
        raise Unavailable(
            f"the conversation's history took longer than {timeout_s:g}s to read; retry later"
        ) from None
    except (KafkaError, ReplayError, OSError) as exc:
        raise Unavailable(f"the conversation's history cannot be read now: {exc}") from None
    return events, recorded
