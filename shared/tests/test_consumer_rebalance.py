"""Two consumer loops in one group: a member joining and leaving mid-stream loses nothing and
keeps each key's order."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from pytake_shared.envelope import Envelope
from pytake_shared.kafka import ConsumerLoop, Producer, Record, RecordHandler
from pytake_shared.settings import ServiceSettings
from pytake_shared.topics import Topics

TOTAL = 400
KEYS = 20


class Slow(RecordHandler):
    """Records what it handled, slowly enough that a rebalance lands mid-stream: once a quarter
    is done it slows down further until its peer has handled something, so a busy machine's
    slow rebalance cannot let it finish everything alone."""

    def __init__(self, log: list[tuple[str, int]], name: str) -> None:
        self._log = log
        self.name = name
        self.count = 0
        self.peer: Slow | None = None

    async def handle(self, record: Record) -> None:
        waiting = self.peer is not None and self.peer.count == 0 and self.count >= TOTAL // 4
        await asyncio.sleep(0.05 if waiting else 0.004)
        self._log.append((record.envelope.subject, record.envelope.data["n"]))
        self.count += 1


async def test_a_member_joining_and_leaving_loses_nothing_and_keeps_order_per_key(
    make_settings: Callable[..., ServiceSettings], topics: Topics, started_producer: Producer
) -> None:
    settings = make_settings(kafka_session_timeout_ms=6000)
    await started_producer.send_many(
        (topics.commands, Envelope.new("t", source="t", subject=f"key{n % KEYS}", data={"n": n}))
        for n in range(TOTAL)
    )
    handled: list[tuple[str, int]] = []
    group = f"{topics.namespace}-rebalance"

    def loop(name: str) -> tuple[ConsumerLoop, Slow]:
        handler = Slow(handled, name)
        return ConsumerLoop(
            settings,
            topics=[topics.commands],
            group_id=group,
            handler=handler,
            producer=started_producer,
            max_records=20,
        ), handler

    first, first_handler = loop("a")
    second, second_handler = loop("b")
    first_handler.peer = second_handler
    task_a = asyncio.create_task(first.run())
    async with asyncio.timeout(60):
        while first_handler.count < TOTAL // 4:
            await asyncio.sleep(0.01)
        task_b = asyncio.create_task(second.run())
        while second_handler.count == 0:
            await asyncio.sleep(0.01)
        first.stop()  # a clean leave mid-stream: b takes the rest
        await task_a
        while len({n for _, n in handled}) < TOTAL:
            await asyncio.sleep(0.02)
    second.stop()
    await asyncio.wait_for(task_b, 20)

    assert {n for _, n in handled} == set(range(TOTAL))
    assert first_handler.count > 0 and second_handler.count > 0
    for key in range(KEYS):
        firsts: list[int] = []
        for subject, n in handled:
            if subject == f"key{key}" and n not in firsts:
                firsts.append(n)
        assert firsts == sorted(firsts), f"key{key} handled out of order: {firsts}"
