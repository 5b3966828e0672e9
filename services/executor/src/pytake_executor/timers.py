"""Fires due timers: each becomes a `fire_timer` command on the conversation's key, so it is
handled in order with everything else that happens to the conversation.

Timers are rows written with the state that scheduled them, so they survive restarts. Publish
first, then forget: a crash in between fires a timer twice, which the engine ignores (a timer
no longer pending is a no-op), and the command id is deterministic besides.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from prometheus_client import Counter

from pytake_executor.adapters.store import Store
from pytake_shared.contracts import commands
from pytake_shared.envelope import Envelope, deterministic_id
from pytake_shared.kafka import Producer
from pytake_shared.topics import Topics

FIRED = Counter("pytake_executor_timers_fired_total", "Timers fired", ["kind"])


class TimerPoller:
    def __init__(
        self,
        store: Store,
        producer: Producer,
        topics: Topics,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._store = store
        self._producer = producer
        self._topics = topics
        self._clock = clock

    async def tick(self) -> int:
        now = int(self._clock())
        due = await self._store.due_timers(now)
        if not due:
            return 0
        await self._producer.send_many(
            (
                self._topics.commands,
                Envelope.new(
                    commands.FIRE_TIMER,
                    id=deterministic_id(commands.id_seed(commands.FIRE_TIMER), t["timer_id"]),
                    source="pytake-executor",
                    subject=t["key"],
                    organization_id=t["organization_id"],
                    data=commands.FireTimer(
                        timer_id=t["timer_id"], kind=t["kind"], at=now
                    ).model_dump(mode="json"),
                ),
            )
            for t in due
        )
        await self._store.forget_timers([t["timer_id"] for t in due])
        for t in due:
            FIRED.labels(t["kind"]).inc()
        return len(due)
