"""What the simulator remembers: the calls it answered, the current faults and the rate buckets.

Everything lives in memory and in one event loop, so no locks. Records are what e2e tests and
the benchmark read back through `GET /_sim/messages`; they are kept for every call, accepted or
not, and bounded (oldest dropped) so a long benchmark cannot exhaust memory. One seeded
`random.Random` decides faults and trace ids so a run with the same `METASIM_SEED` and the same
request order fails the same way; wamids come from the OS instead, because they must stay unique
across runs (the project deduplicates on them).
"""

from __future__ import annotations

import base64
import itertools
import os
import random
import string
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from typing import Any, TypeVar

from pytake_tools.metasim.settings import ErrorKind, Faults
from pytake_tools.metasim.validation import digits

_TRACE_ALPHABET = string.ascii_letters + string.digits + "-_"
_K = TypeVar("_K")


@dataclass(frozen=True, slots=True)
class CallRecord:
    """One call to the send endpoint, as answered."""

    seq: int
    time: float  # Unix seconds: the call read and decided (after any `slow_ms`), not yet answered
    phone_number_id: str
    version: str
    token: str | None
    body: Any  # the parsed JSON, or the raw text when it was not JSON
    to: str | None
    type: str | None  # the message type, "read" for a mark-as-read, None if unreadable
    status: int
    response: dict[str, Any]
    wamid: str | None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(slots=True)
class TokenBucket:
    """`burst` tokens, refilled at `rate` per second; one token per message."""

    tokens: float
    updated: float

    def take(self, now: float, rate: float, burst: int) -> bool:
        self.tokens = min(float(burst), self.tokens + (now - self.updated) * rate)
        self.updated = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return True
        return False


class SimState:
    def __init__(
        self,
        faults: Faults,
        *,
        seed: int | None,
        max_records: int,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self.faults = faults
        self.rng = random.Random(seed)
        self._clock = clock
        self._wall_clock = wall_clock
        self._records: deque[CallRecord] = deque(maxlen=max_records)
        self._seq = itertools.count(1)
        self._pairs: dict[tuple[str, str], TokenBucket] = {}
        self._numbers: dict[str, TokenBucket] = {}

    # -- records ---------------------------------------------------------------------------

    def record(
        self,
        *,
        phone_number_id: str,
        version: str,
        token: str | None,
        body: Any,
        status: int,
        response: dict[str, Any],
        wamid: str | None = None,
    ) -> CallRecord:
        to: str | None = None
        kind: str | None = None
        if isinstance(body, dict):
            target = body.get("to", body.get("recipient"))
            to = target if isinstance(target, str) else None
            if body.get("status") == "read":
                kind = "read"
            else:
                declared = body.get("type", "text")
                kind = declared if isinstance(declared, str) else None
        record = CallRecord(
            seq=next(self._seq),
            time=self._wall_clock(),
            phone_number_id=phone_number_id,
            version=version,
            token=token,
            body=body,
            to=to,
            type=kind,
            status=status,
            response=response,
            wamid=wamid,
        )
        self._records.append(record)
        return record

    def records(
        self,
        *,
        phone_number_id: str | None = None,
        to: str | None = None,
        since: float | None = None,
        after: int | None = None,
    ) -> list[CallRecord]:
        wanted = _contact_key(to) if to else None
        return [
            r
            for r in self._newer_than(after)
            if (phone_number_id is None or r.phone_number_id == phone_number_id)
            and (wanted is None or (r.to is not None and _contact_key(r.to) == wanted))
            and (since is None or r.time >= since)
        ]

    def _newer_than(self, after: int | None) -> list[CallRecord]:
        """Records with `seq > after`, oldest first, read from the newest end: a poller that
        passes the last `seq` it saw costs what is new, not the whole history."""
        if after is None:
            return list(self._records)
        newer: list[CallRecord] = []
        for record in reversed(self._records):
            if record.seq <= after:
                break
            newer.append(record)
        newer.reverse()
        return newer

    def count(self) -> int:
        return len(self._records)

    def clear(self) -> None:
        self._records.clear()

    # -- faults and rate limits ------------------------------------------------------------

    def set_faults(self, faults: Faults) -> None:
        self.faults = faults
        # New limits start from full buckets, so a test that sets them sees a clean slate.
        self._pairs.clear()
        self._numbers.clear()

    def roll_transient(self) -> ErrorKind | None:
        """The transient error this request gets, if any."""
        faults = self.faults
        if faults.error_rate <= 0.0 or not faults.error_kinds:
            return None
        if self.rng.random() >= faults.error_rate:
            return None
        return self.rng.choice(faults.error_kinds)

    def allow_pair(self, phone_number_id: str, recipient: str) -> bool:
        faults = self.faults
        if not faults.pair_rate_limit:
            return True
        key = (phone_number_id, _contact_key(recipient))
        return self._take(self._pairs, key, faults.pair_refill_per_second, faults.pair_burst)

    def allow_throughput(self, phone_number_id: str) -> bool:
        limit = self.faults.mps_limit
        if limit <= 0:
            return True
        return self._take(self._numbers, phone_number_id, float(limit), limit)

    def window_closed(self, recipient: str) -> bool:
        return _contact_key(recipient) in _contact_keys(self.faults.closed_window_contacts)

    def _take(self, buckets: dict[_K, TokenBucket], key: _K, rate: float, burst: int) -> bool:
        now = self._clock()
        bucket = buckets.get(key)
        if bucket is None:
            bucket = buckets[key] = TokenBucket(tokens=float(burst), updated=now)
        return bucket.take(now, rate, burst)

    # -- identifiers -----------------------------------------------------------------------

    def fbtrace_id(self) -> str:
        return "".join(self.rng.choice(_TRACE_ALPHABET) for _ in range(23))


def new_wamid(recipient: str) -> str:
    """A wamid shaped like Meta's: base64 of a small binary record holding the recipient."""
    who = (digits(recipient) or recipient).encode("utf-8", "replace")[:200]
    unique = os.urandom(9).hex().upper().encode()
    raw = b"\x1c\x18" + bytes([len(who)]) + who + b"\x15\x02\x00\x11\x18\x12" + unique + b"\x00"
    return "wamid." + base64.b64encode(raw).decode()


def _contact_key(value: str) -> str:
    """Phone numbers compare by their digits ("+1 650-555" == "1650555"); other ids as is."""
    return digits(value) or value


def _contact_keys(values: Iterable[str]) -> set[str]:
    return {_contact_key(v) for v in values}
