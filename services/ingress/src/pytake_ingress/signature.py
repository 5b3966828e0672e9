"""Which app must have signed a webhook body, and `X-Hub-Signature-256` checking.

Meta signs each POST with the secret of the app the webhook subscription belongs to, over the
exact bytes it sends (non-ASCII escaped as `\\uXXXX`), so the body is never re-serialised
before checking. A body is authentic only when it verifies with the secret of the app that owns
every `phone_number_id` it names: the number's own `app_secret`, else the global
`META_APP_SECRET` (which also covers numbers PyTake does not know, and bodies naming none).
Secrets are looked up by the numbers a body names, so checking costs one HMAC however many
numbers are registered; a body naming numbers of two apps cannot be signed by either, and is
refused whole.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from pytake_shared.config import NumberConfig

PREFIX = "sha256="


def sign(secret: str, body: bytes) -> str:
    """The header value Meta would send for `body` signed with `secret`."""
    return PREFIX + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify(header: str | None, body: bytes, secret: str) -> bool:
    if not secret or not header or not header.startswith(PREFIX):
        return False
    given = header[len(PREFIX) :].strip().lower().encode()
    expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest().encode()
    return hmac.compare_digest(expected, given)


@dataclass(frozen=True)
class Refusal:
    """Why a body cannot be authentic whatever its signature (answered 401)."""

    code: str
    message: str


def signing_secret(
    named: Iterable[str],
    *,
    lookup: Callable[[str], NumberConfig | None],
    default_secret: str,
    bound: NumberConfig | None = None,
) -> str | Refusal:
    """The one secret a body naming the numbers `named` must be signed with.

    `bound` is the number of a per-number webhook URL: its body may name no other number.
    """
    if bound is not None:
        others = sorted({n for n in named if n != bound.phone_number_id})
        if others:
            return Refusal(
                "wrong_number",
                f"this URL is for number {bound.phone_number_id} only, not {others[0]}",
            )
        secret = bound.app_secret or default_secret
    else:
        secrets = {_app_secret(lookup(n), default_secret) for n in named} or {default_secret}
        if len(secrets) > 1:
            return Refusal("mixed_apps", "the body names numbers of different apps")
        (secret,) = secrets
    if not secret:
        return Refusal("no_app_secret", "no app secret is configured for these numbers")
    return secret


def _app_secret(number: NumberConfig | None, default_secret: str) -> str:
    return number.app_secret if number is not None and number.app_secret else default_secret
