"""`python -m bench [NAME ...]`: run benchmarks and print a table.

- `normalize`: webhook bodies normalized per second (pure ingress code, no I/O).
- `executor`: flow steps per second of the pure engine; commands per second through the
  executor handler with its database (1, 100 and 10,000 concurrent conversations).
- `sender`: sends per second and added latency against the Meta simulator, with and without
  30 % injected faults.
- `pipeline`: records per second through the shared producer and consumer loop on the embedded
  broker (produce N envelopes, consume them in one group with manual commits).
- `webhook-auth`: webhooks checked per second with 1 and with 10,000 registered numbers, each
  with its own app secret (the check must not grow with the numbers registered).
- `patterns`: a `matches` condition with pathological patterns on a 10,000-character input
  (RE2: must stay well under 10 ms per evaluation; Python's `re` would never finish).
- `recovery` (not in the default set): on a whole stack, the time from `kill -9` of router,
  executor or sender (and from stopping PostgreSQL for 10 s) to the first reply.
- `graph-client` (not in the default set): one Graph API call's CPU and latency in httpx,
  httpcore and (when installed) aiohttp, `--graph-concurrency` calls in flight.
- `echo` (not in the default set): Meta's real traffic on the echo flow: signed webhooks in,
  the bench as the Graph API posting three statuses per reply, at `--echo-rate R ...`; latency,
  ingress acknowledgement and CPU ms per inbound message per process (see `bench/echo.py`).
- `tracing` (not in the default set): one consumer hop's cost with OpenTelemetry off (the
  default) and on, against the same hop without tracing calls.
- `memory` (not in the default set): the router's and the sender's per-contact windows fed a
  million distinct contacts (`--memory-contacts`): time per call, worst call, what is held.
- `executor-memory` (not in the default set): `-n` commands through the executor handler
  across 100,000 conversations, with its RSS growth after the first tenth (flat is ~0).
- `e2e` (not in the default set): the whole system, signed webhooks in, Graph API calls out,
  for the pizza flow: offered vs achieved msgs/s, latency p50/p95/p99, per-stage split, CPU per
  process; `--rate R [R ...]`, `--contacts`, `--duration`, `--find-max`, `--profile SERVICE`
  (see `bench/e2e.py`).
"""

from __future__ import annotations

import argparse
import asyncio
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime

from bench import e2e, echo, graph_client
from bench import memory as bench_memory
from bench import tracing as bench_tracing
from bench.executor import run as run_executor
from bench.executor import run_memory as run_executor_memory
from bench.ingress_auth import run as run_webhook_auth
from bench.recovery import run as run_recovery
from bench.sender import bench_sender
from pytake_ingress.domain import normalize
from pytake_shared.envelope import Envelope
from pytake_shared.kafka import ConsumerLoop, Producer, Record, RecordHandler
from pytake_shared.kafka.admin import ensure_topics
from pytake_shared.settings import ServiceSettings
from pytake_shared.testing.embedded import EmbeddedBroker
from pytake_shared.topics import Topics
from pytake_tools.webhooks import text_webhook

Row = tuple[str, int, float, str]


def bench_normalize(n: int) -> Row:
    payloads = [text_webhook("100000000000001", f"55119{i:07d}", f"hi {i}") for i in range(n)]
    now = datetime.now(UTC)
    started = time.perf_counter()
    for payload in payloads:
        normalize(payload, received_at=now)
    elapsed = time.perf_counter() - started
    return ("normalize webhook (1 text message)", n, elapsed, f"{n / elapsed:,.0f} bodies/s")


def bench_patterns(n: int) -> list[Row]:
    from pytake_shared.engine.conditions import holds

    subject = {"s": "a" * 9_999 + "!"}
    rows: list[Row] = []
    for pattern in (r"^(a+)+$", r"^(a|a)*$", r"(.*a){20}$"):
        condition = {"variable": "s", "operator": "matches", "value": pattern}
        started = time.perf_counter()
        for _ in range(n):
            holds(condition, subject)
        elapsed = time.perf_counter() - started
        rows.append(
            (f"matches {pattern} on 10,000 chars", n, elapsed, f"{elapsed / n * 1000:.3f} ms each")
        )
    return rows


