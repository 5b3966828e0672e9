"""Short-lived links to a media file: `{base}/api/v1/media/{id}/content?expires=…&sig=…`.

The signature is an HMAC-SHA256 over the media id and the expiry, keyed with a secret derived
from `PYTAKE_CONFIG_KEY` (every service holds it; no new secret to distribute), so the executor
can mint a link for `{{last_media.url}}` and analytics can check one without a shared table.
A link names one media and nothing else: the organization is the media's own (analytics looks
it up by id), so a link cannot be bent to another tenant's file, and it stops working at
`expires`. Pure: time comes in as a value.
"""

from __future__ import annotations

import hashlib
import hmac
from urllib.parse import urlencode

PATH = "/api/v1/media/{media_id}/content"


def link_secret(config_key: str) -> bytes:
    """The links' key, derived from the platform's config key (a key of its own per purpose)."""
    return hmac.new(config_key.encode(), b"pytake media links v1", hashlib.sha256).digest()


def signature(secret: bytes, media_id: str, expires: int) -> str:
    return hmac.new(secret, f"{media_id}:{expires}".encode(), hashlib.sha256).hexdigest()


def content_url(base_url: str, secret: bytes, media_id: str, now: int, ttl_s: int) -> str:
    """A link to the media's bytes, valid from `now` for `ttl_s` seconds."""
    expires = now + ttl_s
    query = urlencode({"expires": expires, "sig": signature(secret, media_id, expires)})
    return base_url.rstrip("/") + PATH.format(media_id=media_id) + "?" + query


def verify(secret: bytes, media_id: str, expires: int, sig: str, now: int) -> bool:
    """Whether `sig` is ours for this media and expiry, and the expiry is still ahead."""
    if now >= expires:
        return False
    return hmac.compare_digest(signature(secret, media_id, expires), sig)
