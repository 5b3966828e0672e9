"""The media storage backends: the local directory, and S3 against moto's S3 emulator (server
mode, real HTTP and request signing) started in this process."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from aiobotocore.session import get_session
from moto.server import ThreadedMotoServer

from pytake_shared.faults import is_transient
from pytake_shared.media_storage import (
    LocalStorage,
    MediaSettings,
    S3Storage,
    StorageUnavailable,
    build_storage,
)
from pytake_shared.testing.embedded import free_port

KEY = "0b1c3f0e-5d2a-4c1e-9a0f-1e2d3c4b5a69/6f1c0f5e-1111-4c1e-9a0f-1e2d3c4b5a70"
CREDS = {"access_key_id": "testing", "secret_access_key": "testing"}


async def test_the_local_backend_keeps_deletes_and_forgets_files(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path / "media")
    assert await storage.get(KEY) is None
    await storage.put(KEY, b"\xff\xd8jpeg", "image/jpeg")
    await storage.put(KEY, b"\xff\xd8jpeg", "image/jpeg")  # a retry writes the same again
    assert await storage.get(KEY) == b"\xff\xd8jpeg"
    assert [p.name for p in (tmp_path / "media").rglob("*")] == [KEY.split("/")[0], KEY[37:]]
    await storage.delete(KEY)
    await storage.delete(KEY)  # already gone: fine
    assert await storage.get(KEY) is None


async def test_keys_cannot_leave_the_media_directory(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path)
    for bad in ("../etc/passwd", "/abs", "a/../../b", "", "a b"):
        with pytest.raises(ValueError):
            await storage.put(bad, b"x", "text/plain")


async def test_an_unwritable_directory_is_the_environment_not_the_file(tmp_path: Path) -> None:
    (tmp_path / "media").write_text("a file where the directory should be")
    with pytest.raises(StorageUnavailable) as caught:
        await LocalStorage(tmp_path / "media").put(KEY, b"x", "image/png")
    assert is_transient(caught.value)


def test_settings_choose_the_backend(tmp_path: Path) -> None:
    local = build_storage(MediaSettings(pytake_data_dir=str(tmp_path)))
    assert isinstance(local, LocalStorage) and local.root == tmp_path / "media"
    s3 = build_storage(MediaSettings(media_storage="s3", media_s3_bucket="b", media_s3_prefix="p/"))
    assert isinstance(s3, S3Storage) and s3.object_key(KEY) == "p/" + KEY


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
async def bucket(s3_endpoint: str) -> AsyncIterator[str]:
    name = f"media-{free_port()}"
    async with get_session().create_client(
        "s3",
        endpoint_url=s3_endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    ) as client:
        await client.create_bucket(Bucket=name)
    yield name


async def test_the_s3_backend_keeps_deletes_and_forgets_objects(
    s3_endpoint: str, bucket: str
) -> None:
    storage = S3Storage(bucket, prefix="media/", endpoint_url=s3_endpoint, **CREDS)
    try:
        assert await storage.get(KEY) is None
        await storage.put(KEY, b"%PDF-1.4 ...", "application/pdf")
        assert await storage.get(KEY) == b"%PDF-1.4 ..."
        await storage.delete(KEY)
        assert await storage.get(KEY) is None
    finally:
        await storage.close()


async def test_s3_away_or_a_missing_bucket_is_retried_not_parked(
    s3_endpoint: str, bucket: str
) -> None:
    away = S3Storage(bucket, endpoint_url=f"http://127.0.0.1:{free_port()}", **CREDS)
    missing = S3Storage("no-such-bucket", endpoint_url=s3_endpoint, **CREDS)
    try:
        for storage in (away, missing):
            with pytest.raises(StorageUnavailable) as caught:
                await storage.put(KEY, b"x", "image/png")
            assert is_transient(caught.value)
    finally:
        await away.close()
        await missing.close()
