"""`/media`: a tenant's media through the API (metadata, short-lived links, upload, delete),
projected from wa.media.v1, and the retention job."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
import httpx
import pytest
from fastapi import FastAPI

from pytake_analytics.api.app import create_app
from pytake_analytics.projections.media import MediaProjection
from pytake_analytics.retention import MediaRetention
from pytake_analytics.settings import AnalyticsSettings
from pytake_shared.contracts import media
from pytake_shared.envelope import Envelope
from pytake_shared.kafka import Producer
from pytake_shared.media_storage import LocalStorage
from pytake_shared.testing.fixtures import record_of
from pytake_shared.topics import Topics

from ..conftest import World

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
PHOTO = b"\xff\xd8 a cat \xff\xd9"


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:  # type: ignore[override]
    return Clock()


@pytest.fixture
def storage(tmp_path: Path) -> LocalStorage:
    return LocalStorage(tmp_path / "media")


@pytest.fixture
def app(
    settings: AnalyticsSettings,
    pool: asyncpg.Pool,
    producer: Producer,
    clock: Clock,
    storage: LocalStorage,
) -> FastAPI:
    return create_app(settings, pool, producer, clock=clock, media_storage=storage)


async def stored(pool: asyncpg.Pool, storage: LocalStorage, org: uuid.UUID) -> media.Stored:
    """A contact's photo, fetched by the sender: its file and its wa.media.v1 record."""
    media_id = media.media_id_of("106540352242922", f"m-{uuid.uuid4().hex[:6]}")
    outcome = media.Stored(
        media_id=media_id,
        meta_media_id="m",
        organization_id=str(org),
        phone_number_id="106540352242922",
        message_id="wamid.X",
        kind="image",
        caption="cat",
        storage_key=media.storage_key(str(org), media_id),
        mime_type="image/jpeg",
        size=len(PHOTO),
        sha256="ab" * 32,
    )
    await storage.put(outcome.storage_key, PHOTO, "image/jpeg")
    env = Envelope.new(
        media.STORED, source="test", subject="k", time=NOW, data=media.payload(outcome)
    )
    await MediaProjection(Topics(), pool).handle_batch([record_of(env, "wa.media.v1")])
    return outcome


async def test_an_organization_sees_its_media_with_a_link_that_expires(
    api: httpx.AsyncClient, world: World, pool: asyncpg.Pool, storage: LocalStorage, clock: Clock
) -> None:
    photo = await stored(pool, storage, world.org_a)
    got = await api.get(f"/api/v1/media/{photo.media_id}", headers=world.headers("viewer@a"))
    assert got.status_code == 200, got.text
    body = got.json()
    assert (body["status"], body["kind"], body["caption"], body["size"]) == (
        "stored",
        "image",
        "cat",
        len(PHOTO),
    )
    other = await api.get(f"/api/v1/media/{photo.media_id}", headers=world.headers("org_admin@b"))
    assert other.status_code == 404
    link = httpx.URL(body["url"])
    content = await api.get(link.raw_path.decode())
    assert content.status_code == 200 and content.content == PHOTO
    assert content.headers["content-type"] == "image/jpeg"
    forged = link.copy_set_param("sig", "0" * 64)
    assert (await api.get(forged.raw_path.decode())).status_code == 404
    clock.now += timedelta(seconds=AnalyticsSettings().media_link_ttl_s)
    assert (await api.get(link.raw_path.decode())).status_code == 404


async def test_writers_delete_media_and_its_file(
    api: httpx.AsyncClient, world: World, pool: asyncpg.Pool, storage: LocalStorage
) -> None:
    photo = await stored(pool, storage, world.org_a)
    path = f"/api/v1/media/{photo.media_id}"
    assert (await api.delete(path, headers=world.headers("viewer@a"))).status_code == 403
    assert (await api.delete(path, headers=world.headers("org_admin@b"))).status_code == 404
    assert (await api.delete(path, headers=world.headers("org_admin@a"))).status_code == 204
    assert await storage.get(photo.storage_key) is None
    assert (await api.get(path, headers=world.headers("org_admin@a"))).status_code == 404


async def test_an_uploaded_file_is_kept_for_flows_to_send(
    api: httpx.AsyncClient, world: World, storage: LocalStorage
) -> None:
    files = {"file": ("menu.pdf", b"%PDF-1.4 menu", "application/pdf")}
    made = await api.post("/api/v1/media", files=files, headers=world.headers("org_admin@a"))
    assert made.status_code == 201, made.text
    body = made.json()
    assert (body["source"], body["kind"], body["filename"]) == ("upload", "document", "menu.pdf")
    assert await storage.get(f"{world.org_a}/{body['id']}") == b"%PDF-1.4 menu"
    gif = {"file": ("a.gif", b"GIF89a", "image/gif")}
    refused = await api.post("/api/v1/media", files=gif, headers=world.headers("org_admin@a"))
    assert refused.status_code == 422


async def test_retention_deletes_old_files_and_rows(
    world: World, pool: asyncpg.Pool, storage: LocalStorage, clock: Clock
) -> None:
    photo = await stored(pool, storage, world.org_a)
    keep = MediaRetention(pool, storage, 90, clock)
    assert await keep.run() == 0
    clock.now += timedelta(days=91)
    assert await keep.run() == 1
    assert await storage.get(photo.storage_key) is None
    assert await pool.fetchval("SELECT count(*) FROM analytics.media") == 0
