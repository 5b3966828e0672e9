"""Per-contact rate limit: more than N messages a minute from one contact to one number.

Counted on Meta's message timestamps, not the wall clock, so a replay of the same records makes
the same decisions. The window lives in memory: a conversation key always lands on the same
partition and so on one router instance; after a restart or a rebalance the count starts
again, which can only let a few extra messages through, never block a legitimate one.

A window is a plain list of the passed messages' timestamps, oldest first: a router holds one
per contact heard from in the last minute, and a deque (760 bytes empty) made that 1.4 KiB a
contact; a list of one is 64 bytes. Expired entries leave from the front in one slice.
"""

from __future__ import annotations

from dataclasses import dataclass

from pytake_shared.sweep import SweepGate

WINDOW_S = 60


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    notice: bool = False  # the first excess message of a window: worth one notice


class RateLimiter:
    def __init__(self, max_keys: int = 200_000) -> None:
        self._seen: dict[str, list[int]] = {}
        self._noticed: dict[str, int] = {}
        self._sweep = SweepGate(max_keys)

    def check(self, key: str, timestamp: int, limit: int) -> Verdict:
        if limit <= 0:
            return Verdict(True)
        times = self._seen.get(key)
        if times is None:
            if self._sweep.due(len(self._seen)):
                self._evict(timestamp)
                self._sweep.swept(len(self._seen))
            times = self._seen[key] = []
        expired, cutoff = 0, timestamp - WINDOW_S
        while expired < len(times) and times[expired] <= cutoff:
            expired += 1
        if expired:
            del times[:expired]
        if len(times) < limit:
            times.append(timestamp)
            return Verdict(True)
        window_start = times[0]
        first_excess = self._noticed.get(key) != window_start
        self._noticed[key] = window_start
        return Verdict(False, notice=first_excess)

    def _evict(self, now: int) -> None:
        """Drop keys whose window is over (memory stays bounded under many contacts)."""
        for key in [k for k, t in self._seen.items() if not t or t[-1] <= now - WINDOW_S]:
            del self._seen[key]
            self._noticed.pop(key, None)
