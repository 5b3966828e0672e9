"""The media fetcher against the Meta simulator and the real broker: a contact's photo fetched,
checked and stored; Meta failing on the media endpoint for a while delays it and loses
nothing; a media Meta no longer has is recorded as failed."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from pytake_sender.adapters.media_graph import MediaGraph, MediaUnavailable
from pytake_sender.media_fetch import MediaFetcher
from pytake_shared.config import ConfigView
from pytake_shared.contracts import media
from pytake_shared.envelope import Envelope
from pytake_shared.kafka import Producer
from pytake_shared.kafka.consumer import ConsumerLoop
from pytake_shared.media_storage import LocalStorage
from pytake_shared.settings import ServiceSettings
from pytake_shared.testing.fixtures import wait_for_records
from pytake_shared.topics import Topics, dlq
from pytake_tools.metasim import SimulatorSettings, run_simulator

from ..media_kit import NUMBER_ID, WA_ID, media_record

Drain = Callable[[str], Awaitable[list[Any]]]


@pytest.fixture
async def meta() -> AsyncIterator[tuple[httpx.AsyncClient, MediaGraph]]:
    settings = SimulatorSettings(webhook_url="", status_delays_ms=(), seed=7, access_tokens=())
    async with run_simulator(settings) as base_url, httpx.AsyncClient(base_url=base_url) as sim:
        graph = MediaGraph(base_url, "v21.0", 5.0)
        try:
            yield sim, graph
        finally:
            await graph.close()


async def contact_sends(sim: httpx.AsyncClient, **body: Any) -> dict[str, Any]:
    response = await sim.post(
        f"/_sim/contacts/{WA_ID}/media", json={"phone_number_id": NUMBER_ID, **body}
    )
    response.raise_for_status()
    sent: dict[str, Any] = response.json()
    return sent


def record_for(sent: dict[str, Any], topic: str = "wa.inbound.v1") -> Any:
    message = sent["webhook"]["entry"][0]["changes"][0]["value"]["messages"][0]
    kind = message["type"]
    return media_record(message[kind], kind=kind, wamid=message["id"], topic=topic)


async def outcomes(drain: Drain, topics: Topics) -> list[media.Media]:
    found = [Envelope.from_bytes(r.value) for r in await drain(topics.wa_media)]
    return [media.decode(e.type, e.data) for e in found]


async def test_a_photo_is_fetched_from_meta_checked_and_stored(
    meta: tuple[httpx.AsyncClient, MediaGraph],
    config: ConfigView,
    producer: Producer,
    topics: Topics,
    drain: Drain,
    tmp_path: Path,
) -> None:
    sim, graph = meta
    sent = await contact_sends(sim, caption="my cat")
    storage = LocalStorage(tmp_path)
    await MediaFetcher(topics, config, graph, storage, producer).handle(record_for(sent))
    [stored] = await outcomes(drain, topics)
    assert isinstance(stored, media.Stored)
    assert stored.sha256 == sent["sha256"] and stored.size == sent["size"]
    assert (stored.kind, stored.caption, stored.mime_type) == ("image", "my cat", "image/jpeg")
    info = await sim.get(f"/v21.0/{sent['media_id']}", headers={"Authorization": "Bearer x"})
    served = await sim.get(info.json()["url"], headers={"Authorization": "Bearer x"})
    assert await storage.get(stored.storage_key) == served.content


async def test_a_media_meta_no_longer_has_is_failed_with_metas_reason(
    meta: tuple[httpx.AsyncClient, MediaGraph],
    config: ConfigView,
    producer: Producer,
    topics: Topics,
    drain: Drain,
    tmp_path: Path,
) -> None:
    sim, graph = meta
    sent = await contact_sends(sim)
    await sim.delete(f"/v21.0/{sent['media_id']}", headers={"Authorization": "Bearer x"})
    await MediaFetcher(topics, config, graph, LocalStorage(tmp_path), producer).handle(
        record_for(sent)
    )
    [failed] = await outcomes(drain, topics)
    assert isinstance(failed, media.Failed)
    assert failed.code == 100 and "does not exist" in failed.reason


async def test_meta_failing_on_media_for_a_while_delays_the_fetch_and_loses_nothing(
    meta: tuple[httpx.AsyncClient, MediaGraph],
    config: ConfigView,
    producer: Producer,
    topics: Topics,
    drain: Drain,
    tmp_path: Path,
    make_settings: Callable[..., ServiceSettings],
) -> None:
    sim, graph = meta
    await sim.patch("/_sim/faults", json={"media_error_rate": 1.0})
    sent = await contact_sends(sim)
    fetcher = MediaFetcher(topics, config, graph, LocalStorage(tmp_path), producer)
    with pytest.raises(MediaUnavailable):  # what the loop retries
        await fetcher.handle(record_for(sent))
    await producer.send(topics.wa_inbound, record_for(sent).envelope)
    loop = ConsumerLoop(
        make_settings(),
        topics=[topics.wa_inbound],
        group_id=f"{topics.namespace}.media",
        handler=fetcher,
        producer=producer,
    )
    task = asyncio.create_task(loop.run())
    try:
        async with asyncio.timeout(20):
            while loop.unavailable is None:  # joined, and retrying Meta's 500s
                await asyncio.sleep(0.1)
        await asyncio.sleep(1.0)
        assert "500" in loop.unavailable
        assert await outcomes(drain, topics) == []
        await sim.delete("/_sim/faults")
        [record] = await wait_for_records(drain, topics.wa_media, 1)
    finally:
        loop.stop()
        await task
    assert Envelope.from_bytes(record.value).type == media.STORED
    assert await drain(dlq(topics.wa_inbound)) == []  # never parked
