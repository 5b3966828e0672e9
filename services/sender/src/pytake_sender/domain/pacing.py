"""Token buckets for pacing: per business number (messages per second) and per contact
(Meta's pair rate: a burst, then one message every few seconds).

Pure: the caller passes the time. `reserve` books the next slot and says how long to wait for
it, so concurrent senders queue up behind each other instead of all retrying at once.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class TokenBucket:
    rate_per_s: float
    capacity: float
    tokens: float = -1.0
    updated: float = 0.0

    def reserve(self, now: float) -> float:
        """Take one token; return the seconds to wait before using it (0 = now)."""
        if self.tokens < 0 and self.updated == 0.0:
            self.tokens, self.updated = self.capacity, now
        elapsed = max(0.0, now - self.updated)
        self.tokens = min(self.capacity, self.tokens + elapsed * self.rate_per_s)
        self.updated = now
        self.tokens -= 1.0
        if self.tokens >= 0:
            return 0.0
        return -self.tokens / self.rate_per_s


class Buckets:
    """Buckets by key, created on first use with the rate the caller gives."""

    def __init__(self, max_keys: int = 100_000) -> None:
        self._buckets: dict[str, TokenBucket] = {}
        self._max_keys = max_keys

    def reserve(self, key: str, now: float, rate_per_s: float, capacity: float) -> float:
        bucket = self._buckets.get(key)
        if bucket is None or bucket.rate_per_s != rate_per_s or bucket.capacity != capacity:
            if len(self._buckets) >= self._max_keys:
                self._evict(now)
            bucket = self._buckets[key] = TokenBucket(rate_per_s, capacity)
        return bucket.reserve(now)

    def _evict(self, now: float) -> None:
        """Forget buckets that have refilled completely: they hold no information."""
        for key, b in list(self._buckets.items()):
            if b.tokens + (now - b.updated) * b.rate_per_s >= b.capacity:
                del self._buckets[key]
