"""Secrets at rest and on `pytake.config.v1`, and the secrets a service refuses to start without.

Access tokens and app secrets are sealed with Fernet (AES-128-CBC + HMAC) from `cryptography`,
keyed by `PYTAKE_CONFIG_KEY`; any string is accepted as the key and stretched with SHA-256, so
operators can use a long passphrase. The key can be rotated: the keys in `PYTAKE_CONFIG_OLD_KEYS`
still open what they sealed, every new seal uses the current key, and `reseal` turns an old
seal into a new one.

`problems` judges the secrets a service needs before it starts: missing, too short, or one of
the values this repository has ever published (old defaults, documentation examples) is a
refusal, one line per variable. Nothing in the code has a default secret; `pytake dev` and the
tests pass their own, generated per checkout or per run.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

PREFIX = "enc:v1:"

# Values that were defaults or examples in this repository: known to anyone who read it.
PUBLISHED = frozenset(
    {
        "dev-only-config-key-change-me",
        "dev-only-jwt-secret-change-me",
        "dev-only-jwt-secret-change-me-0123456789",
        "dev-app-secret",
        "dev-verify-token",
        "dev-admin-password-change-me",
        "pytake-dev-admin",
        "demo-access-token",
        "change-me",
        "changeme",
        "change-me-long-random-passphrase",
        "change-me-long-random-string",
        "secret",
        "password",
    }
)


def generate(nbytes: int = 32) -> str:
    """A random secret fit for any of the variables (URL-safe, 43 characters for 32 bytes)."""
    return secrets.token_urlsafe(nbytes)


@dataclass(frozen=True)
class Required:
    """A secret a service needs: its variable, its value and the shortest length accepted."""

    name: str
    value: str
    min_length: int


def problems(required: Iterable[Required]) -> list[str]:
    """One line per secret that is missing, published or too short (empty when all are fit)."""
    found = []
    for secret in required:
        hint = f"set {secret.name} to a random value (`pytake secrets generate` makes them)"
        if not secret.value:
            found.append(f"{secret.name} is not set; {hint}")
        elif secret.value.strip().lower() in PUBLISHED:
            found.append(f"{secret.name} is a value published in PyTake's repository; {hint}")
        elif len(secret.value) < secret.min_length:
            found.append(f"{secret.name} is shorter than {secret.min_length} characters; {hint}")
    return found


def _fernet(key: str) -> Fernet:
    return Fernet(base64.urlsafe_b64encode(hashlib.sha256(key.encode()).digest()))


class SecretBox:
    def __init__(self, key: str, old_keys: Sequence[str] = ()) -> None:
        if not key:
            raise ValueError("PYTAKE_CONFIG_KEY must not be empty")
        self._current = _fernet(key)
        self._fernet = MultiFernet([self._current, *(_fernet(k) for k in old_keys if k)])

    def seal(self, plaintext: str | None) -> str | None:
        if plaintext is None or plaintext.startswith(PREFIX):
            return plaintext
        return PREFIX + self._fernet.encrypt(plaintext.encode()).decode()

    def open(self, sealed: str | None) -> str | None:
        """The plaintext of a sealed value (a value that is not sealed is returned as is)."""
        if sealed is None or not sealed.startswith(PREFIX):
            return sealed
        try:
            return self._fernet.decrypt(sealed[len(PREFIX) :].encode()).decode()
        except InvalidToken as exc:
            raise ValueError(
                "secret sealed with another PYTAKE_CONFIG_KEY (list the old one in "
                "PYTAKE_CONFIG_OLD_KEYS)"
            ) from exc

    def reseal(self, sealed: str | None) -> str | None:
        """`sealed` under the current key (None when it already is, or is not sealed)."""
        if sealed is None or not sealed.startswith(PREFIX):
            return None
        token = sealed[len(PREFIX) :].encode()
        try:
            self._current.decrypt(token)
            return None
        except InvalidToken:
            pass
        try:
            return PREFIX + self._fernet.rotate(token).decode()
        except InvalidToken as exc:
            raise ValueError("secret sealed with a key that is no longer listed") from exc
