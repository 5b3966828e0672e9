"""The media fetcher on a scripted Graph API: fresh URLs on 404, Meta's checks, what is failed
with a reason and what is left to be retried."""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path
from typing import Any

import pytest

from pytake_sender.adapters.media_graph import (
    MediaInfo,
    MediaRefused,
    MediaUnavailable,
    UrlExpired,
)
from pytake_sender.domain.media import digest, limit, read
from pytake_sender.media_fetch import MediaFetcher
from pytake_shared.config import ConfigView
from pytake_shared.contracts import media
from pytake_shared.faults import is_transient
from pytake_shared.media_storage import LocalStorage
from pytake_shared.topics import Topics

from ..media_kit import NUMBER_ID, KeptProducer, media_record

PHOTO = b"\xff\xd8\xff\xe0 a photo \xff\xd9"
B64 = base64.b64encode(hashlib.sha256(PHOTO).digest()).decode()


class ScriptedGraph:
    """`infos` and `downloads` are answered in order (an exception is raised)."""

    def __init__(self, infos: list[Any], downloads: list[Any]) -> None:
        self.infos, self.downloads = infos, downloads
        self.calls: list[str] = []

    async def info(self, media_id: str, token: str, phone_number_id: str) -> MediaInfo:
        self.calls.append(f"info {media_id} {token} {phone_number_id}")
        return _answer(self.infos.pop(0))  # type: ignore[no-any-return]

    async def download(self, url: str, token: str, max_bytes: int) -> tuple[bytes, str | None]:
        self.calls.append(f"download {url}")
        return _answer(self.downloads.pop(0))  # type: ignore[no-any-return]


def _answer(value: Any) -> Any:
    if isinstance(value, Exception):
        raise value
    return value


def info(url: str = "https://lookaside/1", size: Any = None, sha: str | None = None) -> MediaInfo:
    return MediaInfo(url, "image/jpeg", sha or hashlib.sha256(PHOTO).hexdigest(), size)


def fetcher(graph: ScriptedGraph, tmp_path: Path, config: ConfigView) -> tuple[Any, KeptProducer]:
    kept = KeptProducer()
    handler = MediaFetcher(Topics(), config, graph, LocalStorage(tmp_path), kept)  # type: ignore[arg-type]
    return handler, kept


def outcome(kept: KeptProducer) -> media.Media:
    [(topic, env)] = kept.sent
    assert topic == "wa.media.v1"
    return media.decode(env.type, env.data)


async def test_a_photo_is_fetched_checked_and_stored(tmp_path: Path, config: ConfigView) -> None:
    graph = ScriptedGraph([info(size="27")], [(PHOTO, "image/jpeg")])
    handler, kept = fetcher(graph, tmp_path, config)
    await handler.handle(media_record({"id": "777", "sha256": B64, "caption": "cat"}))
    stored = outcome(kept)
    assert isinstance(stored, media.Stored)
    assert stored.media_id == media.media_id_of(NUMBER_ID, "777")
    assert stored.storage_key == f"org-1/{stored.media_id}"
    assert (stored.size, stored.mime_type, stored.caption) == (len(PHOTO), "image/jpeg", "cat")
    assert stored.sha256 == hashlib.sha256(PHOTO).hexdigest()
    assert (tmp_path / stored.storage_key).read_bytes() == PHOTO
    assert graph.calls[0] == f"info 777 EAAG-good-token {NUMBER_ID}"
    assert kept.sent[0][1].subject == f"{NUMBER_ID}:5511988887777"
    assert kept.sent[0][1].organization_id == "org-1"


async def test_an_expired_url_is_replaced_by_a_fresh_one(
    tmp_path: Path, config: ConfigView
) -> None:
    graph = ScriptedGraph(
        [info("https://old"), info("https://new")], [UrlExpired("404"), (PHOTO, None)]
    )
    handler, kept = fetcher(graph, tmp_path, config)
    await handler.handle(media_record({"id": "777", "sha256": B64}))
    assert isinstance(outcome(kept), media.Stored)
    assert [c for c in graph.calls if c.startswith("download")] == [
        "download https://old",
        "download https://new",
    ]


@pytest.mark.parametrize(
    ("infos", "downloads", "reason"),
    [
        ([info(size="6000000")], [], "over Meta's 5242880 for a image"),
        ([info(sha="00" * 32)] * 3, [(PHOTO, None)] * 3, "sha256 does not match"),
        ([MediaRefused("Meta refused it (400, code 100): gone", 100)], [], "code 100"),
        ([info()] * 3, [UrlExpired("404")] * 3, "404 every time"),
    ],
)
async def test_what_can_never_be_kept_is_failed_with_the_reason(
    tmp_path: Path, config: ConfigView, infos: list[Any], downloads: list[Any], reason: str
) -> None:
    handler, kept = fetcher(ScriptedGraph(infos, downloads), tmp_path, config)
    await handler.handle(media_record({"id": "777", "sha256": B64}))
    failed = outcome(kept)
    assert isinstance(failed, media.Failed) and reason in failed.reason
    assert not list(tmp_path.rglob("*"))


async def test_a_webhook_saying_meta_could_not_fetch_it_is_failed_at_once(
    tmp_path: Path, config: ConfigView
) -> None:
    graph = ScriptedGraph([], [])
    handler, kept = fetcher(graph, tmp_path, config)
    error = {"code": 131052, "title": "Media download error", "details": "too big"}
    await handler.handle(media_record({"id": "9"}, kind="video", errors=[error]))
    failed = outcome(kept)
    assert isinstance(failed, media.Failed)
    assert (failed.code, failed.kind) == (131052, "video") and "too big" in failed.reason
    assert graph.calls == []


async def test_meta_down_is_raised_as_transient_and_nothing_is_recorded(
    tmp_path: Path, config: ConfigView
) -> None:
    graph = ScriptedGraph([MediaUnavailable("Graph API 500")], [])
    handler, kept = fetcher(graph, tmp_path, config)
    with pytest.raises(MediaUnavailable) as caught:
        await handler.handle(media_record({"id": "777"}))
    assert is_transient(caught.value) and kept.sent == []


async def test_text_messages_are_not_media(tmp_path: Path, config: ConfigView) -> None:
    handler, kept = fetcher(ScriptedGraph([], []), tmp_path, config)
    await handler.handle(media_record(None, kind="text"))
    assert kept.sent == []


def test_meta_limits_per_type() -> None:
    assert limit("image") == 5 * 1024 * 1024
    assert limit("audio") == limit("video") == 16 * 1024 * 1024
    assert limit("document") == 100 * 1024 * 1024
    assert (limit("sticker"), limit("sticker", animated=True)) == (100 * 1024, 500 * 1024)


def test_sha256_is_read_in_hex_and_in_base64() -> None:
    raw = hashlib.sha256(b"x").digest()
    assert digest(raw.hex()) == digest(base64.b64encode(raw).decode()) == raw
    assert digest(base64.b64encode(raw).decode().rstrip("=")) == raw
    assert digest("4654+8g=") is None  # too short to be one (Meta's fixture placeholder)
    assert digest(None) is None


def test_a_voice_note_is_audio_with_the_flag() -> None:
    found = read({"type": "audio", "media": {"kind": "audio", "id": "5", "voice": True}})
    assert found is not None and not isinstance(found, type(None))
    assert getattr(found, "voice", False) is True and found.kind == "audio"
