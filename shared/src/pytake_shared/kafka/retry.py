"""Waiting out the environment: a call retried for as long as the database or broker is away.

Only what `faults.classify` calls transient is retried (anything else is re-raised at once), with
exponential backoff and jitter so many consumers do not come back in lockstep; `unavailable`
says why meanwhile, which readiness reports. A stop ends the waiting by re-raising.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from typing import TypeVar

from prometheus_client import Counter

from pytake_shared.faults import classify

log = logging.getLogger(__name__)
T = TypeVar("T")

RETRIED = Counter("pytake_record_retries_total", "Handler retries", ["topic", "group"])


class Retrier:
    def __init__(
        self,
        stopping: asyncio.Event,
        *,
        topic: str,
        group: str,
        base_s: float = 0.2,
        max_s: float = 3.0,  # retried often: service resumes soon after the environment is back
    ) -> None:
        self.base_s = base_s
        self.max_s = max_s
        self.unavailable: str | None = None  # why the environment is failing us, while it is
        self._stopping = stopping
        self._retried = RETRIED.labels(topic, group)
        self._rng = random.Random()

    def backoff(self, attempt: int) -> float:
        ceiling = min(self.max_s, self.base_s * 2.0 ** min(attempt, 10))
        jitter: float = self._rng.uniform(0.5, 1.0)
        return ceiling * jitter

    async def __call__(self, call: Callable[[], Awaitable[T]]) -> T:
        """`call()` retried for as long as the environment is unavailable (stop ends it)."""
        attempt = 0
        while True:
            attempt += 1
            try:
                result = await call()
            except Exception as exc:
                if classify(exc) != "transient" or self._stopping.is_set():
                    raise
                self._retried.inc()
                if self.unavailable is None or attempt == 1:
                    log.warning("environment unavailable, retrying until it is back: %r", exc)
                self.unavailable = repr(exc)
                await asyncio.sleep(self.backoff(attempt))
                continue
            if self.unavailable is not None:
                log.info("environment back after: %s", self.unavailable)
                self.unavailable = None
            return result
