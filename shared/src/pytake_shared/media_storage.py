"""Where media files are kept: a directory under the data folder, or S3-compatible storage.

`MEDIA_STORAGE=local` (the default) writes each file to `<PYTAKE_DATA_DIR>/media/<key>`,
atomically (a temporary file renamed into place), so a reader never sees half a file;
`MEDIA_STORAGE=s3` puts it in `MEDIA_S3_BUCKET` under `MEDIA_S3_PREFIX` through aiobotocore
(AWS, MinIO, Ceph, R2, any S3-compatible endpoint: `MEDIA_S3_ENDPOINT_URL`). Keys are
`<organization id>/<media id>` (`contracts.media.storage_key`). Writing the same key twice
writes the same bytes (ids are derived from Meta's), so retries are harmless.

Errors are grouped for the caller: a missing file is `None` from `get`; the storage being
unreachable or refusing (a network error, a 5xx, a bucket not there yet, a full disk) is a
`StorageUnavailable`, a `TransientError`: retried until it is back, never a reason to park.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import tempfile
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol, TypeVar

from aiobotocore.session import get_session
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError
from pydantic import Field

from pytake_shared.errors import TransientError
from pytake_shared.settings import ServiceSettings

if TYPE_CHECKING:
    from types_aiobotocore_s3 import S3Client

T = TypeVar("T")
KEY_RE = re.compile(r"[A-Za-z0-9._-]{1,100}(/[A-Za-z0-9._-]{1,100}){0,3}")


class MediaSettings(ServiceSettings):
    """The media settings the sender (writes), analytics (reads, deletes) and the executor
    (links) share; env names in the README's table."""

    pytake_data_dir: str = ".pytake/data"
    media_storage: Literal["local", "s3"] = "local"
    media_s3_bucket: str = "pytake-media"
    media_s3_prefix: str = "media/"
    media_s3_endpoint_url: str = ""  # "" = AWS itself
    media_s3_region: str = "us-east-1"
    # "" = botocore's own chain (AWS_* variables, the instance's or pod's role).
    media_s3_access_key_id: str = Field(default="", repr=False)
    media_s3_secret_access_key: str = Field(default="", repr=False)
    # The API's address as the outside world reaches it: the base of media links.
    pytake_public_url: str = "http://127.0.0.1:8000"
    media_link_ttl_s: int = Field(default=900, ge=1)


class StorageUnavailable(TransientError):
    """The storage backend cannot be used right now; retry the same thing later."""


class MediaStorage(Protocol):
    async def put(self, key: str, data: bytes, content_type: str) -> None: ...

    async def get(self, key: str) -> bytes | None: ...

    async def delete(self, key: str) -> None: ...

    async def close(self) -> None: ...


def checked(key: str) -> str:
    if KEY_RE.fullmatch(key) is None or ".." in key:
        raise ValueError(f"not a media key: {key!r}")
    return key


class LocalStorage:
    """Files under one directory (`<data dir>/media`)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, key: str) -> Path:
        return self.root / checked(key)

    async def put(self, key: str, data: bytes, content_type: str) -> None:
        await self._run(self._write, self.path(key), data)

    async def get(self, key: str) -> bytes | None:
        return await self._run(self._read, self.path(key))

    async def delete(self, key: str) -> None:
        await self._run(self._remove, self.path(key))

    async def close(self) -> None:
        return None

    @staticmethod
    def _write(path: Path, data: bytes) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".part-")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise

    @staticmethod
    def _read(path: Path) -> bytes | None:
        try:
            return path.read_bytes()
        except FileNotFoundError:
            return None

    @staticmethod
    def _remove(path: Path) -> None:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()

    @staticmethod
    async def _run(call: Callable[..., T], *args: Any) -> T:
        try:
            return await asyncio.to_thread(call, *args)
        except OSError as exc:  # a full disk, a lost mount: the environment, not the file
            raise StorageUnavailable(f"media directory unusable: {exc!r}") from exc


class S3Storage:
    """Objects in one bucket under a prefix, through one long-lived aiobotocore client."""

    def __init__(
        self,
        bucket: str,
        *,
        prefix: str = "",
        endpoint_url: str = "",
        region: str = "us-east-1",
        access_key_id: str = "",
        secret_access_key: str = "",
    ) -> None:
        self.bucket = bucket
        self.prefix = prefix
        self._options: dict[str, Any] = {
            "region_name": region,
            "config": Config(
                connect_timeout=5,
                read_timeout=30,
                retries={"max_attempts": 2, "mode": "standard"},
                # Path-style addressing: what MinIO and most emulators expect.
                s3={"addressing_style": "path"},
            ),
        }
        if endpoint_url:
            self._options["endpoint_url"] = endpoint_url
        if access_key_id:
            self._options["aws_access_key_id"] = access_key_id
            self._options["aws_secret_access_key"] = secret_access_key
        self._stack = contextlib.AsyncExitStack()
        self._client: S3Client | None = None
        self._lock = asyncio.Lock()

    def object_key(self, key: str) -> str:
        return self.prefix + checked(key)

    async def _s3(self) -> S3Client:
        client: S3Client | None
        async with self._lock:  # made on first use, inside the running loop
            client = self._client
            if client is None:
                made = get_session().create_client("s3", **self._options)
                client = await self._stack.enter_async_context(made)
                self._client = client
            assert client is not None
            return client

    async def put(self, key: str, data: bytes, content_type: str) -> None:
        name = self.object_key(key)
        async with self._errors(name):
            s3 = await self._s3()
            await s3.put_object(Bucket=self.bucket, Key=name, Body=data, ContentType=content_type)

    async def get(self, key: str) -> bytes | None:
        name = self.object_key(key)
        async with self._errors(name):
            s3 = await self._s3()
            try:
                answer = await s3.get_object(Bucket=self.bucket, Key=name)
            except ClientError as exc:
                if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                    return None
                raise
            async with answer["Body"] as body:
                data: bytes = await body.read()
            return data

    async def delete(self, key: str) -> None:
        name = self.object_key(key)
        async with self._errors(name):
            s3 = await self._s3()
            await s3.delete_object(Bucket=self.bucket, Key=name)

    async def close(self) -> None:
        await self._stack.aclose()
        self._client = None

    @contextlib.asynccontextmanager
    async def _errors(self, name: str) -> AsyncIterator[None]:
        try:
            yield
        except (ClientError, BotoCoreError, OSError) as exc:
            raise StorageUnavailable(f"S3 {self.bucket}/{name}: {exc!r}") from exc


def build_storage(settings: MediaSettings) -> MediaStorage:
    """The backend the settings name."""
    if settings.media_storage == "s3":
        return S3Storage(
            settings.media_s3_bucket,
            prefix=settings.media_s3_prefix,
            endpoint_url=settings.media_s3_endpoint_url,
            region=settings.media_s3_region,
            access_key_id=settings.media_s3_access_key_id,
            secret_access_key=settings.media_s3_secret_access_key,
        )
    return LocalStorage(Path(settings.pytake_data_dir) / "media")
