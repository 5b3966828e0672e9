"""The records of `wa.media.v1`: what became of each media file a contact sent.

Keyed by conversation (the inbound message's key). The sender's media fetcher writes one
record per media it finished with: `stored` (fetched from Meta, checked against Meta's sha256
and size limits, written to the storage backend under `storage_key`) or `failed` (Meta says the
media is gone or refused it, it broke a limit or its checksum: `reason`, and Meta's `code` when
it gave one). Analytics projects them into its media table; the API serves them from there.

A media is named by `media_id`: ours, derived from the number and Meta's media id
(`media_id_of`), so every service computes the same id from the inbound message alone (the
engine for `{{last_media.url}}`, analytics for a media not fetched yet). Its file sits under
`storage_key(organization_id, media_id)` in whatever backend is configured.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

from pytake_shared.envelope import deterministic_id

STORED = "pytake.media.stored"
FAILED = "pytake.media.failed"

# The kinds of message that carry a media file (Meta's `type`).
KINDS = frozenset({"image", "audio", "video", "document", "sticker"})


class _Media(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    media_id: str
    meta_media_id: str
    organization_id: str
    phone_number_id: str
    message_id: str | None = None  # the inbound wamid that carried it
    kind: str
    caption: str | None = None
    filename: str | None = None
    voice: bool = False


class Stored(_Media):
    storage_key: str
    mime_type: str
    size: int
    sha256: str  # hex


class Failed(_Media):
    reason: str
    code: int | None = None  # Meta's error code, when Meta gave one


Media = Stored | Failed

MODELS: dict[str, type[Media]] = {STORED: Stored, FAILED: Failed}
TYPES = frozenset(MODELS)
_TYPE_OF = {model: name for name, model in MODELS.items()}


def media_id_of(phone_number_id: str, meta_media_id: str) -> str:
    """Our id of the media Meta calls `meta_media_id` on `phone_number_id` (a UUID)."""
    return str(deterministic_id("media", phone_number_id, meta_media_id))


def storage_key(organization_id: str, media_id: str) -> str:
    """Where a media's file is kept: under its organization, so a prefix is one tenant."""
    return f"{organization_id}/{media_id}"


def type_of(media: Media) -> str:
    return _TYPE_OF[type(media)]


def payload(media: Media) -> dict[str, Any]:
    return media.model_dump(mode="json")


def decode(envelope_type: str, data: dict[str, Any]) -> Media:
    """The outcome a record carries; `ValueError` for an unknown type,
    `pydantic.ValidationError` for a bad payload."""
    model = MODELS.get(envelope_type)
    if model is None:
        raise ValueError(f"not a wa.media.v1 type: {envelope_type}")
    return model.model_validate(data)
