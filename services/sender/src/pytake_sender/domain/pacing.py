"""Token buckets for pacing: per business number (messages per second) and per contact
(Meta's pair rate: a burst, then one message every few seconds).

Pure: the caller passes the time. `reserve` books the next slot and says how long to wait for
it, so concurrent senders queue up behind each other instead of all retrying at once.

A number's rate is Meta's for the whole deployment, while each sender instance paces on its
own. The key of every send is `<phone_number_id>:<contact>`, so a number's contacts spread
evenly over the partitions of wa.outbound.v1, and an instance owning k of n partitions carries
about k/n of the number's traffic: it paces the number at k/n of its rate (`share`). No shared
limiter, no round trip per send; the sum over instances is the number's rate at every moment
of a rebalance, since a partition has one owner at a time. A contact is on one partition, so
the pair rate needs no share. What this gives up: a number with a handful of very busy
contacts hashed unevenly is paced below its rate on the lighter instances.
"""

from __future__ import annotations

from dataclasses import dataclass

from pytake_shared.sweep import SweepGate


@dataclass
class TokenBucket:
    rate_per_s: float
    capacity: float
    tokens: float | None = None  # None: full, never used yet
    updated: float = 0.0

    def refill(self, now: float) -> float:
        """The tokens held at `now` (negative: sends already booked ahead)."""
        if self.tokens is None:
            self.tokens, self.updated = self.capacity, now
        elapsed = max(0.0, now - self.updated)
        self.tokens = min(self.capacity, self.tokens + elapsed * self.rate_per_s)
        self.updated = max(self.updated, now)
        return self.tokens

    def retune(self, now: float, rate_per_s: float, capacity: float) -> None:
        """A new rate from `now` on, applied to what the bucket holds: never a fresh burst."""
        self.tokens = min(self.refill(now), capacity)
        self.rate_per_s, self.capacity = rate_per_s, capacity

    def reserve(self, now: float) -> float:
        """Take one token; return the seconds to wait before using it (0 = now)."""
        self.tokens = self.refill(now) - 1.0
        if self.tokens >= 0:
            return 0.0
        return -self.tokens / self.rate_per_s


def share(rate_per_s: float, owned: int, total: int) -> float:
    """This instance's part of a deployment-wide rate, owning `owned` of `total` partitions (an
    instance that knows of no assignment, as in a unit test, has the whole rate)."""
    if owned <= 0 or total <= 0 or owned >= total:
        return rate_per_s
    return rate_per_s * owned / total


class Buckets:
    """Buckets by key, created on first use with the rate the caller gives."""

    def __init__(self, max_keys: int = 100_000) -> None:
        self._buckets: dict[str, TokenBucket] = {}
        self._sweep = SweepGate(max_keys)

    def reserve(self, key: str, now: float, rate_per_s: float, capacity: float) -> float:
        bucket = self._buckets.get(key)
        if bucket is None:
            if self._sweep.due(len(self._buckets)):
                self._evict(now)
                self._sweep.swept(len(self._buckets))
            bucket = self._buckets[key] = TokenBucket(rate_per_s, capacity)
        elif bucket.rate_per_s != rate_per_s or bucket.capacity != capacity:
            bucket.retune(now, rate_per_s, capacity)  # a setting changed, or a rebalance
        return bucket.reserve(now)

    def _evict(self, now: float) -> None:
        """Forget buckets that have refilled completely: they hold no information."""
        for key, b in list(self._buckets.items()):
            if b.refill(now) >= b.capacity:
                del self._buckets[key]
