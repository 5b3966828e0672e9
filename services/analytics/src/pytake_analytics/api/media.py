"""`/media`: a tenant's media files, and their short-lived content links.

- `GET /media/{id}`: the metadata, with a signed content link valid `MEDIA_LINK_TTL_S` (an
  organization sees its own media only: another's is a 404).
- `GET /media/{id}/content?expires=…&sig=…`: the bytes, for whoever holds an unexpired link
  (no login: it is what a flow hands on, or an `<img>` shows). A link names one media; a
  wrong, expired or foreign link is a 404, telling nothing about what exists.
- `POST /media` (writers): upload a file for flows to send (a message node's `mediaFile`).
- `DELETE /media/{id}` (writers): the row and the file.
"""

from __future__ import annotations

import hashlib
import uuid
from typing import Annotated, cast

from fastapi import APIRouter, FastAPI, Query, Request, UploadFile
from fastapi.responses import Response

from pytake_analytics.adapters import media as rows
from pytake_analytics.api.deps import Ctx, CurrentUser, Writer
from pytake_analytics.api.errors import errors
from pytake_analytics.api.media_models import Links, MediaOut, media_out
from pytake_analytics.domain.errors import NotFound, Unprocessable
from pytake_analytics.settings import AnalyticsSettings
from pytake_shared import media_links
from pytake_shared.contracts.media import storage_key
from pytake_shared.media_storage import MediaStorage, build_storage

router = APIRouter(prefix="/media", tags=["media"])

# What a flow may send, by MIME (Meta's table); the kind decides the size limit.
UPLOAD_KINDS = {
    "image/jpeg": "image",
    "image/png": "image",
    "image/webp": "sticker",
    "audio/aac": "audio",
    "audio/amr": "audio",
    "audio/mpeg": "audio",
    "audio/mp4": "audio",
    "audio/ogg": "audio",
    "video/mp4": "video",
    "video/3gpp": "video",
    "text/plain": "document",
    "application/pdf": "document",
}
MB = 1024 * 1024
UPLOAD_LIMITS = {"image": 5 * MB, "sticker": 500 * 1024, "audio": 16 * MB, "video": 16 * MB}


def attach(app: FastAPI, settings: AnalyticsSettings, storage: MediaStorage | None) -> None:
    app.state.media_storage = storage or build_storage(settings)


def _storage(request: Request) -> MediaStorage:
    return cast(MediaStorage, request.app.state.media_storage)


@router.get("/{media_id}", response_model=MediaOut, responses=errors(404))
async def get_media(media_id: uuid.UUID, user: CurrentUser, ctx: Ctx) -> MediaOut:
    async with ctx.store.connect() as conn:
        row = await rows.get(conn, user.scope, media_id)
    if row is None:
        raise NotFound("no such media")
    return media_out(row, Links(ctx.settings, ctx.clock()))


@router.get("/{media_id}/content", responses=errors(404))
async def media_content(
    media_id: uuid.UUID,
    request: Request,
    ctx: Ctx,
    expires: Annotated[int, Query(ge=0, le=2**40)],
    sig: Annotated[str, Query(min_length=64, max_length=64)],
) -> Response:
    secret = media_links.link_secret(ctx.settings.pytake_config_key)
    now = int(ctx.clock().timestamp())
    if not media_links.verify(secret, str(media_id), expires, sig, now):
        raise NotFound("no such media, or the link expired")
    async with ctx.store.connect() as conn:
        row = await rows.get(conn, None, media_id)
    data = None
    if row is not None and row["status"] == "stored" and row["storage_key"]:
        data = await _storage(request).get(row["storage_key"])
    if row is None or data is None:
        raise NotFound("no such media, or the link expired")
    return Response(
        data,
        media_type=row["mime_type"] or "application/octet-stream",
        headers={
            "Cache-Control": f"private, max-age={max(0, expires - now)}",
            "X-Content-Type-Options": "nosniff",
        },
    )


@router.post("", response_model=MediaOut, status_code=201, responses=errors(422))
async def upload_media(
    user: Writer,
    ctx: Ctx,
    request: Request,
    file: UploadFile,
    organization_id: uuid.UUID | None = None,
) -> MediaOut:
    org = user.target_organization(organization_id)
    mime = (file.content_type or "").split(";", 1)[0].strip().lower()
    kind = UPLOAD_KINDS.get(mime)
    if kind is None:
        raise Unprocessable(f"unsupported media type {mime or '(none)'}", field="file")
    cap = UPLOAD_LIMITS.get(kind, 100 * MB)
    data = await file.read(cap + 1)
    if not data or len(data) > cap:
        raise Unprocessable(f"a {kind} must be 1 to {cap} bytes", field="file")
    media_id = uuid.uuid4()
    key = storage_key(str(org), str(media_id))
    await _storage(request).put(key, data, mime)
    async with ctx.store.connect() as conn:
        row = await rows.add_upload(
            conn,
            media_id=media_id,
            organization_id=org,
            kind=kind,
            storage_key=key,
            mime_type=mime,
            size=len(data),
            sha256=hashlib.sha256(data).hexdigest(),
            filename=file.filename,
            at=ctx.clock(),
        )
    return media_out(row, Links(ctx.settings, ctx.clock()))


@router.delete("/{media_id}", status_code=204, responses=errors(404))
async def delete_media(media_id: uuid.UUID, user: Writer, request: Request, ctx: Ctx) -> Response:
    async with ctx.store.connect() as conn:
        row = await rows.get(conn, user.scope, media_id)
        if row is None:
            raise NotFound("no such media")
        if row["storage_key"]:  # the file first: a row never outlives a file it names
            await _storage(request).delete(row["storage_key"])
        await rows.delete(conn, user.scope, media_id)
    return Response(status_code=204)
