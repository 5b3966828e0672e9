"""`pytake dlq`: parked records listed, shown and redriven on the real broker."""

from __future__ import annotations

import argparse
import asyncio
import io
from collections.abc import Callable
from typing import Any

import orjson

from pytake_shared.envelope import Envelope
from pytake_shared.errors import InvalidInput
from pytake_shared.kafka import ConsumerLoop, Producer, Record, RecordHandler
from pytake_shared.settings import ServiceSettings
from pytake_shared.topics import Topics, dlq
from pytake_tools import dlq as dlq_cli


class Picky(RecordHandler):
    """Parks what it does not accept yet; counts each envelope id once (an idempotent
    handler, as every PyTake consumer is)."""

    def __init__(self, refused: set[int]) -> None:
        self.refused = refused
        self.applied: dict[str, int] = {}

    async def handle(self, record: Record) -> None:
        n = record.envelope.data["n"]
        if n in self.refused:
            raise InvalidInput(f"n={n} is not accepted")
        self.applied[str(record.envelope.id)] = n


def _args(kind: str, *argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    dlq_cli.add_parser(parser.add_subparsers(dest="command"))
    return parser.parse_args(["dlq", kind, *argv])


async def _cli(kind: str, *argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = await dlq_cli.run(_args(kind, *argv), out, err)
    return code, out.getvalue(), err.getvalue()


async def _consume(settings: ServiceSettings, topics: Topics, handler: Picky, until: Any) -> None:
    producer = Producer(settings)
    loop = ConsumerLoop(
        settings,
        topics=[topics.wa_inbound],
        group_id=f"{topics.namespace}-picky",
        handler=handler,
        producer=producer,
    )
    await producer.start()
    task = asyncio.create_task(loop.run())
    try:
        async with asyncio.timeout(30):
            while not until():
                await asyncio.sleep(0.05)
    finally:
        loop.stop()
        await asyncio.wait_for(task, 20)
        await producer.stop()


async def test_parked_records_are_listed_shown_and_redriven_safely_twice(
    make_settings: Callable[..., ServiceSettings],
    topics: Topics,
    producer: Producer,
    kafka_bootstrap: str,
    drain: Any,
) -> None:
    settings = make_settings()
    envs = [
        Envelope.new("test.item", source="t", subject=f"key-{n}", data={"n": n}) for n in range(6)
    ]
    await producer.send_many([(topics.wa_inbound, env) for env in envs])
    handler = Picky(refused={2, 4})
    await _consume(settings, topics, handler, lambda: len(handler.applied) == 4)

    common = ("--bootstrap", kafka_bootstrap, "--namespace", topics.namespace)
    code, out, err = await _cli("list", "wa.inbound.v1", *common)
    assert code == 0 and "2 of 2 parked records" in err
    assert sorted(line.split("test.item ")[1].split()[0] for line in out.splitlines()) == sorted(
        str(envs[n].id) for n in (2, 4)
    )
    assert "invalid: n=2 is not accepted" in out
    code, out, _ = await _cli("show", "wa.inbound.v1", "--id", str(envs[4].id), "--json", *common)
    shown = orjson.loads(out)
    assert (shown["envelope"]["data"], shown["key"]) == ({"n": 4}, "key-4")
    assert shown["from"]["topic"] == topics.wa_inbound and shown["group"].endswith("-picky")

    # The cause is fixed; redrive, twice (an operator's double click).
    handler.refused.clear()
    for _ in range(2):
        code, out, _ = await _cli("redrive", "wa.inbound.v1", *common)
        assert code == 0 and "redrove 2 records" in out
    await _consume(settings, topics, handler, lambda: len(handler.applied) == 6)
    assert sorted(handler.applied.values()) == list(range(6))
    # The copies went back with their key, to the partition the original was on.
    originals = {r.key: r.partition for r in await drain(topics.wa_inbound)}
    for record in await drain(topics.wa_inbound):
        assert record.partition == originals[record.key]
    assert len(await drain(dlq(topics.wa_inbound))) == 2  # the DLQ keeps its history


async def test_a_selection_that_matches_nothing_redrives_nothing(
    topics: Topics, kafka_bootstrap: str
) -> None:
    common = ("--bootstrap", kafka_bootstrap, "--namespace", topics.namespace)
    code, _, err = await _cli("redrive", "wa.inbound.v1", "--id", "nope", *common)
    assert code == 1 and "nothing to redrive" in err
    code, _, err = await _cli("list", "no.such.topic", *common)
    assert code == 1 and "no such topic" in err
