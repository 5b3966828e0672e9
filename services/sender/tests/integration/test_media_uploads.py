"""Outbound files: a send of a stored file uploads it to the number once, reuses Meta's media id,
uploads again when Meta no longer knows it, and fails clearly when the file is not the
organization's. Against the Meta simulator and the real database."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest

from pytake_sender.adapters.media_graph import MediaGraph
from pytake_sender.adapters.uploads import MediaUploads
from pytake_sender.handlers import SenderHandler
from pytake_shared.contracts.media import storage_key
from pytake_shared.errors import InvalidInput
from pytake_shared.kafka import Record
from pytake_shared.media_storage import LocalStorage
from pytake_tools.metasim.media import sample_jpeg

from ..conftest import GRAPH_VERSION, TOKEN

FILE = "3f1b2c4d-0000-4000-8000-000000000001"


def _photo(media_file: str = FILE) -> dict[str, Any]:
    return {"kind": "media", "media_type": "image", "media_file": media_file, "caption": "Menu"}


@pytest.fixture
def sending(
    simulator: Any,
    make_handler: Callable[..., SenderHandler],
    sender_pool: asyncpg.Pool,
    tmp_path: Path,
) -> Callable[[str], AbstractAsyncContextManager[tuple[str, SenderHandler]]]:
    """`async with sending(org) as (base_url, handler)`: the file FILE kept in `org`'s media,
    the simulator, and a handler that uploads from that media store."""

    @asynccontextmanager
    async def run(org: str) -> AsyncIterator[tuple[str, SenderHandler]]:
        await LocalStorage(tmp_path).put(storage_key(org, FILE), sample_jpeg(), "image/jpeg")
        async with simulator() as (base_url, graph):
            media = MediaGraph(base_url, GRAPH_VERSION, 5.0)
            uploads = MediaUploads(sender_pool, LocalStorage(tmp_path), media)
            try:
                yield base_url, make_handler(graph, uploads=uploads)
            finally:
                await media.close()

    return run


async def test_a_stored_file_is_uploaded_once_and_its_media_id_reused(
    sending: Any,
    command: Callable[..., Any],
    record: Callable[..., Record],
    probe: Any,
    sender_pool: asyncpg.Pool,
    tmp_path: Path,
) -> None:
    async with sending("org-1") as (base_url, handler):
        await handler.handle(record(command("out-1", **_photo())))
        await handler.handle(record(command("out-2", **_photo()), offset=1))
        calls = await probe.calls(base_url)
        async with httpx.AsyncClient(base_url=base_url) as http:
            [first, second] = [c["body"]["image"] for c in calls]
            assert first == second and set(first) == {"id", "caption"}
            info = await http.get(
                f"/{GRAPH_VERSION}/{first['id']}", headers={"Authorization": f"Bearer {TOKEN}"}
            )
            assert info.json()["mime_type"] == "image/jpeg"
            stored = await LocalStorage(tmp_path).get(storage_key("org-1", FILE))
            assert stored is not None and int(info.json()["file_size"]) == len(stored)
    rows = await sender_pool.fetch("SELECT * FROM sender.media_uploads")
    assert [(r["media_file"], r["meta_media_id"]) for r in rows] == [(FILE, first["id"])]


async def test_a_media_id_meta_forgot_is_uploaded_again(
    sending: Any,
    command: Callable[..., Any],
    record: Callable[..., Record],
    probe: Any,
    sender_pool: asyncpg.Pool,
) -> None:
    async with sending("org-1") as (base_url, handler):
        await handler.handle(record(command("out-1", **_photo())))
        [sent] = await probe.calls(base_url)
        old = sent["body"]["image"]["id"]
        async with httpx.AsyncClient(base_url=base_url) as http:
            gone = await http.delete(
                f"/{GRAPH_VERSION}/{old}", headers={"Authorization": f"Bearer {TOKEN}"}
            )
            assert gone.json() == {"success": True}
        # The handler's retry loop: Meta's 131053 drops the cached id, the next attempt uploads.
        assert await handler._attempts(record(command("out-2", **_photo()), offset=1))
        calls = await probe.calls(base_url)
    assert [c["status"] for c in calls] == [200, 400, 200]
    assert calls[1]["response"]["error"]["code"] == 131053
    fresh = calls[2]["body"]["image"]["id"]
    assert fresh != old
    row = await sender_pool.fetchrow("SELECT meta_media_id FROM sender.media_uploads")
    assert row is not None and row["meta_media_id"] == fresh


async def test_a_file_not_in_the_organizations_media_fails_the_send_with_the_reason(
    sending: Any,
    command: Callable[..., Any],
    record: Callable[..., Record],
    probe: Any,
) -> None:
    # Another organization's file, under its own prefix: not reachable from org-1's send.
    async with sending("org-2") as (base_url, handler):
        with pytest.raises(InvalidInput, match="no media file"):
            await handler.handle(record(command("out-1", **_photo())))
        assert await probe.calls(base_url) == []
    [failed] = await probe.deliveries()
    assert "no media file" in failed.data["reason"]
