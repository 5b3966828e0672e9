"""What a contact's media must satisfy before it is kept (pure).

Meta's limits per type (`reference/meta-media-templates.md` §1): image 5 MB, audio and video
16 MB, document 100 MB, sticker 100 KB static / 500 KB animated. Meta gives the file's SHA-256
twice, in the webhook (base64 in Meta's examples) and in `GET /{media-id}` (unverified: hex in
third-party examples), so both encodings are read and compared as bytes; the downloaded bytes
must match whichever Meta gave. A webhook that says Meta could not fetch the file itself
(131052, e.g. over 100 MB) has nothing to download: it is failed at once with Meta's words.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass
from typing import Any

from pytake_shared.contracts.media import KINDS

KB, MB = 1024, 1024 * 1024
LIMITS = {"image": 5 * MB, "audio": 16 * MB, "video": 16 * MB, "document": 100 * MB}
STICKER_STATIC, STICKER_ANIMATED = 100 * KB, 500 * KB


@dataclass(frozen=True)
class Wanted:
    """A media a contact sent, as the webhook described it."""

    meta_media_id: str
    kind: str
    mime_type: str | None
    sha256: bytes | None
    caption: str | None
    filename: str | None
    voice: bool
    animated: bool


@dataclass(frozen=True)
class Unfetchable:
    """A media message that has no file to fetch (Meta's error, or no id at all)."""

    kind: str
    meta_media_id: str | None
    reason: str
    code: int | None


def read(message: dict[str, Any]) -> Wanted | Unfetchable | None:
    """The media `message` (a `MessageInfo`) carries; None when it carries none."""
    media = message.get("media")
    kind = str(message.get("type") or "")
    errors = message.get("errors") or []
    if not isinstance(media, dict):
        if kind in KINDS and errors:
            return _refused(kind, None, errors)
        return None
    kind = str(media.get("kind") or kind)
    media_id = media.get("id")
    if errors:
        return _refused(kind, media_id, errors)
    if not isinstance(media_id, str) or not media_id:
        return Unfetchable(kind, None, "the webhook names no media id", None)
    return Wanted(
        meta_media_id=media_id,
        kind=kind,
        mime_type=media.get("mime_type"),
        sha256=digest(media.get("sha256")),
        caption=media.get("caption"),
        filename=media.get("filename"),
        voice=bool(media.get("voice")),
        animated=bool(media.get("animated")),
    )


def _refused(kind: str, media_id: Any, errors: list[Any]) -> Unfetchable:
    first = errors[0] if isinstance(errors[0], dict) else {}
    words = first.get("details") or first.get("message") or first.get("title") or "Meta error"
    code = first.get("code")
    return Unfetchable(
        kind,
        media_id if isinstance(media_id, str) else None,
        f"Meta could not fetch it: {words}",
        code if isinstance(code, int) else None,
    )


def limit(kind: str, animated: bool = False) -> int:
    """The most bytes a media of this kind may have."""
    if kind == "sticker":
        return STICKER_ANIMATED if animated else STICKER_STATIC
    return LIMITS.get(kind, LIMITS["document"])


def digest(value: Any) -> bytes | None:
    """A SHA-256 given as hex or base64 (Meta uses both), as bytes; None if neither."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    if len(text) == 64:
        try:
            return bytes.fromhex(text)
        except ValueError:
            pass
    try:
        raw = base64.b64decode(text + "=" * (-len(text) % 4), validate=True)
    except (binascii.Error, ValueError):
        return None
    return raw if len(raw) == 32 else None


def problem(wanted: Wanted, declared_sha256: Any, content: bytes) -> str | None:
    """Why `content` cannot be kept as `wanted`; None when it can."""
    cap = limit(wanted.kind, wanted.animated)
    if len(content) > cap:
        return f"{len(content)} bytes, over Meta's {cap} for a {_name(wanted)}"
    actual = hashlib.sha256(content).digest()
    for expected in (wanted.sha256, digest(declared_sha256)):
        if expected is not None and expected != actual:
            return "the file's sha256 does not match Meta's"
    return None


def too_big(wanted: Wanted, declared_size: Any) -> str | None:
    """Why the size Meta declares (`file_size`, a string or an int) is refused, before
    downloading anything."""
    try:
        size = int(declared_size)
    except (TypeError, ValueError):
        return None
    cap = limit(wanted.kind, wanted.animated)
    return f"{size} bytes, over Meta's {cap} for a {_name(wanted)}" if size > cap else None


def _name(wanted: Wanted) -> str:
    if wanted.kind == "sticker":
        return "animated sticker" if wanted.animated else "static sticker"
    return wanted.kind
