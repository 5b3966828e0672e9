"""The producer wrapper: keys, headers, acknowledgement and broker failures as TransientError."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest
from aiokafka.errors import KafkaTimeoutError, NotLeaderForPartitionError

from pytake_shared.envelope import Envelope
from pytake_shared.errors import TransientError
from pytake_shared.kafka import Producer
from pytake_shared.settings import ServiceSettings
from pytake_shared.topics import Topics


def _env(subject: str = "123:55", text: str = "hi") -> Envelope:
    return Envelope.new("pytake.test.sent", source="t", subject=subject, data={"text": text})


async def test_records_are_keyed_by_subject_and_carry_type_and_id_headers(
    topics: Topics, started_producer: Producer, read_topic: Callable[..., Any]
) -> None:
    a, b = _env("123:55", "a"), _env("123:66", "b")
    await started_producer.send_many([(topics.events, a), (topics.events, b, "explicit-key")])
    await started_producer.send(topics.events, _env("", "c"))
    records = await read_topic(topics.events, 3)
    by_text = {Envelope.from_bytes(r.value).data["text"]: r for r in records}
    assert by_text["a"].key == b"123:55"
    assert by_text["b"].key == b"explicit-key"
    assert by_text["c"].key is None
    assert dict(by_text["a"].headers) == {"type": b"pytake.test.sent", "id": str(a.id).encode()}
    assert Envelope.from_bytes(by_text["a"].value) == a


async def test_a_key_given_to_send_overrides_the_subject(
    topics: Topics, started_producer: Producer, read_topic: Callable[..., Any]
) -> None:
    await started_producer.send(topics.events, _env("123:55"), key="other")
    [record] = await read_topic(topics.events, 1)
    assert record.key == b"other"


async def test_raw_values_and_tombstones_are_sent_untouched(
    topics: Topics, started_producer: Producer, read_topic: Callable[..., Any]
) -> None:
    await started_producer.send_raw(topics.config, b"\x00raw", key=b"k1", headers=[("h", b"v")])
    await started_producer.send_raw(topics.config, None, key=b"k1", headers=[])
    records = await read_topic(topics.config, 2)
    assert [(r.key, r.value) for r in records] == [(b"k1", b"\x00raw"), (b"k1", None)]
    assert list(records[0].headers) == [("h", b"v")]


def test_a_producer_that_was_not_started_refuses_to_send() -> None:
    with pytest.raises(RuntimeError, match="not started"):
        _ = Producer(ServiceSettings()).raw


async def test_stopping_a_producer_that_was_not_started_is_harmless() -> None:
    await Producer(ServiceSettings()).stop()


class _FailingKafka:
    """Stands in for AIOKafkaProducer: `send` fails at once, or its acknowledgement does."""

    def __init__(self, *, at_send: bool) -> None:
        self.at_send = at_send

    async def send(self, *args: Any, **kwargs: Any) -> asyncio.Future[None]:
        if self.at_send:
            raise KafkaTimeoutError()
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        future.set_exception(NotLeaderForPartitionError())
        return future


@pytest.mark.parametrize("at_send", [True, False])
async def test_a_broker_failure_is_a_transient_error(at_send: bool) -> None:
    producer = Producer(ServiceSettings())
    producer._producer = _FailingKafka(at_send=at_send)  # type: ignore[assignment]
    with pytest.raises(TransientError, match="broker did not acknowledge"):
        await producer.send("t", _env())
    with pytest.raises(TransientError, match="broker did not acknowledge"):
        await producer.send_raw("t", b"x", key=None, headers=[])
