"""Outbound files (pure): what a stored file is, and how long Meta's media id for it is good.

A message node may send a file of the organization's media store (`mediaFile`, PyTake's media
id) instead of a link: the sender uploads it to the number (`POST /{phone-number-id}/media`)
and sends Meta's id. Meta keeps an uploaded file 30 days; the id is reused for 29, then the
file is uploaded again. The upload names the file's MIME type, read from its first bytes (the
formats WhatsApp takes), else from the file name, else the type's usual one.
"""

from __future__ import annotations

import mimetypes

META_KEEPS_S = 30 * 24 * 3600
REUSE_FOR_S = META_KEEPS_S - 24 * 3600  # a day's margin before Meta forgets it
# Meta's answer to a send whose media id it does not know (or could not use): upload again.
STALE_MEDIA_CODES = frozenset({131053})

_MAGIC: tuple[tuple[bytes, int, str], ...] = (
    (b"\xff\xd8\xff", 0, "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", 0, "image/png"),
    (b"WEBP", 8, "image/webp"),
    (b"%PDF-", 0, "application/pdf"),
    (b"OggS", 0, "audio/ogg"),
    (b"ID3", 0, "audio/mpeg"),
    (b"#!AMR", 0, "audio/amr"),
    (b"ftyp3gp", 4, "video/3gpp"),
    (b"ftyp", 4, "video/mp4"),
)
_USUAL = {
    "image": "image/jpeg",
    "video": "video/mp4",
    "audio": "audio/mpeg",
    "document": "application/pdf",
    "sticker": "image/webp",
}


def mime_of(data: bytes, media_type: str, filename: str | None) -> str:
    for magic, at, mime in _MAGIC:
        if data[at : at + len(magic)] == magic:
            if mime == "video/mp4" and media_type == "audio":
                return "audio/mp4"  # an .m4a voice note is an mp4 container too
            return mime
    guessed = mimetypes.guess_type(filename or "")[0]
    return guessed or _USUAL.get(media_type, "application/octet-stream")


def reusable(age_s: float) -> bool:
    return 0 <= age_s < REUSE_FOR_S


def upload_name(media_file: str, media_type: str, filename: str | None, mime: str) -> str:
    if filename:
        return filename
    extension = mimetypes.guess_extension(mime) or ""
    return f"{media_type}-{media_file[:8]}{extension}"
