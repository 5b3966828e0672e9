"""The conversations closed lately, per organization: the sender drops bot messages still queued
for one (paced out over minutes, say) instead of sending them after the close.

Each organization keeps its own, oldest first, at most `kept` of them and none older than
`kept_s`: one tenant closing conversations by the hundred thousand forgets only its own, never
another's close (whose queued messages would then go out after all). An organization's entries
age out when it closes again; every organization's are swept once every 1,024 closes (or as
many closes as there are organizations holding some, so a sweep costs O(1) per close), so a
tenant that went quiet does not keep its memory either.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable

SWEEP_EVERY = 1024


class ClosedConversations:
    def __init__(
        self, clock: Callable[[], float], *, kept: int = 100_000, kept_s: float = 3600.0
    ) -> None:
        self._clock = clock
        self.kept = kept
        self.kept_s = kept_s
        self._by_org: dict[str, OrderedDict[str, float]] = {}
        self._until_sweep = SWEEP_EVERY

    def add(self, organization_id: str, conversation_id: str) -> None:
        now = self._clock()
        closed = self._by_org.setdefault(organization_id, OrderedDict())
        closed[conversation_id] = now
        closed.move_to_end(conversation_id)
        while len(closed) > self.kept:
            closed.popitem(last=False)
        self._expire(closed, now)
        self._until_sweep -= 1
        if self._until_sweep <= 0:
            for org, entries in list(self._by_org.items()):
                self._expire(entries, now)
                if not entries:
                    del self._by_org[org]
            self._until_sweep = max(SWEEP_EVERY, len(self._by_org))

    def holds(self, organization_id: str, conversation_id: str) -> bool:
        closed = self._by_org.get(organization_id)
        return closed is not None and conversation_id in closed

    def __len__(self) -> int:
        return sum(len(entries) for entries in self._by_org.values())

    def of(self, organization_id: str) -> list[str]:
        """An organization's closed conversations, oldest first."""
        return list(self._by_org.get(organization_id, ()))

    def _expire(self, closed: OrderedDict[str, float], now: float) -> None:
        while closed and now - next(iter(closed.values())) >= self.kept_s:
            closed.popitem(last=False)
