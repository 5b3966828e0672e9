"""Outbound files: the MIME type an upload names, and how long Meta's media id is reused."""

from __future__ import annotations

import pytest

from pytake_sender.domain.uploads import REUSE_FOR_S, mime_of, reusable, upload_name


@pytest.mark.parametrize(
    ("head", "media_type", "filename", "mime"),
    [
        (b"\xff\xd8\xff\xe0rest", "image", None, "image/jpeg"),
        (b"\x89PNG\r\n\x1a\nrest", "image", None, "image/png"),
        (b"RIFF\x00\x00\x00\x00WEBPVP8 ", "sticker", None, "image/webp"),
        (b"%PDF-1.7", "document", "menu.bin", "application/pdf"),
        (b"OggS\x00", "audio", None, "audio/ogg"),
        (b"\x00\x00\x00\x18ftypmp42", "video", None, "video/mp4"),
        (b"\x00\x00\x00\x18ftypM4A ", "audio", None, "audio/mp4"),
        (b"plain words", "document", "prices.csv", "text/csv"),
        (b"plain words", "document", None, "application/pdf"),
    ],
)
def test_the_mime_type_comes_from_the_bytes_then_the_name_then_the_type(
    head: bytes, media_type: str, filename: str | None, mime: str
) -> None:
    assert mime_of(head, media_type, filename) == mime


def test_a_media_id_is_reused_for_29_days_then_uploaded_again() -> None:
    assert reusable(0) and reusable(REUSE_FOR_S - 1)
    assert not reusable(REUSE_FOR_S) and not reusable(-5)
    assert REUSE_FOR_S == 29 * 24 * 3600


def test_an_upload_without_a_file_name_gets_one_with_its_extension() -> None:
    assert upload_name("3f1b2c4d-aaaa", "image", None, "image/png") == "image-3f1b2c4d.png"
    assert upload_name("x", "document", "menu.pdf", "application/pdf") == "menu.pdf"
