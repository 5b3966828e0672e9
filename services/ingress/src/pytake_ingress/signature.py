"""`X-Hub-Signature-256` checking: HMAC-SHA256 of the raw body, compared in constant time.

Meta signs the exact bytes it sends (non-ASCII escaped as `\\uXXXX`), so the body is never
re-serialised before checking. Several secrets can be valid at once (the global app secret and
each number's own), and each is tried without leaking which one matched through timing.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable

PREFIX = "sha256="


def sign(secret: str, body: bytes) -> str:
    """The header value Meta would send for `body` signed with `secret`."""
    return PREFIX + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify(header: str | None, body: bytes, secrets: Iterable[str]) -> bool:
    if not header or not header.startswith(PREFIX):
        return False
    given = header[len(PREFIX) :].strip().lower().encode()
    ok = False
    for secret in secrets:
        if not secret:
            continue
        expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest().encode()
        # No early exit: every candidate secret is compared.
        ok |= hmac.compare_digest(expected, given)
    return ok
