"""`make bench ARGS="memory"`: the services' in-memory windows under a million contacts.

Each process keeps a little per contact in memory: the router's per-contact rate window, the
sender's pacing buckets (Meta's pair rate) and the conversations it saw closed lately. Those
are fed a million distinct contacts here, at a pace that keeps far more of them alive at once
than the structures' nominal bound (what a tenant posting webhooks it signed itself, many
messages to a body, can make the shared router hold), with the simulated clock advancing as
they come. Printed per structure: the mean and the worst time of one call, the entries held
at the end and the bench process's RSS growth.

The worst call is what matters for the shared services: a call that scans every entry is a
stall of the router or the sender for every tenant.
"""

from __future__ import annotations

import asyncio
import gc
import os
import time
import uuid
from collections.abc import Callable
from typing import Any, cast

from pytake_router.domain.ratelimit import RateLimiter
from pytake_sender.domain.pacing import Buckets
from pytake_sender.handlers import SenderHandler
from pytake_shared import contracts as c
from pytake_shared.envelope import Envelope
from pytake_shared.kafka import Record

Row = tuple[str, int, float, str]


def rss_mib() -> float:
    with open(f"/proc/{os.getpid()}/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def _timed(label: str, n: int, step: Callable[[int], None], held: Callable[[], int]) -> Row:
    gc.collect()
    rss = rss_mib()
    worst = 0.0
    started = time.perf_counter()
    for i in range(n):
        t = time.perf_counter()
        step(i)
        worst = max(worst, time.perf_counter() - t)
    elapsed = time.perf_counter() - started
    gc.collect()
    return (
        label,
        n,
        elapsed,
        f"{elapsed / n * 1e6:.1f} µs per call, worst {worst * 1e3:.1f} ms; "
        f"{held():,} held, RSS +{rss_mib() - rss:.0f} MiB",
    )


def _rate_window(n: int, per_s: int) -> Row:
    limiter = RateLimiter()
    return _timed(
        f"router rate window, {per_s:,} new contacts/s",
        n,
        lambda i: limiter.check(f"{i}", 1_700_000_000 + i // per_s, 20),
        lambda: len(limiter._seen),
    )


def _pair_buckets(n: int, per_s: int) -> Row:
    buckets = Buckets()
    per_contact = 5  # a flow's few messages to a contact: its bucket is not full for 30 s
    return _timed(
        f"sender pair buckets, {per_s:,} contacts/s, {per_contact} sends each",
        n,
        lambda i: buckets.reserve(f"{i // per_contact}", i / per_contact / per_s, 1 / 6, 20),
        lambda: len(buckets._buckets),
    )


def _closed(n: int, per_s: int) -> Row:
    now = [0.0]
    handler = SenderHandler(*cast(Any, [None] * 5), clock=lambda: now[0])
    loop = asyncio.new_event_loop()

    async def park(record: Record, reason: str) -> None:
        raise AssertionError(reason)

    def close(i: int) -> None:
        now[0] = i / per_s
        env = Envelope.new(
            c.OUT_CANCEL,
            source="bench",
            subject="c",
            data={"organization_id": "org", "conversation_id": str(uuid.uuid4())},
        )
        record = Record("wa.outbound.v1", 0, i, "c", env, 0)
        loop.run_until_complete(handler.submit(record, park))

    try:
        return _timed(
            f"sender closed conversations, {per_s:,} closes/s",
            n,
            close,
            lambda: len(handler._closed),
        )
    finally:
        loop.close()


def run(n: int) -> list[Row]:
    return [_rate_window(n, 5_000), _pair_buckets(n, 5_000), _closed(n, 300)]
