"""Meta's media ids of outbound files (`sender.media_uploads`): upload once, reuse, renew.

A send of a stored file (`OutboundMessage.media_file`) gets Meta's media id from here: the
cached one while it is younger than Meta keeps it (`domain/uploads.py`), else the file is read
from the organization's media store and uploaded to the number. The file is looked up under the
sending conversation's organization only, so a flow naming another organization's media id
finds nothing. Meta or the store being away raises a `TransientError` (the send waits and
tries again); a missing file or a file Meta refuses is `UploadRefused` (the send fails).
"""

from __future__ import annotations

import asyncpg

from pytake_sender.adapters.media_graph import MediaGraph, MediaRefused
from pytake_sender.domain.uploads import mime_of, reusable, upload_name
from pytake_shared.contracts.media import storage_key
from pytake_shared.contracts.outbound import OutboundMessage, SendMessage
from pytake_shared.errors import PyTakeError
from pytake_shared.media_storage import MediaStorage


class UploadRefused(PyTakeError):
    """The file cannot be sent: not in the organization's media, or refused by Meta."""


class MediaUploads:
    def __init__(self, pool: asyncpg.Pool, storage: MediaStorage, graph: MediaGraph) -> None:
        self._pool = pool
        self._storage = storage
        self._graph = graph

    async def meta_id(
        self, organization_id: str, phone_number_id: str, token: str, message: OutboundMessage
    ) -> str:
        media_file = message.media_file or ""
        row = await self._pool.fetchrow(
            "SELECT meta_media_id, extract(epoch FROM now() - uploaded_at) AS age "
            "FROM sender.media_uploads WHERE phone_number_id = $1 AND media_file = $2",
            phone_number_id,
            media_file,
        )
        if row is not None and reusable(float(row["age"])):
            return str(row["meta_media_id"])
        data = await self._storage.get(storage_key(organization_id, media_file))
        if data is None:
            raise UploadRefused(f"no media file {media_file} in this organization's media")
        media_type = message.media_type or "document"
        mime = mime_of(data, media_type, message.filename)
        try:
            meta_media_id = await self._graph.upload(
                phone_number_id,
                token,
                data,
                mime,
                upload_name(media_file, media_type, message.filename, mime),
            )
        except MediaRefused as exc:
            raise UploadRefused(f"Meta refused the upload of {media_file}: {exc.reason}") from exc
        await self._pool.execute(
            "INSERT INTO sender.media_uploads (phone_number_id, media_file, meta_media_id) "
            "VALUES ($1, $2, $3) ON CONFLICT (phone_number_id, media_file) DO UPDATE "
            "SET meta_media_id = EXCLUDED.meta_media_id, uploaded_at = now()",
            phone_number_id,
            media_file,
            meta_media_id,
        )
        return meta_media_id

    async def with_media_id(self, cmd: SendMessage, token: str) -> SendMessage:
        """`cmd` with Meta's media id for its stored file."""
        meta_id = await self.meta_id(cmd.organization_id, cmd.phone_number_id, token, cmd.message)
        return cmd.model_copy(
            update={"message": cmd.message.model_copy(update={"media_id": meta_id})}
        )

    async def forget(self, phone_number_id: str, media_file: str) -> None:
        """Meta no longer knows the id: the next send uploads the file again."""
        await self._pool.execute(
            "DELETE FROM sender.media_uploads WHERE phone_number_id = $1 AND media_file = $2",
            phone_number_id,
            media_file,
        )
