"""How long to wait before retrying a send (`reference/meta-cloud-api.md` §6).

- Throttling and transient errors: exponential backoff with full jitter, never sooner than
  Meta's `Retry-After`.
- Pair rate (131056): that contact only, 4^X seconds (X = 0, 1, 2 ... for each repeat).
- Account maintenance (131057): about a minute.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

PAIR_RATE = 131056
MAINTENANCE = 131057


@dataclass(frozen=True)
class RetryPolicy:
    base_s: float = 0.5
    cap_s: float = 60.0
    pair_cap_s: float = 900.0
    max_attempts: int = 12

    def delay(
        self,
        attempt: int,
        code: int | None,
        retry_after_s: float | None,
        pair_strikes: int,
        rng: random.Random,
    ) -> float:
        """Seconds to wait after failed attempt number `attempt` (1-based)."""
        if code == PAIR_RATE:
            wait = min(self.pair_cap_s, 4.0 ** max(0, pair_strikes - 1))
        elif code == MAINTENANCE:
            wait = 60.0
        else:
            ceiling = min(self.cap_s, self.base_s * 2 ** (attempt - 1))
            wait = rng.uniform(ceiling / 2, ceiling)
        return max(wait, retry_after_s or 0.0)

    def gives_up(self, attempt: int) -> bool:
        return attempt >= self.max_attempts