class _Count(RecordHandler):
    def __init__(self) -> None:
        self.count = 0

    async def handle(self, record: Record) -> None:
        self.count += 1


async def bench_pipeline(n: int) -> list[Row]:
    broker = EmbeddedBroker().start()
    try:
        topics = Topics(namespace=f"bench{uuid.uuid4().hex[:6]}", partitions=12)
        settings = ServiceSettings(
            kafka_bootstrap_servers=broker.bootstrap,
            pytake_topic_namespace=topics.namespace,
        )
        await ensure_topics(broker.bootstrap, topics)
        producer = Producer(settings)
        await producer.start()
        envs = [
            Envelope.new("bench.item", source="bench", subject=f"k{i % 500}", data={"i": i})
            for i in range(n)
        ]
        started = time.perf_counter()
        for chunk in range(0, n, 1000):
            await producer.send_many((topics.wa_inbound, e) for e in envs[chunk : chunk + 1000])
        produced = time.perf_counter() - started
        handler = _Count()
        loop = ConsumerLoop(
            settings,
            topics=[topics.wa_inbound],
            group_id="bench",
            handler=handler,
            producer=producer,
        )
        task = asyncio.create_task(loop.run())
        await loop.assigned.wait()
        started = time.perf_counter()
        while handler.count < n:
            await asyncio.sleep(0.01)
        consumed = time.perf_counter() - started
        loop.stop()
        await task
        await producer.stop()
    finally:
        broker.stop()
    return [
        ("produce (acks=all, batches of 1000)", n, produced, f"{n / produced:,.0f} records/s"),
        ("consume + commit (one loop)", n, consumed, f"{n / consumed:,.0f} records/s"),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("names", nargs="*", default=["normalize", "pipeline", "executor", "sender"])
    parser.add_argument("-n", type=int, default=20_000)
    parser.add_argument("--graph-concurrency", type=int, default=50)
    parser.add_argument("--memory-contacts", type=int, default=1_000_000)
    e2e.add_arguments(parser)
    echo.add_arguments(parser)
    args = parser.parse_args()
    if "echo" in args.names:
        from pytake_shared import loop as event_loop

        event_loop.run(echo.run(echo.options(args)), "auto")
        args.names = [name for name in args.names if name != "echo"]
        if not args.names:
            return
    if "e2e" in args.names:
        asyncio.run(e2e.run(e2e.options(args)))
        args.names = [name for name in args.names if name != "e2e"]
        if not args.names:
            return
    runs: dict[str, Callable[[], list[Row]]] = {
        "normalize": lambda: [bench_normalize(args.n)],
        "pipeline": lambda: asyncio.run(bench_pipeline(args.n)),
        "sender": lambda: asyncio.run(bench_sender(min(args.n, 5000))),
        "executor": lambda: run_executor(args.n),
        "webhook-auth": lambda: run_webhook_auth(min(args.n, 3000)),
        "patterns": lambda: bench_patterns(min(args.n, 2000)),
        "recovery": run_recovery,
        "graph-client": lambda: graph_client.run(min(args.n, 5000), args.graph_concurrency),
        "tracing": lambda: bench_tracing.run(min(args.n, 20_000)),
        "memory": lambda: bench_memory.run(args.memory_contacts),
        "executor-memory": lambda: run_executor_memory(args.n),
    }
    rows: list[Row] = []
    for name in args.names:
        rows.extend(runs[name]())
    width = max([40, *(len(row[0]) for row in rows)])
    print(f"\n{'benchmark':<{width}} {'n':>8} {'seconds':>8}  rate")
    for label, n, seconds, rate in rows:
        print(f"{label:<{width}} {n:>8} {seconds:>8.2f}  {rate}")


if __name__ == "__main__":
    main()
