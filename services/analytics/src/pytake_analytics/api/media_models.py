"""Response models of `/media`, the media of a history message, and their short-lived links."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from pytake_analytics.settings import AnalyticsSettings
from pytake_shared import media_links
from pytake_shared.contracts.media import media_id_of

MediaStatus = Literal["pending", "stored", "failed"]


class MediaRef(BaseModel):
    """A message's media as the history shows it."""

    id: uuid.UUID
    status: MediaStatus = Field(description="pending (not fetched yet), stored or failed")
    kind: str
    mime_type: str | None = None
    size: int | None = None
    caption: str | None = None
    filename: str | None = None
    reason: str | None = Field(default=None, description="why it failed")
    url: str | None = Field(default=None, description="the file, for a short while (stored)")
    url_expires_at: datetime | None = None


class MediaOut(MediaRef):
    organization_id: uuid.UUID
    source: Literal["inbound", "upload"]
    phone_number_id: str | None
    message_id: str | None = Field(description="the inbound wamid that carried it")
    sha256: str | None
    voice: bool
    error_code: int | None
    created_at: datetime


class Links:
    """Signed content links for one request's time."""

    def __init__(self, settings: AnalyticsSettings, now: datetime) -> None:
        self._secret = media_links.link_secret(settings.pytake_config_key)
        self._base = settings.pytake_public_url
        self._ttl = settings.media_link_ttl_s
        self._now = int(now.timestamp())

    def __call__(self, media_id: uuid.UUID) -> tuple[str, datetime]:
        url = media_links.content_url(self._base, self._secret, str(media_id), self._now, self._ttl)
        return url, datetime.fromtimestamp(self._now + self._ttl, UTC)


def media_out(row: dict[str, Any], links: Links) -> MediaOut:
    url, expires = links(row["id"]) if row["status"] == "stored" else (None, None)
    return MediaOut.model_validate(
        {**row, "reason": row["reason"], "url": url, "url_expires_at": expires}
    )


def media_ref(
    body: dict[str, Any], phone_number_id: str, row: dict[str, Any] | None, links: Links
) -> MediaRef | None:
    """The media of an inbound message (its `body.media`), with what became of it."""
    described = body.get("media")
    if not isinstance(described, dict) or not described.get("id"):
        return None
    if row is None:
        return MediaRef(
            id=uuid.UUID(media_id_of(phone_number_id, str(described["id"]))),
            status="pending",
            kind=str(described.get("kind") or "document"),
            mime_type=described.get("mime_type"),
            caption=described.get("caption"),
            filename=described.get("filename"),
        )
    return MediaRef.model_validate(
        media_out(row, links).model_dump(include=set(MediaRef.model_fields))
    )
