"""The simulated media endpoints (`reference/meta-media-templates.md` §1).

- `POST /{version}/{phone_number_id}/media` (multipart: `messaging_product`, `file`, `type`):
  per-type MIME and size checks (131053 when refused), answers `{"id": "<digits>"}`; uploaded
  media lasts 30 days.
- `GET /{version}/{media-id}` (optional `?phone_number_id=`): `url`, `mime_type`, `sha256` (hex),
  `file_size` (a string, as Meta's schema has it), `id`, `messaging_product`; an unknown,
  deleted or expired id is Meta's code 100 (subcode 33).
- The download URL, `/whatsapp_business/attachments/?mid=…&ext=…&hash=…`: needs the bearer token
  and stops working after `media_url_ttl_seconds` (Meta's 5 minutes): 404.
- `DELETE /{version}/{media-id}` → `{"success": true}`.
- `POST /_sim/contacts/{wa_id}/media` (control): the contact "sends" a media file; the
  simulator keeps it (7 days, like Meta's webhook media), posts the signed webhook Meta would
  (sha256 in base64, as Meta's webhook examples have it) and answers what it sent.

The `media_error_rate` fault answers a share of the media calls with a 500 (131000).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

import httpx
from fastapi import APIRouter, Body, Request
from fastapi.responses import JSONResponse, Response
from starlette.datastructures import UploadFile

from pytake_tools.metasim.errors import (
    MetaError,
    bad_token,
    server_error,
    unknown_path,
    upload_refused,
)
from pytake_tools.metasim.graph import VERSION_RE, bearer_token
from pytake_tools.metasim.settings import SimulatorSettings
from pytake_tools.metasim.state import SimState
from pytake_tools.metasim.webhooks import WebhookSender, encode, sign

KB, MB = 1024, 1024 * 1024
UPLOADED_TTL_S = 30 * 24 * 3600
RECEIVED_TTL_S = 7 * 24 * 3600
ATTACHMENTS = "/whatsapp_business/attachments/"

# MIME → (type, max bytes), Meta's table; a sticker's is the animated one's (static: 100 KB).
MIME_TYPES: dict[str, tuple[str, int]] = {
    "audio/aac": ("audio", 16 * MB),
    "audio/amr": ("audio", 16 * MB),
    "audio/mpeg": ("audio", 16 * MB),
    "audio/mp4": ("audio", 16 * MB),
    "audio/ogg": ("audio", 16 * MB),
    "text/plain": ("document", 100 * MB),
    "application/pdf": ("document", 100 * MB),
    "application/msword": ("document", 100 * MB),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": (
        "document",
        100 * MB,
    ),
    "application/vnd.ms-excel": ("document", 100 * MB),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ("document", 100 * MB),
    "application/vnd.ms-powerpoint": ("document", 100 * MB),
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": (
        "document",
        100 * MB,
    ),
    "image/jpeg": ("image", 5 * MB),
    "image/png": ("image", 5 * MB),
    "image/webp": ("sticker", 500 * KB),
    "video/mp4": ("video", 16 * MB),
    "video/3gpp": ("video", 16 * MB),
}


@dataclass(frozen=True, slots=True)
class MediaFile:
    id: str
    phone_number_id: str
    data: bytes
    mime_type: str
    expires_at: float  # Unix seconds: the id is gone after this

    @property
    def sha256(self) -> bytes:
        return hashlib.sha256(self.data).digest()


def media_not_found(media_id: str) -> MetaError:
    return MetaError(
        100,
        media_id,
        message=(
            f"Unsupported get request. Object with ID '{media_id}' does not exist, cannot be "
            "loaded due to missing permissions, or does not support this operation."
        ),
        subcode=33,
        error_data=False,
    )


def mime_of(declared: str) -> str:
    """`audio/ogg; codecs=opus` → `audio/ogg`."""
    return declared.split(";", 1)[0].strip().lower()


class MediaStore:
    """The media the simulator holds, by id, and the signed, expiring download URLs."""

    def __init__(self, url_ttl_s: float, wall_clock: Callable[[], float] = time.time) -> None:
        self._files: dict[str, MediaFile] = {}
        self._url_ttl_s = url_ttl_s
        self._clock = wall_clock
        self._key = os.urandom(16)
        self.downloads = 0  # served, for tests

    def add(self, phone_number_id: str, data: bytes, mime_type: str, ttl_s: float) -> MediaFile:
        media_id = str(uuid.uuid4().int % 10**16).rjust(16, "1")
        file = MediaFile(media_id, phone_number_id, data, mime_type, self._clock() + ttl_s)
        self._files[media_id] = file
        return file

    def get(self, media_id: str, phone_number_id: str | None = None) -> MediaFile | None:
        file = self._files.get(media_id)
        if file is None or file.expires_at <= self._clock():
            return None
        if phone_number_id and file.phone_number_id != phone_number_id:
            return None
        return file

    def delete(self, media_id: str) -> bool:
        return self._files.pop(media_id, None) is not None

    def url(self, base_url: str, file: MediaFile) -> str:
        expires = int(self._clock() + self._url_ttl_s)
        return (
            f"{base_url.rstrip('/')}{ATTACHMENTS}?mid={file.id}&ext={expires}"
            f"&hash={self._hash(file.id, expires)}"
        )

    def by_url(self, mid: str, ext: str, signature: str) -> MediaFile | None:
        """The file a download URL names, if the URL is ours and not expired."""
        try:
            expires = int(ext)
        except ValueError:
            return None
        if expires <= self._clock() or not hmac.compare_digest(self._hash(mid, expires), signature):
            return None
        return self.get(mid)

    def _hash(self, mid: str, expires: int) -> str:
        return hmac.new(self._key, f"{mid}:{expires}".encode(), hashlib.sha256).hexdigest()[:20]


def media_router(
    settings: SimulatorSettings,
    state: SimState,
    store: MediaStore,
    sender: WebhookSender,
    transport: httpx.AsyncBaseTransport | None = None,
) -> APIRouter:
    """The media routes; include them after `/_sim`'s (their `/{version}/{id}` matches all)."""
    router = APIRouter()

    def refuse(exc: MetaError) -> JSONResponse:
        return JSONResponse(status_code=exc.http_status, content=exc.body(state.fbtrace_id()))

    def authorize(request: Request) -> None:
        token = bearer_token(request.headers.get("authorization"))
        if token is None:
            raise bad_token()
        if token in state.faults.invalid_tokens:
            raise bad_token(expired=True)
        if settings.access_tokens and token not in settings.access_tokens:
            raise bad_token()
        rate = state.faults.media_error_rate
        if rate > 0 and state.rng.random() < rate:
            raise server_error(0)

    # Registered before `/{version}/{media_id}`, which would match this path too.
    @router.get(ATTACHMENTS, response_model=None)
    async def download(request: Request, mid: str = "", ext: str = "", hash: str = "") -> Response:
        try:
            authorize(request)
        except MetaError as exc:
            return refuse(exc)
        file = store.by_url(mid, ext, hash)
        if file is None:
            return refuse(MetaError(100, "media not found or URL expired", http_status=404))
        store.downloads += 1
        return Response(content=file.data, media_type=file.mime_type)

    @router.post("/{version}/{phone_number_id}/media", response_model=None)
    async def upload(version: str, phone_number_id: str, request: Request) -> JSONResponse:
        try:
            authorize(request)
            if VERSION_RE.fullmatch(version) is None:
                raise unknown_path(f"/{version}/{phone_number_id}/media")
            form = await request.form()
            if form.get("messaging_product") != "whatsapp":
                raise MetaError(100, "The parameter messaging_product is required.")
            file = form.get("file")
            if not isinstance(file, UploadFile):
                raise MetaError(100, "The parameter file is required.")
            declared = form.get("type")
            mime = mime_of(declared if isinstance(declared, str) else file.content_type or "")
            data = await file.read()
            known = MIME_TYPES.get(mime)
            if known is None:
                raise upload_refused(f"Unsupported media type {mime or '(none)'}.")
            kind, limit = known
            if file.content_type and mime_of(file.content_type) != mime:
                raise upload_refused(f"The file is {file.content_type}, not {mime}.")
            if len(data) > limit or not data:
                raise upload_refused(f"A {kind} must be 1 byte to {limit} bytes.")
        except MetaError as exc:
            return refuse(exc)
        stored = store.add(phone_number_id, data, mime, UPLOADED_TTL_S)
        return JSONResponse({"id": stored.id})

    @router.get("/{version}/{media_id}", response_model=None)
    async def retrieve(
        version: str, media_id: str, request: Request, phone_number_id: str = ""
    ) -> JSONResponse:
        try:
            authorize(request)
            if VERSION_RE.fullmatch(version) is None:
                raise unknown_path(f"/{version}/{media_id}")
            file = store.get(media_id, phone_number_id or None)
            if file is None:
                raise media_not_found(media_id)
        except MetaError as exc:
            return refuse(exc)
        return JSONResponse(
            {
                "messaging_product": "whatsapp",
                "url": store.url(str(request.base_url), file),
                "mime_type": file.mime_type,
                "sha256": file.sha256.hex(),
                "file_size": str(len(file.data)),
                "id": file.id,
            }
        )

    @router.delete("/{version}/{media_id}", response_model=None)
    async def delete(
        version: str, media_id: str, request: Request, phone_number_id: str = ""
    ) -> JSONResponse:
        try:
            authorize(request)
            if store.get(media_id, phone_number_id or None) is None:
                raise media_not_found(media_id)
        except MetaError as exc:
            return refuse(exc)
        store.delete(media_id)
        return JSONResponse({"success": True})

    @router.post("/_sim/contacts/{wa_id}/media", tags=["simulator"])
    async def contact_sends_media(
        wa_id: str,
        phone_number_id: Annotated[str, Body(min_length=1)],
        kind: Annotated[str, Body()] = "image",
        mime_type: Annotated[str, Body()] = "image/jpeg",
        caption: Annotated[str | None, Body()] = None,
        filename: Annotated[str | None, Body()] = None,
        data_base64: Annotated[str | None, Body()] = None,
        name: Annotated[str, Body()] = "Ada",
    ) -> dict[str, Any]:
        data = base64.b64decode(data_base64) if data_base64 else sample_jpeg()
        file = store.add(phone_number_id, data, mime_type, RECEIVED_TTL_S)
        body: dict[str, Any] = {
            "mime_type": mime_type,
            "sha256": base64.b64encode(file.sha256).decode(),
            "id": file.id,
        }
        if caption is not None and kind in ("image", "video", "document"):
            body["caption"] = caption
        if filename is not None and kind == "document":
            body["filename"] = filename
        if kind == "audio":
            body["voice"] = False
        if kind == "sticker":
            body["animated"] = False
        wamid = f"wamid.{uuid.uuid4().hex}"
        payload = media_webhook(settings, phone_number_id, wa_id, name, wamid, kind, body)
        raw = encode(payload)
        headers = {"Content-Type": "application/json"}
        secret = sender.secret_for(phone_number_id)
        if secret:
            headers["X-Hub-Signature-256"] = sign(secret, raw)
        status: int | None = None
        if settings.webhook_url:
            async with httpx.AsyncClient(
                transport=transport, timeout=settings.webhook_timeout_seconds
            ) as client:
                answer = await client.post(settings.webhook_url, content=raw, headers=headers)
            status = answer.status_code
        return {
            "media_id": file.id,
            "wamid": wamid,
            "sha256": file.sha256.hex(),
            "size": len(data),
            "webhook_status": status,
            "webhook": payload,
        }

    return router


def media_webhook(
    settings: SimulatorSettings,
    phone_number_id: str,
    wa_id: str,
    name: str,
    wamid: str,
    kind: str,
    body: dict[str, Any],
) -> dict[str, Any]:
    """A `messages` webhook with one media message, in Meta's shape (see image_message.json)."""
    message = {
        "from": wa_id,
        "id": wamid,
        "timestamp": str(int(time.time())),
        "type": kind,
        kind: body,
    }
    value = {
        "messaging_product": "whatsapp",
        "metadata": {
            "display_phone_number": settings.display_phone_number,
            "phone_number_id": phone_number_id,
        },
        "contacts": [{"profile": {"name": name}, "wa_id": wa_id}],
        "messages": [message],
    }
    return {
        "object": "whatsapp_business_account",
        "entry": [{"id": settings.waba_id, "changes": [{"value": value, "field": "messages"}]}],
    }


def sample_jpeg() -> bytes:
    """A small JPEG-framed file (SOI, a JFIF header, random bytes, EOI), new every time."""
    return b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + (
        os.urandom(2048) + b"\xff\xd9"
    )
